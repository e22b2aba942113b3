// The Smithy-subset parser and both generators: model shape, error messages, no drift between
// interfaces/*.smithy and the checked-in generated files, and the host-side codecs' bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode as oracleDecode, encode as oracleEncode } from '@msgpack/msgpack';
import { parseSmithy, SmithyError } from '../../src/codegen/smithy.js';
import { generateTypeScript } from '../../src/codegen/typescript.js';
import { own, required } from '../../src/codec/interfaces/runtime.js';
import { generateBuiltins, generateInterface, packageRoot } from '../../src/codegen/generate.js';
import { KeyValueCodec, dispatchKeyValue, type KeyValueHandlers } from '../../src/codec/interfaces/keyvalue.js';
import { decodeHttpRequest, decodeHttpResponse, encodeHttpResponse, encodeHttpRequest } from '../../src/codec/interfaces/httpserver.js';
import { MessagingCodec, encodePubMessage, decodeSubMessage } from '../../src/codec/interfaces/messaging.js';
import { NumberGenCodec } from '../../src/codec/interfaces/numbergen.js';
import { LoggingCodec } from '../../src/codec/interfaces/logging.js';

const ROOT = packageRoot();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

test('checked-in generated files match a fresh generation (no drift)', () => {
  const generated = generateBuiltins(true, ROOT);
  assert.ok(generated.length >= 6);
  for (const g of generated) {
    for (const f of [g.assemblyScript, g.typeScript]) {
      assert.ok(f, `${g.name}: both ends generated`);
      assert.equal(readFileSync(f.path, 'utf8'), f.text, `${f.path} is stale: run \`node dist/src/codegen/regenerate.js\``);
    }
  }
  // every interface file has a generated TS codec
  const smithy = readdirSync(join(ROOT, 'interfaces')).filter((f) => f.endsWith('.smithy')).map((f) => f.replace('.smithy', '.ts')).sort();
  const ts = readdirSync(join(ROOT, 'src', 'codec', 'interfaces')).filter((f) => f !== 'runtime.ts' && f.endsWith('.ts')).sort();
  assert.deepEqual(ts, smithy);
});

test('parser reads the wasmCloud Smithy style: metadata, use, traits, optional commas, doc comments', () => {
  const m = parseSmithy(`
metadata package = [{ namespace: "org.example.x", crate: "x" }]
namespace org.example.x
use org.wasmcloud.model#wasmbus
use org.wasmcloud.model#U32

/// The service.
@wasmbus( contractId: "example:x", actorReceive: true, providerReceive: true )
service Thing { version: "0.1", operations: [ DoIt, Other ] }

/// Does it.
@readonly
operation DoIt { input: Req output: Resp }
operation Other { }

structure Req {
  /// the name
  @required
  @n(0)
  name: String
  @serialization(name: "actor_id")
  actorId: String
  count: U32
  @required
  tags: Tags
}
structure Resp { @required ok: Boolean }
list Tags { member: String }
map Counts { key: String, value: U32 }
`, 'x.smithy');
  assert.equal(m.namespace, 'org.example.x');
  const svc = m.services[0];
  assert.deepEqual([svc.name, svc.contractId, svc.actorReceive, svc.providerReceive, svc.doc], ['Thing', 'example:x', true, true, 'The service.']);
  assert.deepEqual(svc.operations.map((o) => [o.name, o.input, o.output]), [['DoIt', 'Req', 'Resp'], ['Other', undefined, undefined]]);
  const req = m.shapes.get('Req');
  assert.ok(req && req.kind === 'structure');
  assert.deepEqual(req.members.map((x) => [x.name, x.wireName, x.target, x.required]), [
    ['name', 'name', 'String', true], ['actorId', 'actor_id', 'String', false], ['count', 'count', 'U32', false], ['tags', 'tags', 'Tags', true],
  ]);
  assert.equal(req.members[0].doc, 'the name');
});

test('parser errors name the file and line and say what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['namespace a\nservice S { operations: [X] }', /bad\.smithy:2: service S needs a @wasmbus\(contractId/],
    ['namespace a\n@wasmbus(contractId: "a:b")\nservice S { operations: [Missing] }', /lists operation "Missing" which is not defined/],
    ['namespace a\nstructure A { @required x: Nope }', /A refers to unknown type "Nope"/],
    ['namespace a\nstructure A { x: String }\nstructure A { y: String }', /bad\.smithy:3: "A" is defined twice/],
    ['namespace a\nresource R {}', /unsupported shape kind "resource"/],
    ['namespace a\nstructure A { x: "unterminated }', /unterminated string/],
    ['structure A { x: String }', /missing "namespace"/],
  ];
  for (const [src, re] of cases) assert.throws(() => parseSmithy(src, 'bad.smithy'), (e) => e instanceof SmithyError && re.test(e.message), src);
});

test('TS codecs produce the §6.2 bytes: IncrementRequest, HttpRequest, and read the Rust HttpResponse', () => {
  assert.equal(hex(KeyValueCodec.Increment.encodeInput({ key: 'counter::bloggo', value: 1 })), '82a36b6579af636f756e7465723a3a626c6f67676fa576616c756501');
  assert.equal(hex(encodeHttpRequest({ method: 'GET', path: '/bloggo', queryString: '', header: {}, body: new Uint8Array(0) })),
    '85a66d6574686f64a3474554a470617468a72f626c6f67676fab7175657279537472696e67a0a668656164657280a4626f6479c400');
  const res = decodeHttpResponse(fromHex('83a4626f6479c40d7b22636f756e746572223a317da668656164657280aa737461747573436f6465ccc8'));
  assert.equal(res.statusCode, 200);
  assert.equal(Buffer.from(res.body).toString(), '{"counter":1}');
  assert.deepEqual(res.header, {});
  // statusCode minimal (cc c8), declared order
  assert.equal(hex(encodeHttpResponse({ statusCode: 200, header: {}, body: new Uint8Array(0) })), '83aa737461747573436f6465ccc8a668656164657280a4626f6479c400');
});

test('TS codecs: scalars bare, empty payload for no-input ops, tolerant decoding (any int width, str/nil blobs)', () => {
  assert.equal(hex(KeyValueCodec.Get.encodeInput('k')), 'a16b');
  assert.equal(NumberGenCodec.GenerateGuid.encodeInput().length, 0);
  assert.equal(hex(NumberGenCodec.RandomInRange.encodeInput({ min: 0, max: 100 })), '82a36d696e00a36d617864');
  assert.equal(hex(LoggingCodec.WriteLog.encodeInput({ level: 'debug', text: 'a debug!' })), '82a56c6576656ca56465627567a474657874a86120646562756721');
  for (const wire of ['01', 'cc01', 'd200000001', 'd30000000000000001', 'cf0000000000000001']) assert.equal(KeyValueCodec.Increment.decodeOutput(fromHex(wire)), 1, wire);
  assert.throws(() => KeyValueCodec.Increment.decodeOutput(fromHex('cb4012000000000000')), /^CodecError: KeyValue\.Increment output: expected an integer, got float 4\.5$/);
  assert.throws(() => KeyValueCodec.ListAdd.decodeOutput(fromHex('ff')), /out of range/);
  const req = decodeHttpRequest(oracleEncode({ method: 'GET', path: '/', queryString: '', header: { a: ['1', '2'] }, body: 'text body', extra: 1 }));
  assert.equal(Buffer.from(req.body).toString(), 'text body');
  assert.deepEqual(req.header, { a: ['1', '2'] });
  assert.equal(decodeHttpRequest(oracleEncode({ method: 'GET', path: '/', queryString: '', header: {}, body: null })).body.length, 0);
  assert.throws(() => decodeHttpRequest(oracleEncode({ method: 'GET', path: '/', queryString: '', body: new Uint8Array(0) })), /HttpRequest: missing field "header"/);
  assert.throws(() => decodeHttpRequest(oracleEncode({ method: 'GET', path: '/', queryString: '', header: { a: 'x' }, body: null })), /HttpRequest\.header\.a: expected an array of strings, got string "x"/);
  // strings may come as bin (serde's String reads bytes too)
  assert.equal(KeyValueCodec.Get.decodeInput(oracleEncode(new TextEncoder().encode('k'))), 'k');
  // a field is an own key of the map, never something every object inherits
  assert.throws(() => required({}, 'constructor', 'X'), /X: missing field "constructor"/);
  assert.equal(own({}, 'toString'), undefined);
});

test('@default: a missing or nil member decodes as its default; the trait is checked against the type', () => {
  const set = KeyValueCodec.Set.decodeInput(oracleEncode({ key: 'k', value: 'v' }));
  assert.deepEqual(set, { key: 'k', value: 'v', expires: 0 });
  assert.deepEqual(KeyValueCodec.Set.decodeInput(oracleEncode({ key: 'k', value: 'v', expires: null })), { key: 'k', value: 'v', expires: 0 });
  assert.deepEqual(KeyValueCodec.Set.decodeInput(oracleEncode({ key: 'k', value: 'v', expires: 9 })), { key: 'k', value: 'v', expires: 9 });
  assert.throws(() => KeyValueCodec.Set.decodeInput(oracleEncode({ key: 'k', value: 'v', expires: -1 })), /SetRequest\.expires: -1 is out of range/);
  assert.deepEqual(LoggingCodec.WriteLog.decodeInput(oracleEncode({ text: 't' })), { level: 'debug', text: 't' });
  const res = decodeHttpResponse(oracleEncode({ statusCode: 204 }));
  assert.deepEqual([res.statusCode, res.header, res.body.length], [204, {}, 0]);
  assert.throws(() => decodeHttpResponse(oracleEncode({ header: {} })), /HttpResponse: missing field "statusCode"/);
  // the encoders still write every member (wire bytes unchanged)
  assert.equal(hex(KeyValueCodec.Set.encodeInput(set)), hex(oracleEncode({ key: 'k', value: 'v', expires: 0 })));

  const model = (member: string) => `namespace a\nstructure S {\n${member}\n}`;
  const m = parseSmithy(model('@required @default(5) n: U32'), 'd.smithy');
  const s = m.shapes.get('S');
  assert.ok(s && s.kind === 'structure');
  assert.equal(s.members[0]!.default, 5);
  assert.throws(() => parseSmithy(model('@default(5) n: U32'), 'd.smithy'), /d\.smithy:3: member "n": @default needs @required/);
  assert.throws(() => parseSmithy(model('@required @default(["x"]) n: U32'), 'd.smithy'), /@default takes a string, number, boolean, \[\] or \{\}/);
  for (const [member, type] of [['@required @default("x") n: U32', 'U32'], ['@required @default(-1) n: U32', 'U32'], ['@required @default("x") b: Blob', 'Blob'], ['@required @default(1) s: String', 'String']]) {
    assert.throws(() => generateTypeScript(parseSmithy(model(member), 'd.smithy'), { runtimeImport: './runtime.js', sourceLabel: 'd.smithy' }),
      new RegExp(`d\\.smithy: S\\.\\w+: @default\\(.*\\) does not fit type ${type}`), member);
  }
});

test('TS codecs omit absent optional fields and read TinyGo-style empty optionals', () => {
  assert.deepEqual(oracleDecode(Uint8Array.from(encodePubMessage({ subject: 's', body: new Uint8Array(0) }))), { subject: 's', body: new Uint8Array(0) });
  assert.deepEqual(oracleDecode(Uint8Array.from(encodePubMessage({ subject: 's', replyTo: 'r', body: Uint8Array.of(1) }))), { subject: 's', replyTo: 'r', body: Uint8Array.of(1) });
  const sub = decodeSubMessage(oracleEncode({ subject: 's', replyTo: null, body: null }));
  assert.equal(sub.replyTo, undefined);
  assert.equal(sub.body.length, 0);
  assert.equal(MessagingCodec.Publish.decodeOutput(new Uint8Array(0)), undefined);
});

test('dispatchKeyValue decodes the operation, calls the handler and encodes the result', async () => {
  const store = new Map<string, number>();
  const handlers = {
    increment: ({ key, value }: { key: string; value: number }) => { const n = (store.get(key) ?? 0) + value; store.set(key, n); return n; },
  } as unknown as KeyValueHandlers;
  const out = await dispatchKeyValue(handlers, 'KeyValue.Increment', KeyValueCodec.Increment.encodeInput({ key: 'k', value: 300 }));
  assert.equal(hex(out), 'cd012c');
  await assert.rejects(dispatchKeyValue(handlers, 'KeyValue.Nope', new Uint8Array(0)), /unknown operation KeyValue\.Nope for wasmcloud:keyvalue/);
});

test('stratus gen output for a user interface compiles to both ends (AS sender/receiver, TS codec)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-gen-'));
  const g = generateInterface(join(ROOT, 'interfaces', 'messaging.smithy'), { asOut: join(dir, 'as'), tsOut: join(dir, 'ts') });
  const as = readFileSync(g.assemblyScript!.path, 'utf8');
  assert.match(as, /from "@stratus\/actor-as"/);
  assert.match(as, /export class MessagingSender/);
  assert.match(as, /export class MessageSubscriberReceiver/);
  assert.match(as, /registerHandler\("MessageSubscriber\.HandleMessage"/);
  const ts = readFileSync(g.typeScript!.path, 'utf8');
  // this installation's runtime, by a path tsc and Node both resolve (package exports refuse deep imports)
  assert.ok(ts.includes(`from ${JSON.stringify(join(ROOT, 'dist', 'src', 'codec', 'interfaces', 'runtime.js'))}`), ts.slice(0, 400));
  assert.match(ts, /export async function dispatchMessaging/);
});
