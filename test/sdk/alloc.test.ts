// tier: full — builds AssemblyScript actors (cached between runs)
// The SDK's allocation-saving paths behave exactly like the code they replace: map keys matched in
// place (Reader.keyStart/keyIs) agree with decoding the key (Reader.str) on every input, including
// non-ASCII keys, unknown keys and truncated bytes; cached host-call names follow the strings
// passed, whether literal, built at run time or different with the same length.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Packr } from 'msgpackr';
import { WasmbusHarness } from './harness.js';
import { compileCached, ROOT } from './build-cache.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
// must match KEY_CANDIDATES in sdk/assemblyscript/tests/harness/assembly/index.ts
const CANDIDATES = ['method', 'path', 'größe', '日本', '😀', ''];
let h: WasmbusHarness;

before(async () => {
  h = await WasmbusHarness.create(await compileCached(join(ROOT, 'sdk', 'assemblyscript', 'tests', 'harness')), () => ({ ok: new Uint8Array(0) }));
});

type KeysAnswer = [number[], string | null];

/** [in-place answer, str()-based answer] for these map bytes. */
function readKeys(bytes: Uint8Array): [KeysAnswer, KeysAnswer] {
  const r = h.call('Reader.Keys', bytes);
  assert.equal(r.rc, 1, r.error);
  return packr.unpack(r.response) as [KeysAnswer, KeysAnswer];
}

/** A msgpack map with these keys in this order (values vary in type so skipping is exercised). */
function mapBytes(entries: [unknown, unknown][]): Uint8Array {
  const n = entries.length;
  const parts: Uint8Array[] = [new Uint8Array(n < 16 ? [0x80 | n] : [0xde, n >> 8, n & 0xff])];
  for (const [k, v] of entries) { parts.push(packr.pack(k)); parts.push(packr.pack(v)); }
  return new Uint8Array(Buffer.concat(parts));
}

test('Reader.keyIs matches ASCII and non-ASCII keys by their UTF-8 bytes; unknown keys are skipped with their values', () => {
  const keys = ['method', 'x', 'größe', '日本', '😀', '', 'pat', 'paths', 'méthod', 'grösse', '日', '😁', 'path', 'Method'];
  const values: unknown[] = [1, 'str', { nested: [1, 2, { deep: 'x' }] }, [true, null, 1.5], new Uint8Array([1, 2, 3]), -70000];
  const bytes = mapBytes(keys.map((k, i) => [k, values[i % values.length]]));
  const [inPlace, decoded] = readKeys(bytes);
  const expected = keys.map((k) => CANDIDATES.indexOf(k));
  assert.deepEqual(inPlace, [expected, null]);
  assert.deepEqual(decoded, inPlace);
});

test('Reader.keyIs: long keys (str8/str16 headers) and a key that is a prefix or extension of a candidate', () => {
  const long = 'k'.repeat(40), longer = 'é'.repeat(200);
  const bytes = mapBytes([[long, 1], ['methodx', 2], ['metho', 3], [longer, 4], ['größe', 5], ['größ', 6]]);
  const [inPlace, decoded] = readKeys(bytes);
  assert.deepEqual(inPlace, [[-1, -1, -1, -1, 2, -1], null]);
  assert.deepEqual(decoded, inPlace);
});

test('Reader.keyStart: truncated input and non-string keys give the same errors as str(), never a trap', () => {
  const bytes = mapBytes([['method', 'GET'], ['größe', [1, 2]], ['😀', { a: 1 }], ['zz', 'unknown']]);
  for (let cut = 0; cut < bytes.length; cut++) {
    const [inPlace, decoded] = readKeys(bytes.subarray(0, cut));
    assert.deepEqual(inPlace, decoded, `cut at ${cut}`);
    assert.ok(inPlace[1] !== null, `cut at ${cut}: an error is reported`);
  }
  // a truncated key specifically: "größe" header says 7 bytes, 3 present
  const [truncKey] = readKeys(new Uint8Array([0x81, 0xa7, 0x67, 0x72, 0xc3]));
  assert.equal(truncKey[1], 'unexpected end of input');
  // integer and nil keys
  for (const key of [5, null]) {
    const [inPlace, decoded] = readKeys(mapBytes([['method', 1], [key, 2]]));
    // a failed key compares like str()'s "" (candidate 5), as before
    assert.deepEqual(inPlace, [[0, 5], 'invalid type: expected a string']);
    assert.deepEqual(decoded, inPlace);
  }
});

test('host-call name cache: literals, equal strings built at run time and same-length different strings all reach the host as passed', () => {
  for (const suffix of ['', 'x', '', 'yz']) {
    const before = h.calls.length;
    const r = h.call('Host.Names', new TextEncoder().encode(suffix));
    assert.equal(r.rc, 1, r.error);
    const seen = h.calls.slice(before).map((c) => [c.binding, c.namespace, c.operation]);
    assert.deepEqual(seen, [
      ['default', 'wasmcloud:keyvalue', 'KeyValue.Get'],
      ['default' + suffix, 'wasmcloud:keyvalue', 'KeyValue.Get'],
      ['defaulx', 'wasmcloud:keyvaluf', 'KeyValue.Set'],
      ['default', 'wasmcloud:keyvalue', 'KeyValue.Get'],
      ['', 'wasmcloud:ké', 'Op.' + suffix],
    ], `suffix ${JSON.stringify(suffix)}`);
  }
  // names read from the payload: new string objects on every call, same and different contents
  const call = (b: string, ns: string, op: string) => {
    const before = h.calls.length;
    const r = h.call('Host.Call', packr.pack([b, ns, op, new Uint8Array(0)]));
    assert.equal(r.rc, 1, r.error);
    const c = h.calls[before]!;
    assert.deepEqual([c.binding, c.namespace, c.operation], [b, ns, op]);
  };
  call('aaaa', 'ns:one', 'A.B');
  call('aaaa', 'ns:one', 'A.B');
  call('aaab', 'ns:two', 'A.C');
  call('aaaa', 'ns:one', 'A.B');
  call('', '', '');
});

test('garbage-heavy calls (Mem.Churn, 50 KiB to 3 MiB of garbage each) leave memory flat: collected between calls', () => {
  const fresh = h;
  const small = new Uint8Array(16), big = new Uint8Array(64 * 1024);
  for (let i = 0; i < 200; i++) assert.equal(fresh.call('Mem.Churn', i % 50 === 0 ? big : small).rc, 1);
  const warm = fresh.memoryBytes;
  // the garbage of up to 8 calls (COLLECT_EVERY in guest.ts) plus one 3 MiB call may be alive at once
  assert.ok(warm <= 8 * 1024 * 1024, `memory ${warm} bytes after warm-up`);
  for (let i = 0; i < 2000; i++) {
    const r = fresh.call('Mem.Churn', i % 50 === 0 ? big : small);
    if (r.rc !== 1) assert.fail(`call ${i}: ${r.error}`);
  }
  // without collection: 2000 x >= 50 KiB = 100+ MiB
  assert.ok(fresh.memoryBytes <= warm + 4 * 65536, `memory grew from ${warm} to ${fresh.memoryBytes} bytes`);
});

test('Reader.str: ASCII strings (exact-size fast path), empty, and strings with non-ASCII anywhere read back unchanged', () => {
  const strings = ['', 'a', 'GET', '/some/path?x=1', '\x7f\x00\x01', 'x'.repeat(300), 'y'.repeat(70000), 'abcé', 'é', 'ascii then 😀', '日本語', `${'z'.repeat(40)}ß`];
  const r = h.call('Codec.Transcode', packr.pack(strings));
  assert.equal(r.rc, 1, r.error);
  assert.deepEqual(packr.unpack(r.response), strings);
});

test('handler cache: repeated operations keep their handler; re-registering during a call takes effect on the next one', () => {
  const me = () => { const r = h.call('Swap.Me', new Uint8Array(0)); assert.equal(r.rc, 1, r.error); return Buffer.from(r.response).toString(); };
  assert.equal(me(), 'a');
  assert.equal(me(), 'a');
  assert.equal(h.call('Swap.Flip', new Uint8Array(0)).rc, 1);
  assert.equal(me(), 'b');
  assert.equal(me(), 'b');
  assert.equal(h.call('Swap.Flip', new Uint8Array(0)).rc, 1);
  assert.equal(me(), 'a');
  assert.equal(h.call('Swap.Nope', new Uint8Array(0)).rc, 0);
  assert.equal(h.call('Swap.Nope', new Uint8Array(0)).rc, 0);
  assert.equal(me(), 'a');
  // same operation twice in a row (the cached case), re-registered by the first call
  const self = () => Buffer.from(h.call('Swap.Self', new Uint8Array(0)).response).toString();
  assert.equal(self(), 'a');
  assert.equal(self(), 'b');
  assert.equal(self(), 'b');
});

test('senders reading answers from the reused buffer: changing lengths, big answers, host errors and bad answers', () => {
  const big = Array.from({ length: 3000 }, (_, i) => `item-${i}-${'x'.repeat(i % 40)}`); // > 64 KiB
  const cases: [unknown, unknown, unknown[]][] = [
    [1, ['a'], [true, 1, true, ['a']]],
    [-300000, ['bb', 'ccc'], [true, -300000, true, ['bb', 'ccc']]],
    [5, big, [true, 5, true, big]],
    [7, [], [true, 7, true, []]],
    ['boom', ['z'], [false, 'Host send error boom', true, ['z']]],
    [2, 'not a list', [true, 2, false, 'deserialization: response to ListRange: invalid type: expected a sequence']],
    [2n ** 40n, ['q'], [false, 'deserialization: response to Increment: invalid value: integer out of range for i32', true, ['q']]],
    [3, ['after'], [true, 3, true, ['after']]],
  ];
  for (const [inc, range, want] of cases) {
    h.onHostCall = (c) => {
      const v = c.operation === 'KeyValue.Increment' ? inc : range;
      return v === 'boom' ? { error: 'boom' } : { ok: packr.pack(v) };
    };
    const r = h.call('Sender.Reuse', new Uint8Array(0));
    assert.equal(r.rc, 1, r.error);
    const got = packr.unpack(r.response) as unknown[];
    assert.equal(got[0], want[0]);
    assert.deepEqual(got.slice(2), want.slice(2));
    if (want[0]) assert.equal(got[1], want[1]);
    else assert.equal(got[1], want[1]);
  }
  h.onHostCall = () => ({ ok: new Uint8Array(0) });
});

test('Writer.str: short ASCII fast path and its edges (31/32 chars, non-ASCII first/last, 0x7f) give the reference bytes', () => {
  const strings = ['', 'k', 'x'.repeat(31), 'x'.repeat(32), `${'a'.repeat(30)}é`, `é${'a'.repeat(30)}`, '\x7f\x80', 'ü', '😀', `${'b'.repeat(29)}😀`];
  const r = h.call('Codec.Transcode', packr.pack(strings));
  assert.equal(r.rc, 1, r.error);
  assert.equal(Buffer.from(r.response).toString('hex'), Buffer.from(packr.pack(strings)).toString('hex'));
});
