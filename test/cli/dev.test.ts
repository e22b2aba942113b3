// tier: full — real `stratus dev` processes building AssemblyScript, a host, HTTP under load
// `stratus dev`: three saves while a client hammers HTTP, every response 200 and each save's code
// answering after its update; a compile error is shown and the old version keeps serving;
// Ctrl-C exits 0 and takes the listener down. Then the same against a host that already runs:
// dev deploys into it and, on Ctrl-C, leaves it running without what dev added.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { cli, freePort, startHostProcess, tempHome } from '../e2e/support.js';
import { controlRequest } from '../../src/control/client.js';
import { breakSource, helloProject, setGreeting, startDev } from './dev-support.js';

interface Load { stop(): Promise<{ ok: number; failures: string[]; bodies: Set<string> }> }

/** `workers` loops of GET on keep-alive connections until stopped; every non-200 or error is kept. */
function hammer(url: string, workers = 4): Load {
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const bodies = new Set<string>();
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      try {
        const res = await fetch(url);
        const body = await res.text();
        if (res.status === 200) { ok++; bodies.add(body); } else failures.push(`${res.status} ${body}`);
      } catch (e) {
        failures.push(`request error: ${(e as Error).message}`);
      }
    }
  });
  return { stop: async () => { running = false; await Promise.all(loops); return { ok, failures, bodies }; } };
}

async function body(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers: { connection: 'close' } });
  return { status: res.status, text: await res.text() };
}

test('stratus dev: three live updates under load without a failed request; a compile error keeps the old version; Ctrl-C stops', async () => {
  const home = tempHome('dev');
  const project = helloProject(home.dir, 'devloop');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const dev = startDev(home.dir, ['--path', project, '--port', String(port)]);
  try {
    const ready = await dev.waitFor((e) => e.event === 'ready', 'the ready event');
    assert.equal(ready.host, 'started');
    assert.equal(ready.url, `http://127.0.0.1:${port}`);
    assert.equal(ready.revision, 0);
    assert.deepEqual(await body(url), { status: 200, text: 'Hello from devloop' });

    const load = hammer(url);
    for (let i = 1; i <= 3; i++) {
      const from = dev.events.length;
      setGreeting(project, `version ${i}`);
      const up = await dev.waitFor((e) => e.event === 'updated' || e.event === 'build_failed' || e.event === 'update_failed', `update ${i}`, from);
      assert.equal(up.event, 'updated', JSON.stringify(up));
      assert.equal(up.revision, i);
      assert.equal(up.actor_id, ready.actor_id, 'same key');
      // the swap is done when the event is out: the next request gets the new code
      assert.deepEqual(await body(url), { status: 200, text: `version ${i}` });
    }

    const from = dev.events.length;
    breakSource(project);
    const failed = await dev.waitFor((e) => e.event === 'build_failed' || e.event === 'updated', 'the failed build', from);
    assert.equal(failed.event, 'build_failed', JSON.stringify(failed));
    assert.equal(failed.serving_revision, 3);
    assert.match(String(failed.error), /index\.ts/, 'the error names the file');
    assert.match(String(failed.error), /not a number|Type .* is not assignable/i);
    assert.deepEqual(await body(url), { status: 200, text: 'version 3' });

    const result = await load.stop();
    assert.deepEqual(result.failures, [], 'no request failed during the swaps');
    assert.ok(result.ok > 0);
    // the load saw the versions change under it
    assert.ok(result.bodies.has('version 3'), [...result.bodies].join(', '));
    assert.ok([...result.bodies].length >= 2, [...result.bodies].join(', '));

    assert.equal(await dev.interrupt(), 0, dev.stderr());
    assert.equal(dev.events.at(-1)?.event, 'stopped');
    await assert.rejects(fetch(url, { headers: { connection: 'close' } }), 'the listener is gone');
  } finally {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    home.cleanup();
  }
});

test('stratus dev on a running host: deploys into it, Ctrl-C takes back what it added and leaves the host running', async () => {
  const home = tempHome('devreuse');
  const project = helloProject(home.dir, 'devreuse');
  const host = await startHostProcess(home.dir);
  const port = await freePort();
  const dev = startDev(home.dir, ['--path', project, '--port', String(port)]);
  try {
    const ready = await dev.waitFor((e) => e.event === 'ready', 'the ready event');
    assert.equal(ready.host, 'reused');
    assert.equal(ready.host_id, host.view.id);
    assert.deepEqual(await body(`http://127.0.0.1:${port}/`), { status: 200, text: 'Hello from devreuse' });
    const inv = await controlRequest<{ actors: { id: string }[] }>('GET', '/v1/inventory', undefined, host.socket);
    assert.deepEqual(inv.actors.map((a) => a.id), [ready.actor_id]);

    assert.equal(await dev.interrupt(), 0, dev.stderr());
    const after = await controlRequest<{ actors: unknown[]; providers: unknown[] }>('GET', '/v1/inventory', undefined, host.socket);
    assert.deepEqual(after.actors, []);
    assert.deepEqual(after.providers, []);
    assert.deepEqual((await controlRequest<{ links: unknown[] }>('GET', '/v1/links', undefined, host.socket)).links, []);
  } finally {
    if (dev.child.exitCode === null) dev.child.kill('SIGKILL');
    await host.stop();
    home.cleanup();
  }
});

test('stratus dev: bad input is refused before anything is built, with what to do', async () => {
  const home = tempHome('devbad');
  const project = helloProject(home.dir, 'devbad');
  const busy = createServer();
  const port = await freePort();
  await new Promise<void>((r) => busy.listen(port, '127.0.0.1', () => r()));
  try {
    const badPort = await cli(home.dir, ['dev', '--path', project, '--port', 'abc']);
    assert.equal(badPort.code, 2, badPort.stderr);
    assert.match(badPort.stderr, /--port must be a port number 1-65535, got "abc"/);

    const noProject = await cli(home.dir, ['dev', '--path', home.dir, '-o', 'json']);
    assert.equal(noProject.code, 3, noProject.stdout + noProject.stderr);
    assert.equal(JSON.parse(noProject.stdout).code, 'INVALID_PROJECT');
    assert.match(JSON.parse(noProject.stdout).error, /no stratus\.json in .*stratus new actor/s);

    // a port another program holds: said before the build, exit 1 as for any refused listener
    const held = await cli(home.dir, ['dev', '--path', project, '--port', String(port)], 120_000);
    assert.equal(held.code, 1, held.stdout + held.stderr);
    assert.match(held.stderr, new RegExp(`cannot serve HTTP on 127\\.0\\.0\\.1:${port}: another program already listens there`));
    assert.match(held.stderr, /stratus dev --port <n>/);
    assert.doesNotMatch(held.stdout, /Built /, 'nothing was built');
  } finally {
    busy.close();
    home.cleanup();
  }
});
