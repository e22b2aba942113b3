// The providers keep their own small codecs (they raise StratusErrors with pinned messages); this
// cross-checks them against the host-side codecs generated from the Smithy models
// (src/codec/interfaces/), operation by operation, so the two cannot drift apart.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KeyValueCodec } from '../../src/codec/interfaces/keyvalue.js';
import { HttpServerCodec } from '../../src/codec/interfaces/httpserver.js';
import { createProvider } from '../../src/providers/registry.js';
import { encodeRawHttpRequest } from '../../src/providers/httpserver/request-encoder.js';
import { decodeHttpResponse } from '../../src/providers/httpserver/codec.js';
import type { CapabilityProvider } from '../../src/host/provider-contract.js';
import { kvLink, testHost } from './kv-conformance.js';
import { linkInvocation, type LinkDefinition } from '../../src/core/wire.js';

describe('keyvalue provider vs the generated KeyValue codec', () => {
  let p: CapabilityProvider;
  let ctx: { link: LinkDefinition };
  before(async () => {
    p = createProvider('keyvalue');
    await p.start(testHost('/nonexistent'));
    const link = kvLink('MINTEROP', { backend: 'memory', bucket: `interop-${process.pid}` });
    await p.putLink(link);
    ctx = { link };
  });
  after(() => p.shutdown());

  // Input encoded by the generated codec, the reply decoded by it, and the reply bytes equal to
  // what the generated codec would emit for the expected value.
  async function roundTrip<I, O>(c: { operation: string; encodeInput(v: I): Uint8Array; decodeOutput(b: Uint8Array): O; encodeOutput(v: O): Uint8Array }, input: I, expected: O): Promise<void> {
    const out = await p.handle(linkInvocation(ctx.link, c.operation, c.encodeInput(input)));
    assert.deepEqual(c.decodeOutput(out), expected, c.operation);
    if (expected !== undefined) assert.deepEqual(Buffer.from(out), Buffer.from(c.encodeOutput(expected)), `${c.operation} bytes`);
    else assert.equal(out.length, 0, `${c.operation} replies with no bytes`);
  }

  it('answers every KeyValue operation in the generated wire form', async () => {
    const C = KeyValueCodec;
    await roundTrip(C.Get, 'k', { value: '', exists: false });
    await roundTrip(C.Set, { key: 'k', value: 'v', expires: 0 }, undefined);
    await roundTrip(C.Get, 'k', { value: 'v', exists: true });
    await roundTrip(C.Contains, 'k', true);
    await roundTrip(C.Del, 'k', true);
    await roundTrip(C.Increment, { key: 'n', value: 70000 }, 70000);
    await roundTrip(C.Increment, { key: 'n', value: -70100 }, -100);
    await roundTrip(C.ListAdd, { listName: 'l', value: 'a' }, 1);
    await roundTrip(C.ListAdd, { listName: 'l', value: 'b' }, 2);
    await roundTrip(C.ListRange, { listName: 'l', start: 0, stop: -1 }, ['a', 'b']);
    await roundTrip(C.ListDel, { listName: 'l', value: 'a' }, true);
    await roundTrip(C.ListClear, 'l', true);
    await roundTrip(C.SetAdd, { setName: 's1', value: 'x' }, 1);
    await roundTrip(C.SetAdd, { setName: 's2', value: 'x' }, 1);
    await roundTrip(C.SetAdd, { setName: 's2', value: 'y' }, 1);
    await roundTrip(C.SetDel, { setName: 's2', value: 'nope' }, 0);
    await roundTrip(C.SetQuery, 's2', ['x', 'y']);
    await roundTrip(C.SetUnion, ['s1', 's2'], ['x', 'y']);
    await roundTrip(C.SetIntersection, ['s1', 's2'], ['x']);
    await roundTrip(C.SetClear, 's1', true);
  });
});

describe('httpserver codec vs the generated HttpServer codec', () => {
  it('the hot-path request encoder emits what the generated codec encodes and decodes', () => {
    const req = { method: 'PUT', path: '/a', queryString: 'q=1', header: { 'x-a': ['1', '2'], host: ['h'] }, body: new Uint8Array([1, 2, 3]) };
    const ours = encodeRawHttpRequest({ method: req.method, path: req.path, queryString: req.queryString, headerNames: ['x-a', 'host'], headerValues: [['1', '2'], ['h']], body: req.body });
    assert.deepEqual(Buffer.from(ours), Buffer.from(HttpServerCodec.HandleRequest.encodeInput(req)));
    const back = HttpServerCodec.HandleRequest.decodeInput(ours);
    assert.deepEqual({ ...back, body: Buffer.from(back.body) }, { ...req, body: Buffer.from(req.body) });
  });

  it('reads an HttpResponse the generated codec encodes', () => {
    const bytes = HttpServerCodec.HandleRequest.encodeOutput({ statusCode: 404, header: { 'content-type': ['text/plain'] }, body: new TextEncoder().encode('nope') });
    const r = decodeHttpResponse(bytes);
    assert.equal(r.statusCode, 404);
    assert.deepEqual(r.headerLines, ['content-type', 'text/plain']);
    assert.equal(Buffer.from(r.body).toString(), 'nope');
  });
});
