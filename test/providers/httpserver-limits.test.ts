// tier: full — starts a child process with a lowered open-file limit
// Connection limits and client timeouts of the httpserver listener (fault 8), over real sockets:
// connections over max_connections are refused with a 503 while the admitted ones keep being
// served; a client that trickles its body or its headers is cut off with a 408; all listeners of a
// host together stay below the process's open-file limit minus a reserve.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createProvider } from '../../src/providers/registry.js';
import type { CapabilityProvider } from '../../src/host/provider-contract.js';
import { freePort } from '../support/servers.js';
import { listening, makeHost, httpLink, rawClient, rawGet, get, until, SHORT_FAILURE, type RawClient } from './httpserver-helpers.js';

describe('httpserver connection limit (max_connections)', () => {
  let provider: CapabilityProvider;
  let h: ReturnType<typeof makeHost>;
  let port: number;
  const clients: RawClient[] = [];

  before(async () => {
    h = makeHost();
    provider = createProvider('httpserver');
    await provider.start(h.host);
    port = await freePort();
    await provider.putLink(httpLink('MLIMIT', { port: String(port), max_connections: '3' }, provider.id));
  });
  after(async () => {
    for (const c of clients) c.socket.destroy();
    await provider.shutdown();
  });

  it('refuses connections over the limit with 503 and connection: close; the admitted ones are still answered', async () => {
    // three keep-alive connections, each answered once and then left idle
    for (let i = 0; i < 3; i++) {
      const c = await rawClient(port);
      clients.push(c);
      assert.equal(await rawGet(c, `/first-${i}`), 200);
    }
    const calls = h.seen.length;
    // a fourth is over the limit: a clean refusal, not an empty reply, and the actor is not called
    const extra = await rawClient(port);
    extra.socket.write('GET /extra HTTP/1.1\r\nHost: t\r\n\r\n');
    const text = await extra.closed;
    assert.match(text, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.equal(h.seen.length, calls, 'the refused request never reached the actor');
    // the admitted connections keep being served
    for (const [i, c] of clients.entries()) assert.equal(await rawGet(c, `/again-${i}`), 200);
    assert.ok(h.logs.some((l) => l.level === 'warn' && /max_connections/.test(l.text)), 'the refusal is logged with the value to raise');
  });

  it('admits a new connection once an admitted one has closed', async () => {
    const gone = clients.shift()!;
    gone.socket.destroy();
    // the server sees the close asynchronously; a new connection is admitted once it has
    await until(() => gone.socket.destroyed, 'client socket destroyed');
    let status = 0;
    for (let attempt = 0; attempt < 50 && status !== 200; attempt++) {
      status = (await get(port, '/after-close').catch(() => ({ status: 0 }))).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 200);
  });
});

describe('httpserver client timeouts', () => {
  let provider: CapabilityProvider;
  let h: ReturnType<typeof makeHost>;
  let port: number;

  before(async () => { ({ h, provider, port } = await listening('MSLOW', { headers_timeout_ms: '300', request_timeout_ms: '600', keepalive_timeout_ms: '300' })); });
  after(async () => { await provider.shutdown(); });

  // The test timeouts only turn "never cut off" into a failure; nothing asserts how long it took.
  it('cuts off a client that sends its headers and then trickles the body: 408, actor not called', { timeout: 15_000 }, async () => {
    const c = await rawClient(port);
    c.socket.write('POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n');
    const trickle = setInterval(() => { if (!c.socket.destroyed) c.socket.write('x'); }, 30);
    try {
      const text = await c.closed;
      assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.match(text, /connection: close/i);
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      assert.match(body, SHORT_FAILURE, 'a short body without internals');
    } finally {
      clearInterval(trickle);
    }
    assert.equal(h.seen.length, 0);
  });

  it('cuts off a client that dribbles its headers: 408', { timeout: 15_000 }, async () => {
    const c = await rawClient(port);
    c.socket.write('GET /slow HTTP/1.1\r\nHost: t\r\n');
    let n = 0;
    const dribble = setInterval(() => { if (!c.socket.destroyed) c.socket.write(`X-Drip-${n++}: 1\r\n`); }, 30);
    try {
      const text = await c.closed;
      assert.match(text, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      clearInterval(dribble);
    }
    assert.equal(h.seen.length, 0);
  });

  it('closes a connection that sends nothing at all, and an idle keep-alive connection', { timeout: 15_000 }, async () => {
    const silent = await rawClient(port);
    await silent.closed;
    const idle = await rawClient(port);
    assert.equal(await rawGet(idle, '/once'), 200);
    await idle.closed;
    assert.equal(h.seen.length, 1);
  });

  it('still serves a normal request with a body', async () => {
    const res = await get(port, '/ok', { method: 'POST', body: 'hello' });
    assert.equal(res.status, 200);
  });
});

describe('httpserver connections across a host stay below the open-file limit', () => {
  // A child process limited to 256 open files (soft and hard: Node raises a soft limit to the hard
  // one when it starts) runs one host scope with two listeners whose max_connections (1000 each)
  // exceed the limit. We open 400 connections to them from here; the child must refuse the excess
  // without running out of descriptors, so it can still open files (as its control socket and
  // stores must) and still answer on an admitted connection.
  it('refuses connections beyond nofile minus the reserve, so the process keeps descriptors for itself', { timeout: 60_000 }, async () => {
    const registry = fileURLToPath(new URL('../../src/providers/registry.js', import.meta.url));
    const scope = fileURLToPath(new URL('../../src/core/scope.js', import.meta.url));
    const script = `
      import { createProvider } from ${JSON.stringify(registry)};
      import { HostScope } from ${JSON.stringify(scope)};
      import { openSync, closeSync } from 'node:fs';
      import { createInterface } from 'node:readline';
      const reply = new Uint8Array([0x83, 0xaa, ...Buffer.from('statusCode'), 0xcc, 200, 0xa6, ...Buffer.from('header'), 0x80, 0xa4, ...Buffer.from('body'), 0xc4, 0]);
      const host = { dataDir: '/nonexistent', rpcTimeoutMs: 2000, scope: new HostScope(), log: (l, t) => process.stderr.write(l + ' ' + t + '\\n'),
        hostId: 'NTEST', invoke: async () => reply };
      const p = createProvider('httpserver');
      await p.start(host);
      const ports = [];
      for (const actor of ['MA', 'MB']) {
        await p.putLink({ id: actor, actor_id: actor, provider_id: p.id, link_name: 'default', contract_id: 'wasmcloud:httpserver',
          values: { port: '0', max_connections: '1000', headers_timeout_ms: '60000', keepalive_timeout_ms: '60000' } });
      }
      console.log(JSON.stringify({ ports: p.listeners().map((l) => l.port) }));
      for await (const line of createInterface({ input: process.stdin })) {
        if (line === 'open') {
          const fds = [];
          let error = '';
          try { for (let i = 0; i < 8; i++) fds.push(openSync('/dev/null', 'r')); } catch (e) { error = e.code; }
          for (const fd of fds) closeSync(fd);
          console.log(JSON.stringify({ opened: fds.length, error }));
        }
      }
    `;
    const child = spawn('bash', ['-c', `ulimit -n 256 && exec "${process.execPath}" --input-type=module -e "$SCRIPT"`], {
      env: { ...process.env, SCRIPT: script }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const lines: string[] = [];
    let buffered = '';
    child.stdout.on('data', (d) => {
      buffered += d;
      let i;
      while ((i = buffered.indexOf('\n')) >= 0) { lines.push(buffered.slice(0, i)); buffered = buffered.slice(i + 1); }
    });
    const sockets: RawClient[] = [];
    try {
      await until(() => lines.length >= 1 || child.exitCode !== null, 'the child host to listen', 30_000);
      assert.ok(lines.length >= 1, `child exited: ${stderr}`);
      const { ports } = JSON.parse(lines[0]!) as { ports: number[] };
      assert.equal(ports.length, 2);
      for (let i = 0; i < 400; i++) {
        const c = await rawClient(ports[i % 2]!).catch(() => undefined);
        if (c) sockets.push(c);
      }
      // every connection asks once: it is answered (admitted, or refused with 503) or closed, so the
      // child has dealt with each of them before we look
      await Promise.all(sockets.map((c) => {
        c.socket.write('GET /probe HTTP/1.1\r\nHost: t\r\n\r\n');
        return Promise.race([c.waitFor(/\r\n\r\n/), c.closed]);
      }));
      child.stdin.write('open\n');
      await until(() => lines.length >= 2 || child.exitCode !== null, 'the child to open files', 20_000);
      assert.ok(lines.length >= 2, `child exited: ${stderr}`);
      assert.deepEqual(JSON.parse(lines[1]!), { opened: 8, error: '' }, 'the host can still open files');
      const stillOpen = sockets.filter((s) => !s.socket.destroyed && /^HTTP\/1\.1 200/.test(s.received()));
      assert.ok(stillOpen.length > 0, 'some connections were admitted');
      assert.ok(stillOpen.length < 256, `admitted ${stillOpen.length} connections with only 256 descriptors`);
      assert.ok(sockets.some((s) => /^HTTP\/1\.1 503/.test(s.received())), 'the excess was refused with a 503');
      assert.equal(await rawGet(stillOpen[0]!, '/admitted'), 200, 'an admitted connection is served');
      assert.doesNotMatch(stderr, /EMFILE/);
    } finally {
      for (const s of sockets) s?.socket.destroy();
      child.kill('SIGKILL');
    }
  });
});
