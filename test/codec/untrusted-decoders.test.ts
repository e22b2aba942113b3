// Every decoder that reads bytes from an actor, a provider or a socket, fed hostile msgpack:
// headers declaring far more elements/bytes than follow (alone, inside a valid message, and 1000
// of them nested), every truncation of valid messages, and nesting deep enough to exhaust the
// stack. Each must be refused with an error that names the operation or field and says what was
// wrong. That it happens without work proportional to the *declared* lengths is checked without a
// clock in msgpack-decode.test.ts (bytes read are counted); here CPU time is only printed as a
// diagnostic (`# cpu ...` lines in the test output), never asserted.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isStratusError } from '../../src/core/errors.js';
import { decode as codecDecode, encode } from '../../src/codec/msgpack.js';
import { jsonToMsgpack, msgpackToJson } from '../../src/codec/json-bridge.js';
import { decodeHttpResponse } from '../../src/providers/httpserver/codec.js';
import { fastDecodeHttpResponse } from '../../src/providers/httpserver/response-decoder.js';
import { fastIncrementRequest } from '../../src/providers/keyvalue/fast-codec.js';
import { runBuiltin } from '../../src/host/builtins.js';
import { createProvider } from '../../src/providers/registry.js';
import { parseSmithy } from '../../src/codegen/smithy.js';
import { packageRoot } from '../../src/codegen/generate.js';
import { resolve, type InterfaceModel } from '../../src/codegen/model.js';
import type { CapabilityProvider } from '../../src/host/provider-contract.js';
import { kvLink, testHost } from '../providers/kv-conformance.js';
import { counted } from './counted.js';
import { linkInvocation } from '../../src/core/wire.js';
import type { SyncInvocationHandler } from '../../src/host/provider-contract.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const cat = (...parts: ArrayLike<number>[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

/** Headers that declare far more than any payload here holds; the 33 M one first (issue 11's `dd 01 ff ff ff`). */
const HUGE_HEADERS: [string, Uint8Array][] = [
  ['array32 of 33 M', hex('dd01ffffff')],
  ['array16 of 65535', hex('dcffff')],
  ['array32 of 2^32-1', hex('ddffffffff')],
  ['map16 of 65535', hex('deffff')],
  ['map32 of 2^32-1', hex('dfffffffff')],
  ['str8 of 255', hex('d9ff')],
  ['str16 of 65535', hex('daffff')],
  ['str32 of 2^32-1', hex('dbffffffff')],
  ['bin8 of 255', hex('c4ff')],
  ['bin16 of 65535', hex('c5ffff')],
  ['bin32 of 2^32-1', hex('c6ffffffff')],
  ['ext32 of 2^32-1', hex('c9ffffffff01')],
];

/** An array of 1000 array32 headers, each declaring 2^32-1 elements. */
const NESTED_HUGE = cat(hex('dc03e8'), ...Array.from({ length: 1000 }, () => hex('ddffffffff')));
const DEEP_ARRAYS = cat(new Uint8Array(100_000).fill(0x91), [0xc0]);
const DEEP_MAPS = cat(...Array.from({ length: 50_000 }, () => hex('81a161')), [0xc0]);

/** The hostile header placed where a value of `valid` starts: after its first map key, or inside an array. */
function embed(valid: Uint8Array, hostile: Uint8Array): Uint8Array {
  const t = valid[0]!;
  const isMapWithFixstrKey = t > 0x80 && t <= 0x8f && valid[1]! >= 0xa0 && valid[1]! <= 0xbf;
  if (!isMapWithFixstrKey) return cat([0x91], hostile);
  const keyEnd = 2 + (valid[1]! & 0x1f);
  return cat(valid.subarray(0, keyEnd), hostile);
}

interface Case { name: string; bytes: Uint8Array; reason: RegExp }

const DECLARES = /payload is not valid msgpack \(.*declares \d+ (elements|entries|bytes)/;
const TRUNCATED = /empty payload|payload is not valid msgpack \(.*(declares \d+|ends)/;
const TOO_DEEP = /nests arrays and maps deeper than \d+ levels/;

/** Hostile variants of one operation's valid messages, the 33 M header first. */
function hostileCases(valids: Uint8Array[]): Case[] {
  const out: Case[] = [];
  const first = valids[0]!;
  for (const [name, h] of HUGE_HEADERS) {
    out.push({ name: `${name} alone`, bytes: h, reason: DECLARES });
    out.push({ name: `${name} then 3 bytes`, bytes: cat(h, [1, 2, 3]), reason: DECLARES });
    out.push({ name: `${name} inside a valid message`, bytes: embed(first, h), reason: DECLARES });
  }
  out.push({ name: '1000 nested array32 headers', bytes: NESTED_HUGE, reason: DECLARES });
  out.push({ name: '1000 nested array32 headers inside a valid message', bytes: embed(first, NESTED_HUGE), reason: DECLARES });
  out.push({ name: '100 000 nested arrays', bytes: DEEP_ARRAYS, reason: TOO_DEEP });
  out.push({ name: '50 000 nested maps', bytes: DEEP_MAPS, reason: TOO_DEEP });
  out.push({ name: '100 000 nested arrays inside a valid message', bytes: embed(first, DEEP_ARRAYS), reason: TOO_DEEP });
  for (const v of valids) {
    for (let k = 0; k < v.length; k++) out.push({ name: `truncated to ${k} of ${v.length} bytes`, bytes: v.subarray(0, k), reason: TRUNCATED });
  }
  return out;
}

/** Runs every case through `attempt`, which returns the error text (or undefined when nothing was refused). */
async function expectRefused(t: { diagnostic(msg: string): void }, label: RegExp, valids: Uint8Array[], attempt: (b: Uint8Array) => Promise<string | undefined> | string | undefined): Promise<void> {
  const cases = hostileCases(valids);
  const cpu = process.cpuUsage();
  for (const c of cases) {
    const error = await attempt(c.bytes);
    assert.ok(error !== undefined, `${c.name}: was accepted`);
    assert.match(error, label, `${c.name}: the error names the operation or field`);
    assert.match(error, c.reason, `${c.name}: the error says what is wrong`);
  }
  const used = process.cpuUsage(cpu);
  t.diagnostic(`cpu ${((used.user + used.system) / 1000).toFixed(1)} ms for ${cases.length} hostile payloads (diagnostic only)`);
}

function refusal(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    assert.ok(isStratusError(e, 'BAD_REQUEST'), `expected a BAD_REQUEST StratusError, got ${(e as Error).name}: ${(e as Error).message}`);
    return e.message;
  }
}

async function asyncRefusal(p: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await p();
    return undefined;
  } catch (e) {
    assert.ok(isStratusError(e, 'BAD_REQUEST'), `expected a BAD_REQUEST StratusError, got ${(e as Error).name}: ${(e as Error).message}`);
    return e.message;
  }
}

test('the shared msgpack decoder (src/codec/msgpack.ts) refuses hostile payloads, naming what was decoded', async (t) => {
  const valid = [encode({ a: [1, 'x'], b: new Uint8Array(3) })];
  await expectRefused(t, /^msgpack payload: /, valid, (b) => refusal(() => codecDecode(b)));
  await expectRefused(t, /^Messaging\.Publish input: /, valid, (b) => refusal(() => codecDecode(b, 'Messaging.Publish input')));
});

test('the httpserver provider refuses hostile HttpResponse replies (fast path falls through, general path refuses)', async (t) => {
  const valids = [
    hex('83a4626f6479c40d7b22636f756e746572223a317da668656164657280aa737461747573436f6465ccc8'), // kvcounter's reply (reference §6.2)
    encode({ statusCode: 404, header: { 'content-type': ['text/plain'], 'x-a': ['1', '2'] }, body: new Uint8Array([110, 111]) }),
  ];
  await expectRefused(t, /^HttpResponse\b/, valids, (b) => {
    assert.equal(fastDecodeHttpResponse(b), undefined, 'the fast path never accepts a malformed reply');
    return refusal(() => decodeHttpResponse(b));
  });
});

test('the fast IncrementRequest decoder leaves every hostile payload to the general one', () => {
  for (const c of hostileCases([encode({ key: 'counter::bloggo', value: 1 })])) assert.equal(fastIncrementRequest(c.bytes), undefined, c.name);
});

test('the fast decoders read each byte of a hostile payload at most twice (bytes read are counted, no clock)', () => {
  const replies = hostileCases([encode({ statusCode: 200, header: { a: ['1', '2'] }, body: new Uint8Array(3) })]);
  const increments = hostileCases([encode({ key: 'counter::bloggo', value: 1 })]);
  for (const [name, cases, decode] of [['HttpResponse', replies, fastDecodeHttpResponse], ['IncrementRequest', increments, fastIncrementRequest]] as const) {
    for (const c of cases) {
      const input = counted(c.bytes);
      assert.equal((decode as (b: Uint8Array) => unknown)(input.view), undefined, `${name}, ${c.name}`);
      assert.ok(input.reads() <= 2 * c.bytes.length + 16, `${name}, ${c.name}: ${input.reads()} reads of ${c.bytes.length} bytes`);
    }
  }
});

// label of each operation's input in the provider's errors
const KV_INPUTS: Record<string, [label: string, sample: unknown]> = {
  Get: ['KeyValue.Get key', 'k'],
  Set: ['SetRequest', { key: 'k', value: 'v', expires: 0 }],
  Del: ['KeyValue.Del key', 'k'],
  Contains: ['KeyValue.Contains key', 'k'],
  Increment: ['IncrementRequest', { key: 'counter::bloggo', value: 1 }],
  ListAdd: ['ListAddRequest', { listName: 'l', value: 'v' }],
  ListDel: ['ListDelRequest', { listName: 'l', value: 'v' }],
  ListRange: ['ListRangeRequest', { listName: 'l', start: 0, stop: -1 }],
  ListClear: ['KeyValue.ListClear listName', 'l'],
  SetAdd: ['SetAddRequest', { setName: 's', value: 'v' }],
  SetDel: ['SetDelRequest', { setName: 's', value: 'v' }],
  SetQuery: ['KeyValue.SetQuery setName', 's'],
  SetUnion: ['KeyValue.SetUnion keys', ['a', 'b']],
  SetIntersection: ['KeyValue.SetIntersection keys', ['a', 'b']],
  SetClear: ['KeyValue.SetClear setName', 's'],
};

let kv: CapabilityProvider | undefined;
after(() => kv?.shutdown());

test('the keyvalue provider refuses hostile payloads for every operation, on both of its paths', async (t) => {
  kv = createProvider('keyvalue');
  await kv.start(testHost('/nonexistent'));
  const link = kvLink('MUNTRUSTED', { backend: 'memory', bucket: `untrusted-${process.pid}` });
  await kv.putLink(link);
  const ctx = { link };
  const p = kv;
  for (const [op, [label, sample]] of Object.entries(KV_INPUTS)) {
    const valid = encode(sample);
    const operation = `KeyValue.${op}`;
    await p.handle(linkInvocation(ctx.link, operation, valid)); // the sample itself is fine
    const named = new RegExp(`^${label.replace(/\./g, '\\.')}\\b`);
    await t.test(`${operation} via handle()`, (tt) => expectRefused(tt, named, [valid], (b) => asyncRefusal(() => p.handle(linkInvocation(ctx.link, operation, b)))));
    await t.test(`${operation} via handleSync()`, (tt) => expectRefused(tt, named, [valid], (b) => refusal(() => (p as CapabilityProvider & SyncInvocationHandler).handleSync(linkInvocation(ctx.link, operation, b), () => {}))));
  }
});

test('the builtins refuse hostile Logging.WriteLog and NumberGen.RandomInRange payloads', async (t) => {
  const cases: [string, string, Uint8Array][] = [
    ['wasmcloud:builtin:logging', 'Logging.WriteLog', hex('82a56c6576656ca56465627567a474657874a86120646562756721')], // randogenlogger (§2.5)
    ['wasmcloud:builtin:numbergen', 'NumberGen.RandomInRange', hex('82a36d696e00a36d617864')], // randogenlogger (§2.6)
  ];
  for (const [contract, op, valid] of cases) {
    const run = (b: Uint8Array) => runBuiltin(contract, op, b, 'MUNTRUSTED', () => {});
    assert.equal(run(valid).ok, true, `${op}: the sample itself is fine`);
    await t.test(op, (tt) => expectRefused(tt, new RegExp(`^${op.replace('.', '\\.')}\\b`), [valid], (b) => {
      const r = run(b);
      return r.ok ? undefined : r.error;
    }));
  }
});

/** A sample value for any type of an interface model (every optional member included). */
function sample(model: InterfaceModel, type: string): unknown {
  const r = resolve(model, type);
  if ('primitive' in r) {
    const p = r.primitive;
    return p === 'String' ? 'text' : p === 'Boolean' ? true : p === 'Blob' ? new Uint8Array([1, 2, 3]) : p === 'F32' || p === 'F64' ? 1.5 : 7;
  }
  const s = r.shape;
  if (s.kind === 'list') return [sample(model, s.member)];
  if (s.kind === 'map') return { k: sample(model, s.value) };
  return Object.fromEntries(s.members.map((m) => [m.name, sample(model, m.target)]));
}

/** Bytes as plain arrays, so a Buffer and a Uint8Array holding the same bytes compare equal. */
function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

type OpCodec = { decodeInput(b: Uint8Array): unknown; encodeInput(v: unknown): Uint8Array; decodeOutput(b: Uint8Array): unknown; encodeOutput(v: unknown): Uint8Array };

test('every generated codec (src/codec/interfaces) refuses hostile input and output payloads', async (t) => {
  const root = packageRoot();
  const files = readdirSync(join(root, 'interfaces')).filter((f) => f.endsWith('.smithy')).sort();
  let decoders = 0;
  for (const f of files) {
    const model = parseSmithy(readFileSync(join(root, 'interfaces', f), 'utf8'), f);
    const mod = await import(pathToFileURL(join(root, 'dist', 'src', 'codec', 'interfaces', f.replace('.smithy', '.js'))).href) as Record<string, Record<string, OpCodec>>;
    for (const svc of model.services) {
      for (const op of svc.operations) {
        const codec = mod[`${svc.name}Codec`]![op.name]!;
        for (const [dir, type] of [['input', op.input], ['output', op.output]] as const) {
          if (!type) continue;
          const value = sample(model, type);
          const valid = dir === 'input' ? codec.encodeInput(value) : codec.encodeOutput(value);
          const decodeFn = dir === 'input' ? codec.decodeInput : codec.decodeOutput;
          assert.deepEqual(plain(decodeFn(valid)), plain(value), `${svc.name}.${op.name} ${dir}: the sample round-trips`);
          const r = resolve(model, type);
          const label = 'shape' in r && r.shape.kind === 'structure' ? r.shape.name : `${svc.name}.${op.name} ${dir}`;
          await t.test(`${svc.name}.${op.name} ${dir}`, (tt) => expectRefused(tt, new RegExp(`^${label.replace(/\./g, '\\.')}\\b`), [valid], (b) => refusal(() => decodeFn(b))));
          decoders++;
        }
      }
    }
  }
  assert.ok(decoders >= 25, `all interfaces' decoders were exercised (${decoders})`);
});

test('the JSON bridge bounds nesting both ways and shows a malformed reply as bytes', async (t) => {
  const deepJson = '['.repeat(100_000) + ']'.repeat(100_000);
  const e = refusal(() => jsonToMsgpack('Any.Op', deepJson));
  assert.ok(e !== undefined, 'deeply nested --data is refused');
  assert.match(e, /--data nests arrays and objects deeper than \d+ levels/);
  const cases = hostileCases([encode({ statusCode: 200, header: {}, body: new Uint8Array(0) })]);
  const cpu = process.cpuUsage();
  for (const c of cases) {
    if (c.bytes.length === 0) continue; // an empty reply is shown as null
    assert.deepEqual(msgpackToJson('HttpServer.HandleRequest', c.bytes), { $base64: Buffer.from(c.bytes).toString('base64') }, c.name);
  }
  const used = process.cpuUsage(cpu);
  t.diagnostic(`cpu ${((used.user + used.system) / 1000).toFixed(1)} ms for msgpackToJson over the hostile payloads (diagnostic only)`);
});
