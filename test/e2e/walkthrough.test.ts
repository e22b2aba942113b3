// tier: full — runs host processes (stratus up) and the CLI
// The seed walkthrough end to end: `stratus up --manifest` with the AssemblyScript kvcounter built
// from source, then curl-like GETs over real HTTP: {"counter": 1}, {"counter": 2}; counter
// exactness under concurrency; default (lmdb) and Redis backends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { counterOf, freePort, get, KVCOUNTER_DIR, signedKvcounter, startHostProcess, startRedis, tempHome, writeManifest } from './support.js';

const N = 40;

async function exactUnderConcurrency(base: string, key: string): Promise<void> {
  const replies = await Promise.all(Array.from({ length: N }, () => get(`${base}/${key}`)));
  for (const r of replies) assert.equal(r.status, 200, r.body);
  const counters = replies.map((r) => counterOf(r.body)).sort((a, b) => a - b);
  // Every increment observed exactly once: the answers are 1..N with no gaps or repeats.
  assert.deepEqual(counters, Array.from({ length: N }, (_, i) => i + 1));
  assert.deepEqual(await get(`${base}/${key}`), { status: 200, body: `{"counter": ${N + 1}}` });
}

test('seed walkthrough: project directory in the manifest is built, default backend counts 1, 2 and exactly N', async () => {
  const home = tempHome('walk');
  const port = await freePort();
  // The manifest points at a project directory, as examples/kvcounter/app.yaml does; a fresh copy
  // without build output, so `up` really builds it from source.
  const project = join(home.dir, 'kvcounter');
  cpSync(KVCOUNTER_DIR, project, { recursive: true, filter: (p) => !p.startsWith(join(KVCOUNTER_DIR, 'build')) });
  assert.equal(existsSync(join(project, 'build')), false);
  const manifest = writeManifest(home.dir, { actorPath: project, port });
  const host = await startHostProcess(home.dir, ['--manifest', manifest]);
  try {
    assert.ok(existsSync(join(project, 'build', 'kvcounter_s.wasm')), 'built by stratus up');
    assert.match(host.output(), /built .*kvcounter_s\.wasm/);
    assert.match(host.output(), /http listener: http:\/\/127\.0\.0\.1:\d+/);
    assert.match(host.view.id, /^N[A-Z2-7]{55}$/);
    const base = `http://127.0.0.1:${port}`;
    assert.deepEqual(await get(`${base}/bloggo`), { status: 200, body: '{"counter": 1}' });
    assert.deepEqual(await get(`${base}/bloggo`), { status: 200, body: '{"counter": 2}' });
    // a different path is a different counter
    assert.deepEqual(await get(`${base}/other`), { status: 200, body: '{"counter": 1}' });
    await exactUnderConcurrency(base, 'burst');
  } finally {
    assert.equal(await host.stop(), 0, host.output());
    home.cleanup();
  }
});

test('seed walkthrough on Redis: counts 1, 2, exactly N, and the value is in Redis', async () => {
  const redis = await startRedis();
  const home = tempHome('redis');
  try {
    const port = await freePort();
    const manifest = writeManifest(home.dir, { actorPath: await signedKvcounter(home.dir), port, kvValues: { URL: redis.url } });
    const host = await startHostProcess(home.dir, ['--manifest', manifest]);
    try {
      const base = `http://127.0.0.1:${port}`;
      assert.deepEqual(await get(`${base}/bloggo`), { status: 200, body: '{"counter": 1}' });
      assert.deepEqual(await get(`${base}/bloggo`), { status: 200, body: '{"counter": 2}' });
      await exactUnderConcurrency(base, 'burst');
      // The count really lives in Redis, under the seed's key shape ("/" -> "_").
      const { Redis } = await import('ioredis');
      const client = new Redis(redis.url);
      try {
        const keys = await client.keys('*bloggo*');
        assert.equal(keys.length, 1, `keys: ${keys.join(',')}`);
        assert.equal(await client.get(keys[0]), '2');
      } finally {
        client.disconnect();
      }
    } finally {
      assert.equal(await host.stop(), 0, host.output());
    }
  } finally {
    await redis.dispose();
    home.cleanup();
  }
});
