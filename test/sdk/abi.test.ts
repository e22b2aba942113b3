// tier: full — builds AssemblyScript actors (cached between runs)
// The SDK's guest ABI, generated bindings and JSON writer, driven through __guest_call exactly
// as a wasmCloud host does (reference §1.5), with the byte vectors of reference §6.2.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { decode as oracleDecode, encode as oracleEncode } from '@msgpack/msgpack';
import { WasmbusHarness, hex, fromHex, type HostCallRecord } from './harness.js';
import { compileCached, ROOT } from './build-cache.js';

// reference §6.2: request for /bloggo, response of the Rust kvcounter, IncrementRequest
const REQUEST_BLOGGO = '85a66d6574686f64a3474554a470617468a72f626c6f67676fab7175657279537472696e67a0a668656164657280a4626f6479c400';
const RESPONSE_RUST = '83a4626f6479c40d7b22636f756e746572223a317da668656164657280aa737461747573436f6465ccc8';
const INCREMENT_VECTOR = '82a36b6579af636f756e7465723a3a626c6f67676fa576616c756501';

let kv: WasmbusHarness;
let harness: WasmbusHarness;
let kvBytes: Uint8Array;
let reply: (c: HostCallRecord) => { ok: Uint8Array } | { error: string } = () => ({ ok: fromHex('01') });

before(async () => {
  kvBytes = await compileCached(join(ROOT, 'examples', 'kvcounter'));
  kv = await WasmbusHarness.create(kvBytes, (c) => reply(c));
  harness = await WasmbusHarness.create(await compileCached(join(ROOT, 'sdk', 'assemblyscript', 'tests', 'harness')), (c) => reply(c));
});

function request(path: string, extra: Record<string, unknown> = {}): Uint8Array {
  return oracleEncode({ method: 'GET', path, queryString: '', header: {}, body: new Uint8Array(0), ...extra });
}

test('an SDK actor imports only wasmbus functions and exports the wasmbus entry points', () => {
  const mod = new WebAssembly.Module(kvBytes);
  const imports = WebAssembly.Module.imports(mod);
  assert.ok(imports.length > 0);
  for (const i of imports) assert.equal(i.module, 'wasmbus', `unexpected import ${i.module}.${i.name}`);
  const exports = WebAssembly.Module.exports(mod).map((e) => e.name).sort();
  assert.deepEqual(exports, ['__guest_call', '__wasmbus_rpc_version', 'memory']);
});

test('kvcounter: §6.2 request bytes -> one KeyValue.Increment on the default link -> {"counter": N}', () => {
  reply = () => ({ ok: fromHex('01') });
  const before = kv.calls.length;
  const r = kv.call('HttpServer.HandleRequest', fromHex(REQUEST_BLOGGO));
  assert.equal(r.rc, 1, r.error);
  const calls = kv.calls.slice(before);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].binding, 'default');
  assert.equal(calls[0].namespace, 'wasmcloud:keyvalue');
  assert.equal(calls[0].operation, 'KeyValue.Increment');
  // key = strings.Replace(path, "/", "_", -1) as in the seed; value 1; map keyed by declared names
  assert.equal(hex(calls[0].payload), '82a36b6579a75f626c6f67676fa576616c756501');
  assert.deepEqual(oracleDecode(calls[0].payload), { key: '_bloggo', value: 1 });
  // {statusCode:200, header:{}, body:'{"counter": 1}'}, minimal ints (cc c8)
  const body = Buffer.from('{"counter": 1}').toString('hex');
  assert.equal(hex(r.response), `83aa737461747573436f6465ccc8a668656164657280a4626f6479c40e${body}`);
});

test('kvcounter: the IncrementRequest for path "counter::bloggo" is byte-identical to §6.2', () => {
  reply = () => ({ ok: fromHex('01') });
  kv.call('HttpServer.HandleRequest', request('counter::bloggo'));
  assert.equal(hex(kv.calls[kv.calls.length - 1].payload), INCREMENT_VECTOR);
});

test('kvcounter accepts every integer width in the Increment reply (reference §6.2)', () => {
  for (const [wire, n] of [['d200000001', 1], ['cc02', 2], ['d30000000000000003', 3], ['ce7fffffff', 2147483647], ['d2ffffff9c', -100]] as const) {
    reply = () => ({ ok: fromHex(wire) });
    const r = kv.call('HttpServer.HandleRequest', request('/x'));
    assert.equal(r.rc, 1, r.error);
    const res = oracleDecode(r.response) as { statusCode: number; body: Uint8Array };
    assert.equal(res.statusCode, 200);
    assert.equal(Buffer.from(res.body).toString(), `{"counter": ${n}}`);
  }
});

test('kvcounter answers 500 with the host error text when the host call fails', () => {
  reply = () => ({ error: 'Invocation not authorized: missing link definition for wasmcloud:keyvalue on default' });
  const r = kv.call('HttpServer.HandleRequest', request('/denied'));
  assert.equal(r.rc, 1, 'a failed host call is an HTTP 500, not a guest error');
  const res = oracleDecode(r.response) as { statusCode: number; body: Uint8Array };
  assert.equal(res.statusCode, 500);
  assert.equal(Buffer.from(res.body).toString(), 'Host send error Invocation not authorized: missing link definition for wasmcloud:keyvalue on default');
});

test('kvcounter answers 500 when the Increment reply is not an integer (float, str)', () => {
  for (const wire of ['cb4012000000000000', 'a135']) {
    reply = () => ({ ok: fromHex(wire) });
    const r = kv.call('HttpServer.HandleRequest', request('/bad-reply'));
    const res = oracleDecode(r.response) as { statusCode: number; body: Uint8Array };
    assert.equal(res.statusCode, 500);
    assert.match(Buffer.from(res.body).toString(), /^deserialization: response to Increment: invalid type/);
  }
});

test('default Actor.HealthRequest answers 81 a7 "healthy" c3 for 80 and {placeholder:true}, rejects empty and nil', () => {
  for (const input of ['80', '81ab706c616365686f6c646572c3']) {
    const r = kv.call('Actor.HealthRequest', fromHex(input));
    assert.equal(r.rc, 1, r.error);
    assert.equal(hex(r.response), '81a76865616c746879c3');
  }
  for (const input of ['', 'c0']) assert.equal(kv.call('Actor.HealthRequest', fromHex(input)).rc, 0, `input "${input}"`);
});

test('unknown operations and bad payloads are guest errors with wasmbus-rpc style text', () => {
  const unknown = kv.call('HttpServer.Nope', fromHex('80'));
  assert.equal(unknown.rc, 0);
  assert.equal(unknown.error, 'Guest call failed for method HttpServer.Nope: method not handled HttpServer.Nope');
  const notStruct = kv.call('HttpServer.HandleRequest', fromHex('01'));
  assert.equal(notStruct.rc, 0);
  assert.match(notStruct.error, /^Guest call failed for method HttpServer\.HandleRequest: deserialization: message 'HandleRequest': invalid type: expected a map/);
  const noHeader = oracleEncode({ method: 'GET', path: '/', queryString: '', body: new Uint8Array(0) });
  assert.match(kv.call('HttpServer.HandleRequest', noHeader).error, /missing field `header`/);
  const positional = oracleEncode(['GET', '/', '', {}, new Uint8Array(0)]);
  assert.equal(kv.call('HttpServer.HandleRequest', positional).rc, 0);
  // tolerated like wasmbus-rpc guests: unknown extra fields, body as str; and TinyGo's nil body
  reply = () => ({ ok: fromHex('01') });
  for (const extra of [{ extra: 'x' }, { body: 'as a string' }, { body: null }]) {
    assert.equal(kv.call('HttpServer.HandleRequest', request('/tolerant', extra)).rc, 1, JSON.stringify(extra));
  }
});

test('generated decoders read the §6.2 bytes and re-encode them (declared field order)', () => {
  const req = harness.call('Vectors.HttpRequest', fromHex(REQUEST_BLOGGO));
  assert.equal(req.rc, 1, req.error);
  assert.equal(hex(req.response), REQUEST_BLOGGO);
  const res = harness.call('Vectors.HttpResponse', fromHex(RESPONSE_RUST));
  assert.equal(res.rc, 1, res.error);
  assert.equal(hex(res.response), '83aa737461747573436f6465ccc8a668656164657280a4626f6479c40d7b22636f756e746572223a317d');
  const inc = harness.call('Vectors.IncrementRequest', fromHex(INCREMENT_VECTOR));
  assert.equal(hex(inc.response), INCREMENT_VECTOR);
});

test('hostCall surfaces the host error text verbatim; an empty successful response is allowed', () => {
  reply = (c) => (c.operation === 'Fail' ? { error: 'boom: no such thing' } : { ok: new Uint8Array(0) });
  const failed = harness.call('Host.Call', oracleEncode(['default', 'wasmcloud:keyvalue', 'Fail', new Uint8Array(0)]));
  assert.equal(failed.rc, 0);
  assert.match(failed.error, /Host send error boom: no such thing$/);
  const empty = harness.call('Host.Call', oracleEncode(['', 'stratus/ponger', 'Pingpong.Ping', new Uint8Array(0)]));
  assert.equal(empty.rc, 1, empty.error);
  assert.equal(empty.response.length, 0);
  const last = harness.calls[harness.calls.length - 1];
  assert.deepEqual([last.binding, last.namespace, last.operation, last.payload.length], ['', 'stratus/ponger', 'Pingpong.Ping', 0]);
});

test('JsonWriter: escaping, unicode, 64-bit integers, nesting — parsed back by JSON.parse', () => {
  const strings = ['plain', 'quote " and \\ backslash', 'ctl \n\r\t\u0001\u001f', 'é中😀', ''];
  const r = harness.call('Json.Build', oracleEncode(strings));
  assert.equal(r.rc, 1, r.error);
  const text = Buffer.from(r.response).toString('utf8');
  const parsed = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(parsed.strings, strings);
  assert.deepEqual(parsed.bools, [true, false]);
  assert.equal(parsed.none, null);
  assert.equal(parsed.float, 1.5);
  assert.deepEqual(parsed.nested, { empty: {}, list: [] });
  assert.match(text, /"ints":\[0,-1,42,9223372036854775807,-9223372036854775808,18446744073709551615\]/);
});

test('an abort inside a handler reaches the host as the guest error (no env.abort import)', () => {
  let trapped = false;
  try {
    harness.call('Abort.Now', new Uint8Array(3));
  } catch (e) {
    trapped = e instanceof WebAssembly.RuntimeError;
  }
  assert.ok(trapped, 'the module traps after reporting');
  // the error text was delivered through __guest_error before the trap
  assert.match((harness as unknown as { guestError: string }).guestError, /^abort: payload too short for Abort\.Now at .*index\.ts:\d+:\d+$/);
});

test('memory stays bounded over 20 000 kvcounter invocations (GC between calls)', async () => {
  const fresh = await WasmbusHarness.create(kvBytes, () => ({ ok: fromHex('cd0400') }));
  const payload = request('/some/longer/path/to/count', { header: { 'user-agent': ['test'], accept: ['*/*', 'text/plain'] }, body: new Uint8Array(2048) });
  for (let i = 0; i < 2000; i++) assert.equal(fresh.call('HttpServer.HandleRequest', payload).rc, 1);
  const warm = fresh.memoryBytes;
  for (let i = 0; i < 18000; i++) {
    const r = fresh.call('HttpServer.HandleRequest', payload);
    if (r.rc !== 1) assert.fail(`call ${i} failed: ${r.error}`);
  }
  const end = fresh.memoryBytes;
  // ~18 000 × several KiB of garbage would need > 50 MiB without collection
  assert.ok(end <= warm + 4 * 65536, `memory grew from ${warm} to ${end} bytes`);
  assert.ok(end < 4 * 1024 * 1024, `memory ${end} bytes`);
});

test('every generated sender (keyvalue, logging, numbergen, messaging) sends the declared bytes and decodes its reply', () => {
  const replies: Record<string, unknown> = {
    'KeyValue.Increment': -3, 'KeyValue.Contains': true, 'KeyValue.Del': false, 'KeyValue.Get': { value: 'v', exists: true },
    'KeyValue.ListAdd': 2, 'KeyValue.ListClear': true, 'KeyValue.ListDel': true, 'KeyValue.ListRange': ['a', 'b'],
    'KeyValue.SetAdd': 1, 'KeyValue.SetDel': 0, 'KeyValue.SetIntersection': ['x'], 'KeyValue.SetQuery': ['x', 'y'],
    'KeyValue.SetUnion': ['a', 'b', 'c'], 'KeyValue.SetClear': false, 'NumberGen.GenerateGuid': '0f5c3a39-4c2e-4b7a-9a4e-2f1d6c1e8b11',
    'NumberGen.Random32': 4000000000, 'NumberGen.RandomInRange': 3,
    'Messaging.Request': { subject: 'q', replyTo: 'inbox', body: new TextEncoder().encode('ok') },
  };
  reply = (c) => (c.operation in replies ? { ok: oracleEncode(replies[c.operation]) } : { ok: new Uint8Array(0) });
  const start = harness.calls.length;
  const r = harness.call('Bindings.All', new Uint8Array(0));
  assert.equal(r.rc, 1, r.error);
  assert.deepEqual(oracleDecode(r.response), [
    -3, true, false, 'v', true, 2, true, true, ['a', 'b'], true, 1, 0, 1, 2, 3, false, true,
    '0f5c3a39-4c2e-4b7a-9a4e-2f1d6c1e8b11', 4000000000, 3, true, true, 'q|inbox|ok',
  ]);
  const calls = harness.calls.slice(start).map((c) => [c.binding, c.namespace, c.operation, hex(c.payload)]);
  const s = (v: unknown) => hex(oracleEncode(v));
  assert.deepEqual(calls, [
    ['default', 'wasmcloud:keyvalue', 'KeyValue.Increment', s({ key: 'k', value: -3 })],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.Contains', 'a16b'],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.Del', 'a16b'],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.Get', 'a16b'],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.ListAdd', s({ listName: 'l', value: 'v' })],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.ListClear', 'a16c'],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.ListDel', s({ listName: 'l', value: 'v' })],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.ListRange', s({ listName: 'l', start: 0, stop: -1 })],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.Set', s({ key: 'k', value: 'v', expires: 60 })],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.SetAdd', s({ setName: 's', value: 'v' })],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.SetDel', s({ setName: 's', value: 'v' })],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.SetIntersection', s(['a', 'b'])],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.SetQuery', 'a173'],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.SetUnion', s(['a', 'b'])],
    ['default', 'wasmcloud:keyvalue', 'KeyValue.SetClear', 'a173'],
    ['default', 'wasmcloud:builtin:logging', 'Logging.WriteLog', s({ level: 'info', text: 'hello' })],
    ['default', 'wasmcloud:builtin:numbergen', 'NumberGen.GenerateGuid', ''],
    ['default', 'wasmcloud:builtin:numbergen', 'NumberGen.Random32', ''],
    ['default', 'wasmcloud:builtin:numbergen', 'NumberGen.RandomInRange', s({ min: 1, max: 6 })],
    // optional replyTo omitted when absent (reference §2.1), present when set
    ['default', 'wasmcloud:messaging', 'Messaging.Publish', s({ subject: 's', body: new TextEncoder().encode('b') })],
    ['default', 'wasmcloud:messaging', 'Messaging.Publish', s({ subject: 's', replyTo: 'r', body: new Uint8Array(0) })],
    ['default', 'wasmcloud:messaging', 'Messaging.Request', s({ subject: 'q', body: new Uint8Array(0), timeoutMs: 1000 })],
  ]);
});

test('MessageSubscriber receiver: no output on success, guest error text on failure, nil replyTo accepted', () => {
  const ok = harness.call('MessageSubscriber.HandleMessage', oracleEncode({ subject: 'x', replyTo: null, body: new Uint8Array(1) }));
  assert.equal(ok.rc, 1, ok.error);
  assert.equal(ok.response.length, 0);
  const bad = harness.call('MessageSubscriber.HandleMessage', oracleEncode({ subject: 'fail', body: new Uint8Array(0) }));
  assert.equal(bad.rc, 0);
  assert.equal(bad.error, 'Guest call failed for method MessageSubscriber.HandleMessage: refused fail');
});
