// The generated typed path of the provider SDK, in process: `<svc>Operations(impl)` (the table
// defineProvider takes) and `<svc>Sender(send)` over each other, with the real KeyValue codecs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '../../src/codec/msgpack.js';
import { KeyValueCodec, keyValueOperations, keyValueSender, type KeyValueOperations } from '../../src/codec/interfaces/keyvalue.js';

interface Ctx { payload: Uint8Array; actor: string }

function store(): KeyValueOperations<Ctx> & { data: Map<string, string> } {
  const data = new Map<string, string>();
  const nope = () => { throw new Error('not in this test'); };
  return {
    data,
    get: (_c, key) => ({ value: data.get(key) ?? '', exists: data.has(key) }),
    set: (c, r) => { data.set(r.key, `${r.value} (by ${c.actor}, expires ${r.expires})`); },
    del: (_c, key) => data.delete(key),
    increment: nope, contains: (_c, key) => data.has(key), listAdd: nope, listClear: nope, listDel: nope, listRange: nope,
    setAdd: nope, setDel: nope, setIntersection: nope, setQuery: nope, setUnion: nope, setClear: nope,
  };
}

test('keyValueOperations decodes inputs and encodes outputs with the generated codecs; keyValueSender drives it', async () => {
  const impl = store();
  const ops = keyValueOperations(impl);
  assert.deepEqual(Object.keys(ops).sort(), Object.values(KeyValueCodec).map((c) => c.operation).sort());
  const kv = keyValueSender((operation, payload) => {
    const fn = ops[operation];
    assert.ok(fn, operation);
    return fn({ payload, actor: 'Mcaller' });
  });
  await kv.set({ key: 'k', value: 'v', expires: 0 });
  assert.equal(impl.data.get('k'), 'v (by Mcaller, expires 0)');
  assert.deepEqual(await kv.get('k'), { value: 'v (by Mcaller, expires 0)', exists: true });
  assert.equal(await kv.contains('nope'), false);
  assert.equal(await kv.del('k'), true);
  // bytes on the wire are the codec's: a void answer is empty, Get's is GetResponse's map
  assert.equal((await ops['KeyValue.Set']({ payload: KeyValueCodec.Set.encodeInput({ key: 'a', value: 'b', expires: 3 }), actor: 'M' })).length, 0);
  assert.deepEqual(KeyValueCodec.Get.decodeOutput(await ops['KeyValue.Get']({ payload: encode('a'), actor: 'M' })), { value: 'b (by M, expires 3)', exists: true });
  // @default: a SetRequest without `expires` (Rust's serde default) decodes as 0
  await ops['KeyValue.Set']({ payload: encode({ key: 'c', value: 'd' }), actor: 'M' });
  assert.equal(impl.data.get('c'), 'd (by M, expires 0)');
});

test('a payload of the wrong type is refused before the handler runs, with the path of what was wrong', async () => {
  const impl = store();
  const ops = keyValueOperations(impl);
  await assert.rejects(ops['KeyValue.Set']({ payload: encode({ key: 1, value: 'v' }), actor: 'M' }), /SetRequest\.key: expected a string, got/);
  await assert.rejects(ops['KeyValue.Get']({ payload: encode(42), actor: 'M' }), /KeyValue\.Get input: expected a string, got/);
  await assert.rejects(ops['KeyValue.Set']({ payload: encode({ key: 'k', value: 'v', expires: -1 }), actor: 'M' }), /SetRequest\.expires: -1 is out of range/);
  assert.equal(impl.data.size, 0);
});
