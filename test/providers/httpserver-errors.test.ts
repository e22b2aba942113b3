// What HTTP clients see when the host, not the actor, makes the answer (fault 13): a short text with
// a reference and no internals; the full explanation goes to the host log under the same
// reference; the full text goes into bodies only when asked for (link value debug_errors=true or
// STRATUS_DEV_ERRORS=1).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { signedC, testHost } from '../support/fixtures.js';
import { createProvider } from '../../src/providers/registry.js';
import { StratusError } from '../../src/core/errors.js';
import type { CapabilityProvider } from '../../src/host/provider-contract.js';
import { freePort } from '../support/servers.js';
import { get, httpLink, listening, makeHost, rawHttp, SHORT_FAILURE } from './httpserver-helpers.js';

/** The body must be the short form; returns [status, ref]. */
function shortFailure(body: Buffer): [number, string] {
  const m = SHORT_FAILURE.exec(body.toString());
  assert.ok(m, `expected a short failure body, got ${JSON.stringify(body.toString())}`);
  return [Number(m[1]), m[2]!];
}

describe('httpserver failure bodies with a real host', () => {
  const { host, logs } = testHost();
  after(() => host.shutdown());

  it('an inbound call the actor\'s claims do not allow: short 500 body; the log explains it under the same ref', async () => {
    const http = createProvider('httpserver');
    await host.startProvider(http);
    // signed without wasmcloud:httpserver: the host refuses the provider's call into it
    const actor = await host.startActor(await signedC('kvcounter', { caps: ['wasmcloud:keyvalue'] }));
    const port = await freePort();
    await host.putLink({ actor_id: actor.id, provider_id: http.id, contract_id: 'wasmcloud:httpserver', link_name: 'default', values: { port: String(port) } });
    const res = await get(port, '/bloggo');
    assert.equal(res.status, 500);
    const [status, ref] = shortFailure(res.body);
    assert.equal(status, 500);
    assert.ok(!res.body.toString().includes(actor.id), 'no actor key in the body');
    const line = logs.find((l) => l.text.includes(ref));
    assert.ok(line, `a log line carries ref ${ref}`);
    assert.equal(line.level, 'error');
    assert.ok(line.text.includes(actor.id), 'the log names the actor');
    assert.match(line.text, /wasmcloud:httpserver/);
    await host.stopActor(actor.id);
    await host.stopProvider(http.id);
  });
});

describe('httpserver failure bodies', () => {
  let provider: CapabilityProvider;
  let h: ReturnType<typeof makeHost>;
  let port: number;

  before(async () => { ({ h, provider, port } = await listening('MERR', { max_content_len: '64', timeout_ms: '300', max_response_len: '1K' })); });
  after(async () => { await provider.shutdown(); });

  const cases: [string, () => Promise<Uint8Array>, number, RegExp][] = [
    ['guest error', async () => { throw new StratusError('GUEST_ERROR', 'Guest call failed: boom at MERR'); }, 500, /MERR failed to handle the request: Guest call failed: boom/],
    ['timeout', async () => { throw new StratusError('TIMEOUT', 'did not finish within 300 ms'); }, 504, /timed out/],
    ['no answer', () => new Promise(() => {}), 504, /did not answer within 300 ms/],
    ['invalid reply', async () => encode('just a string'), 500, /returned an invalid HttpResponse/],
    ['reply over max_response_len', async () => encode({ statusCode: 200, header: {}, body: Buffer.alloc(1025) }), 500, /1025 bytes.*max_response_len of 1024/],
  ];
  for (const [what, actor, status, logged] of cases) {
    it(`${what}: ${status} with a short body; the full text is logged under its ref`, async () => {
      h.setActor(actor);
      const res = await get(port, '/x');
      assert.equal(res.status, status);
      const [s, ref] = shortFailure(res.body);
      assert.equal(s, status);
      const line = h.logs.find((l) => l.text.includes(ref));
      assert.ok(line, `log line for ref ${ref}`);
      assert.match(line.text, logged);
    });
  }

  it('passes max_response_len to the host with each call (default 16 MiB)', async () => {
    h.setActor(async () => encode({ statusCode: 200, header: {}, body: Buffer.alloc(1024) }));
    const res = await get(port, '/exactly-max');
    assert.equal(res.status, 200, 'a body of exactly max_response_len is sent');
    assert.equal(res.body.length, 1024);
    assert.equal(h.seen.at(-1)!.opts?.maxResponseBytes, 1024);
    assert.equal(h.seen.at(-1)!.opts?.timeoutMs, 300);
  });

  it('413 and 400 bodies are short too', async () => {
    h.setActor(async () => encode({ statusCode: 200, header: {}, body: new Uint8Array() }));
    const big = await get(port, '/upload', { method: 'POST', body: Buffer.alloc(65, 'x') });
    assert.equal(big.status, 413);
    shortFailure(big.body);
    const bad = await rawHttp(port, 'THIS IS NOT HTTP\r\n\r\n');
    assert.match(bad, /^HTTP\/1\.1 400 Bad Request\r\n/);
    shortFailure(Buffer.from(bad.slice(bad.indexOf('\r\n\r\n') + 4), 'latin1'));
  });
});

describe('httpserver failure bodies in development', () => {
  it('debug_errors=true puts the full text (and the ref) in the body', async () => {
    const h = makeHost();
    const p = createProvider('httpserver');
    await p.start(h.host);
    const port = await freePort();
    await p.putLink(httpLink('MDEV', { port: String(port), debug_errors: 'true' }, p.id));
    h.setActor(async () => { throw new StratusError('GUEST_ERROR', 'Guest call failed: boom'); });
    const res = await get(port, '/');
    assert.equal(res.status, 500);
    assert.match(res.body.toString(), /actor MDEV failed to handle the request: Guest call failed: boom/);
    assert.match(res.body.toString(), /\(ref [0-9a-f]{8}\)/);
    await p.shutdown();
  });

  it('STRATUS_DEV_ERRORS=1 does the same for links that do not say otherwise', async () => {
    const h = makeHost();
    const p = createProvider('httpserver');
    await p.start(h.host);
    const [a, b] = [await freePort(), await freePort()];
    process.env.STRATUS_DEV_ERRORS = '1';
    try {
      await p.putLink(httpLink('MENV', { port: String(a) }, p.id));
      await p.putLink(httpLink('MOFF', { port: String(b), debug_errors: 'false' }, p.id));
    } finally {
      delete process.env.STRATUS_DEV_ERRORS;
    }
    h.setActor(async () => { throw new StratusError('GUEST_ERROR', 'Guest call failed: boom'); });
    assert.match((await get(a, '/')).body.toString(), /failed to handle the request: Guest call failed: boom/);
    shortFailure((await get(b, '/')).body);
    await p.shutdown();
  });
});
