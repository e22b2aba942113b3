// tier: full — starts redis-server for the seed walkthrough on Redis
// The httpserver provider over real sockets, with a real ProviderHost whose callActor is a plain
// async function standing in for the actor (the end-to-end run with real actors lives elsewhere).
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { encode, decode } from '@msgpack/msgpack';
import { createProvider } from '../../src/providers/registry.js';
import { notStartedError, StratusError, isStratusError } from '../../src/core/errors.js';
import type { CapabilityProvider } from '../../src/host/provider-contract.js';
import { freePort, startRedis } from '../support/servers.js';
import { makeHost, httpLink, rawHttp, get, refused, SHORT_FAILURE } from './httpserver-helpers.js';
import { linkInvocation } from '../../src/core/wire.js';

/** The body is the short failure text; the log line with its ref says `logged`. */
function failure(h: ReturnType<typeof makeHost>, body: Buffer, status: number, logged: RegExp): void {
  const m = SHORT_FAILURE.exec(body.toString());
  assert.ok(m, `short failure body expected, got ${JSON.stringify(body.toString())}`);
  assert.equal(Number(m[1]), status);
  const line = h.logs.find((l) => l.text.includes(m[2]!));
  assert.ok(line, `a log line with ref ${m[2]}`);
  assert.match(line.text, logged);
}

describe('httpserver provider', () => {
  let provider: CapabilityProvider;
  let h: ReturnType<typeof makeHost>;
  let port: number;
  const actorId = 'MACTOR1';

  before(async () => {
    h = makeHost();
    provider = createProvider('httpserver');
    await provider.start(h.host);
    port = await freePort();
    await provider.putLink(httpLink(actorId, { PORT: String(port), max_content_len: '64', timeout_ms: '300' }, provider.id));
  });
  after(async () => { await provider.shutdown(); });
  beforeEach(() => {
    h.seen.length = 0;
    h.logs.length = 0;
    h.setActor(async () => encode({ statusCode: 200, header: {}, body: new Uint8Array() }));
  });

  it('sends HttpServer.HandleRequest with exactly the bytes wasmCloud sends (HTTP/1.0 GET, no headers)', async () => {
    const res = await rawHttp(port, 'GET /bloggo HTTP/1.0\r\n\r\n');
    assert.match(res, /^HTTP\/1\.[01] 200/);
    assert.equal(h.seen.length, 1);
    const s = h.seen[0]!;
    assert.equal(s.operation, 'HttpServer.HandleRequest');
    assert.equal(s.actorId, actorId);
    assert.deepEqual(s.origin, { public_key: provider.id, contract_id: 'wasmcloud:httpserver', link_name: 'default' });
    assert.equal(s.opts?.timeoutMs, 300);
    assert.equal(Buffer.from(s.payload).toString('hex'),
      '85a66d6574686f64a3474554a470617468a72f626c6f67676fab7175657279537472696e67a0a668656164657280a4626f6479c400');
  });

  it('maps method, path, query string, lowercased multi-valued headers and body bytes', async () => {
    const body = Buffer.from([0, 1, 2, 250, 255]);
    const res = await rawHttp(port,
      Buffer.concat([Buffer.from(`post /a/b%20c?x=1&y=two HTTP/1.1\r\nHost: test\r\nX-Multi: one\r\nx-multi: two\r\nX-Caps: Value\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
    // Node's parser rejects a lowercase method; a real client sends it uppercase
    assert.match(res, /^HTTP\/1\.1 400/);
    await rawHttp(port, Buffer.concat([Buffer.from(`POST /a/b%20c?x=1&y=two HTTP/1.1\r\nHost: test\r\nX-Multi: one\r\nx-multi: two\r\nX-Caps: Value\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`), body]));
    const req = decode(h.seen.at(-1)!.payload) as Record<string, unknown>;
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/a/b%20c');
    assert.equal(req.queryString, 'x=1&y=two');
    const header = req.header as Record<string, string[]>;
    assert.deepEqual(header['x-multi'], ['one', 'two']);
    assert.deepEqual(header['x-caps'], ['Value']);
    assert.deepEqual(header['host'], ['test']);
    assert.ok(req.body instanceof Uint8Array, 'body is msgpack bin');
    assert.deepEqual(Buffer.from(req.body as Uint8Array), body);
  });

  it('writes the actor\'s status, each header value as its own line, and the body', async () => {
    h.setActor(async () => encode({ statusCode: 201, header: { 'Set-Cookie': ['a=1', 'b=2'], 'content-type': ['application/json'] }, body: Buffer.from('{"ok":true}') }));
    const res = await get(port, '/x');
    assert.equal(res.status, 201);
    assert.equal(res.body.toString(), '{"ok":true}');
    assert.deepEqual(res.headers['set-cookie'], ['a=1', 'b=2']);
    const cookieLines = res.raw.filter((_, i) => i % 2 === 0 && res.raw[i]!.toLowerCase() === 'set-cookie');
    assert.equal(cookieLines.length, 2, 'two separate header lines');
    assert.equal(res.headers['content-type'], 'application/json');
    assert.equal(res.headers['content-length'], '11');
  });

  it('accepts actor replies with str bodies, nil bodies, str header values and wide ints', async () => {
    h.setActor(async () => encode({ statusCode: 202, header: { 'x-one': 'single' }, body: 'text body' }));
    let res = await get(port, '/');
    assert.equal(res.status, 202);
    assert.equal(res.headers['x-one'], 'single');
    assert.equal(res.body.toString(), 'text body');
    // TinyGo writes an empty body as nil and may write the status in a wide int form
    h.setActor(async () => Buffer.from('83aa737461747573436f6465d1012ca668656164657280a4626f6479c0', 'hex')); // 300 as int16, body nil
    res = await get(port, '/');
    assert.equal(res.status, 300);
    assert.equal(res.body.length, 0);
  });

  it('ignores framing headers from the actor and states the real content-length', async () => {
    h.setActor(async () => encode({ statusCode: 200, header: { 'Content-Length': ['999'], 'transfer-encoding': ['chunked'] }, body: Buffer.from('abc') }));
    const res = await get(port, '/');
    assert.equal(res.headers['content-length'], '3');
    assert.equal(res.body.toString(), 'abc');
  });

  it('answers 413 for a body over max_content_len (declared or chunked) without calling the actor', async () => {
    const big = Buffer.alloc(65, 'x');
    let res = await get(port, '/upload', { method: 'POST', body: big, headers: { 'content-length': String(big.length) } });
    assert.equal(res.status, 413);
    failure(h, res.body, 413, /exceeds max_content_len of 64 bytes/);
    res = await get(port, '/upload', { method: 'POST', body: big, headers: { 'transfer-encoding': 'chunked' } });
    assert.equal(res.status, 413);
    assert.equal(h.seen.length, 0);
    res = await get(port, '/upload', { method: 'POST', body: Buffer.alloc(64, 'y') });
    assert.equal(res.status, 200, 'exactly max_content_len is accepted');
    assert.equal(Buffer.from((decode(h.seen[0]!.payload) as { body: Uint8Array }).body).length, 64);
  });

  it('answers 500 naming the error when the actor fails', async () => {
    h.setActor(async () => { throw new StratusError('GUEST_ERROR', 'Guest call failed for method HttpServer.HandleRequest: boom'); });
    const res = await get(port, '/fail');
    assert.equal(res.status, 500);
    failure(h, res.body, 500, /actor MACTOR1 failed to handle the request: Guest call failed .*boom/);
  });

  it('answers 504 when the actor call times out (host TIMEOUT, or no answer within timeout_ms), 503 when it never started', async () => {
    h.setActor(async () => { throw new StratusError('TIMEOUT', 'actor did not finish within 300 ms'); });
    let res = await get(port, '/slow');
    assert.equal(res.status, 504, 'a call that ran out of time may have done part of its work: outcome unknown');
    failure(h, res.body, 504, /timed out/);
    h.setActor(async () => { throw notStartedError('TIMEOUT', 'all instances stayed busy'); });
    res = await get(port, '/queued');
    assert.equal(res.status, 503, 'timed out waiting for an instance: it never started, a retry is safe');
    h.setActor(async () => { throw new StratusError('UNKNOWN_TARGET', 'no actor MACTOR1 is running'); });
    res = await get(port, '/stopped');
    assert.equal(res.status, 503, 'an actor that is not running makes the service unavailable');
    failure(h, res.body, 503, /failed to handle the request: no actor MACTOR1 is running/);
    h.setActor(() => new Promise(() => { /* never answers */ }));
    res = await get(port, '/never');
    assert.equal(res.status, 504);
    failure(h, res.body, 504, /did not answer within 300 ms/);
  });

  it('answers 500 naming the problem when the actor reply does not decode', async () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(), /empty payload/],
      [Buffer.from('a5616263', 'hex'), /not valid msgpack/],
      [encode('just a string'), /expected a msgpack map, got string/],
      [encode({ header: {}, body: new Uint8Array() }), /missing field "statusCode"/],
      [encode({ statusCode: 42, header: {}, body: new Uint8Array() }), /statusCode 42 is not a final HTTP status/],
      [encode({ statusCode: 200, header: { 'x-bad': [5] }, body: new Uint8Array() }), /HttpResponse\.header\.x-bad\[0\]: expected a string/],
      [encode({ statusCode: 200, header: { 'bad name': ['v'] }, body: new Uint8Array() }), /header or status that cannot be sent: invalid header name "bad name"/],
    ];
    for (const [reply, pattern] of cases) {
      h.setActor(async () => reply);
      const res = await get(port, '/');
      assert.equal(res.status, 500, String(pattern));
      failure(h, res.body, 500, /returned (an invalid HttpResponse|a header)/);
      failure(h, res.body, 500, pattern);
    }
  });

  it('answers 400 to a malformed request and keeps serving', async () => {
    const res = await rawHttp(port, 'THIS IS NOT HTTP\r\n\r\n');
    assert.match(res, /^HTTP\/1\.1 400 Bad Request/);
    assert.match(res.slice(res.indexOf('\r\n\r\n') + 4), SHORT_FAILURE);
    assert.equal(h.seen.length, 0);
    assert.equal((await get(port, '/still-up')).status, 200);
  });

  it('keeps connections alive between requests', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    agent.on('free', (s) => sockets.add(s));
    try {
      for (let i = 0; i < 3; i++) assert.equal((await get(port, `/${i}`, { agent })).status, 200);
      assert.equal(sockets.size, 1, 'all three requests reused one socket');
    } finally {
      agent.destroy();
    }
  });

  it('rejects a second link on the same port at put time, naming the link holding it', async () => {
    await assert.rejects(provider.putLink(httpLink('MACTOR2', { port: String(port) }, provider.id)), (e: Error) => {
      assert.ok(isStratusError(e, 'LINK_INVALID'));
      assert.match(e.message, new RegExp(`port ${port} is already used by the httpserver link for actor MACTOR1`));
      return true;
    });
    // and across provider instances in the same process
    const other = createProvider('httpserver', { linkName: 'other' });
    await other.start(h.host);
    await assert.rejects(other.putLink({ ...httpLink('MACTOR3', { port: String(port) }, other.id), link_name: 'other' }), /already used by the httpserver link for actor MACTOR1/);
    await other.shutdown();
    assert.equal((await get(port, '/')).status, 200, 'the first link still serves');
  });

  it('reports healthy with its listeners', async () => {
    const health = await provider.health();
    assert.equal(health.healthy, true);
  });

  it('has no operations for actors to call', async () => {
    await assert.rejects(provider.handle(linkInvocation(httpLink(actorId, {}), 'HttpServer.Foo', new Uint8Array())), /no operation "HttpServer\.Foo"/);
  });
});

describe('httpserver links lifecycle', () => {
  it('rejects a port another process holds at put time, naming the port and the process', async () => {
    const redis = await startRedis();
    const h = makeHost();
    const p = createProvider('httpserver');
    await p.start(h.host);
    try {
      await assert.rejects(p.putLink(httpLink('MBUSY', { address: `127.0.0.1:${redis.port}` }, p.id)), (e: Error) => {
        assert.ok(isStratusError(e, 'LINK_INVALID'));
        assert.match(e.message, new RegExp(`port ${redis.port} is already in use by pid \\d+ \\(redis-server`));
        assert.match(e.message, /hint: choose a free port/);
        return true;
      });
    } finally {
      await p.shutdown();
      await redis.dispose();
    }
  });

  it('closes the listener when the link is deleted (connection refused), and a re-put serves again', async () => {
    const h = makeHost();
    const p = createProvider('httpserver');
    await p.start(h.host);
    const port = await freePort();
    const link = httpLink('MDEL', { port: String(port) }, p.id);
    await p.putLink(link);
    const agent = new Agent({ keepAlive: true });
    assert.equal((await get(port, '/', { agent })).status, 200);
    await p.deleteLink(link); // also drops the idle keep-alive connection
    assert.equal(await refused(port), true);
    await p.deleteLink(link); // deleting an unknown link does not throw
    await p.putLink(link);
    assert.equal((await get(port, '/')).status, 200);
    await p.shutdown();
    assert.equal(await refused(port), true, 'shutdown closes every listener');
    agent.destroy();
  });

  it('re-putting the same values is a no-op; a corrected re-put moves the listener', async () => {
    const h = makeHost();
    const p = createProvider('httpserver');
    await p.start(h.host);
    const [a, b] = [await freePort(), await freePort()];
    const link = httpLink('MMOVE', { port: String(a) }, p.id);
    await p.putLink(link);
    await p.putLink(link);
    assert.equal((await get(a, '/')).status, 200);
    await p.putLink({ ...link, values: { port: String(b) } });
    assert.equal(await refused(a), true, 'old port released');
    assert.equal((await get(b, '/')).status, 200);
    // a bad re-put fails and the old listener keeps serving
    await assert.rejects(p.putLink({ ...link, values: { port: 'nope' } }), /not a TCP port/);
    assert.equal((await get(b, '/')).status, 200);
    await p.shutdown();
  });

  it('serves one listener per linked actor, each calling its own actor', async () => {
    const h = makeHost();
    h.setActor(async (_p, actorId) => encode({ statusCode: 200, header: {}, body: Buffer.from(actorId) }));
    const p = createProvider('httpserver');
    await p.start(h.host);
    const [a, b] = [await freePort(), await freePort()];
    await p.putLink(httpLink('MONE', { port: String(a) }, p.id));
    await p.putLink(httpLink('MTWO', { address: `127.0.0.1:${b}` }, p.id));
    assert.equal((await get(a, '/')).body.toString(), 'MONE');
    assert.equal((await get(b, '/')).body.toString(), 'MTWO');
    await p.shutdown();
  });
});
