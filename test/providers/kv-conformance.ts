// One conformance suite for the keyvalue provider, run against every backend by kv-*.test.ts.
// It drives the provider through `handle` with msgpack produced and read by an independent
// codec (@msgpack/msgpack), so it checks the wire forms of reference §2.4 as well as the
// semantics pinned in src/providers/keyvalue/README.md.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { encode, decode } from '@msgpack/msgpack';
import { createProvider } from '../../src/providers/registry.js';
import type { CapabilityProvider, ProviderHost } from '../../src/host/provider-contract.js';
import type { LinkDefinition } from '../../src/core/wire.js';
import { HostScope } from '../../src/core/scope.js';
import { handlesSync } from '../../src/host/provider-contract.js';
import { linkInvocation } from '../../src/core/wire.js';

export interface KvFixture {
  /** Link values selecting the backend under test. */
  values: Record<string, string>;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** A ProviderHost for one provider; pass the same `scope` to several to put them in one host. */
export function testHost(dataDir: string, logs: string[] = [], scope = new HostScope()): ProviderHost {
  return {
    dataDir,
    rpcTimeoutMs: 2000,
    scope,
    log: (level, text) => { logs.push(`${level} ${text}`); },
    hostId: 'NTESTHOST',
    invoke: async () => { throw new Error('keyvalue never calls actors'); },
  };
}

export function kvLink(actorId: string, values: Record<string, string>, providerId = 'VKV'): LinkDefinition {
  return { id: `link-${actorId}`, actor_id: actorId, provider_id: providerId, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values };
}

/** How the client reaches the provider: `handle` (worker-lane actors, other hosts) or, as the host
 *  does for actors on its own thread, `handleSync` first (reply released after its commit). */
export type KvPath = 'handle' | 'handleSync';

/** A client bound to one actor's link: `call` returns the decoded reply (undefined for an empty one). */
export function kvClient(provider: CapabilityProvider, link: LinkDefinition, path: KvPath = 'handle') {
  const raw = async (op: string, arg: unknown): Promise<Uint8Array> => {
    const inv = linkInvocation(link, `KeyValue.${op}`, encode(arg));
    if (path === 'handleSync' && handlesSync(provider)) {
      const commits: Promise<void>[] = [];
      const data = provider.handleSync(inv, (c) => commits.push(c));
      if (data !== undefined) {
        await Promise.all(commits);
        return data;
      }
    }
    return provider.handle(inv);
  };
  return {
    raw,
    async call(op: string, arg: unknown): Promise<unknown> {
      const out = await raw(op, arg);
      return out.length === 0 ? undefined : decode(out);
    },
    async fails(op: string, arg: unknown, pattern: RegExp): Promise<void> {
      await assert.rejects(raw(op, arg), (e: Error) => {
        assert.match(e.message, pattern);
        return true;
      });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let unique = 0;

export function kvConformance(label: string, setup: () => Promise<KvFixture>, path: KvPath = 'handle'): void {
  describe(`keyvalue conformance: ${label}${path === 'handleSync' ? ' (synchronous path)' : ''}`, () => {
    let fx: KvFixture;
    let provider: CapabilityProvider;
    let kv: ReturnType<typeof kvClient>;
    // Every test works on its own keys, so backends that keep data between runs do not interfere.
    const k = (name: string) => `conf${process.pid}-${++unique}-${name}`;

    before(async () => {
      fx = await setup();
      provider = createProvider('keyvalue');
      await provider.start(testHost(fx.dataDir));
      const link = kvLink('MCONFORMANCE', fx.values, provider.id);
      await provider.putLink(link);
      kv = kvClient(provider, link, path);
    });

    after(async () => {
      await provider?.shutdown();
      await fx?.cleanup();
    });

    it('Get of a missing key is {value:"", exists:false}; Set then Get returns the value; Set overwrites', async () => {
      const key = k('get');
      assert.deepEqual(await kv.call('Get', key), { value: '', exists: false });
      assert.equal(await kv.call('Set', { key, value: 'héllo', expires: 0 }), undefined);
      assert.deepEqual(await kv.call('Get', key), { value: 'héllo', exists: true });
      await kv.call('Set', { key, value: '', expires: 0 });
      assert.deepEqual(await kv.call('Get', key), { value: '', exists: true }, 'an empty string value still exists');
      const long = k('v'.repeat(1000)); // long keys work on every backend
      await kv.call('Set', { key: long, value: 'x'.repeat(100_000), expires: 0 });
      assert.equal(((await kv.call('Get', long)) as { value: string }).value.length, 100_000);
    });

    it('the empty string is a key like any other', async () => {
      await kv.call('Set', { key: '', value: 'empty key', expires: 0 });
      assert.deepEqual(await kv.call('Get', ''), { value: 'empty key', exists: true });
      assert.equal(await kv.call('Del', ''), true);
      assert.equal(await kv.call('Contains', ''), false);
    });

    it('replies with wasmCloud\'s exact bytes (Get map, empty Set reply, minimal ints)', async () => {
      const key = k('bytes');
      assert.equal((await kv.raw('Set', { key, value: '5', expires: 0 })).length, 0);
      assert.equal(Buffer.from(await kv.raw('Get', key)).toString('hex'), '82a576616c7565a135a6657869737473c3');
      assert.equal(Buffer.from(await kv.raw('Increment', { key, value: 295 })).toString('hex'), 'cd012c'); // 300
      assert.equal(Buffer.from(await kv.raw('Increment', { key, value: -400 })).toString('hex'), 'd09c'); // -100
      assert.equal(Buffer.from(await kv.raw('Contains', key)).toString('hex'), 'c3');
    });

    it('Del removes a key of any type and reports whether it existed; Contains sees every type', async () => {
      const s = k('s'); const l = k('l'); const z = k('z');
      await kv.call('Set', { key: s, value: 'v', expires: 0 });
      await kv.call('ListAdd', { listName: l, value: 'a' });
      await kv.call('SetAdd', { setName: z, value: 'a' });
      for (const key of [s, l, z]) assert.equal(await kv.call('Contains', key), true, key);
      for (const key of [s, l, z]) assert.equal(await kv.call('Del', key), true, key);
      for (const key of [s, l, z]) {
        assert.equal(await kv.call('Contains', key), false, key);
        assert.equal(await kv.call('Del', key), false, key);
      }
    });

    it('Increment: a missing key counts as 0, negative deltas work, the value reads back as a decimal string', async () => {
      const key = k('inc');
      assert.equal(await kv.call('Increment', { key, value: 5 }), 5);
      assert.equal(await kv.call('Increment', { key, value: -8 }), -3);
      assert.deepEqual(await kv.call('Get', key), { value: '-3', exists: true });
      await kv.call('Set', { key, value: '40', expires: 0 });
      assert.equal(await kv.call('Increment', { key, value: 2 }), 42);
    });

    it('Increment refuses non-integer values and leaves them unchanged', async () => {
      for (const bad of ['abc', '1.5', '01', '+1', ' 1', '-0', '', '99999999999']) {
        const key = k('notint');
        await kv.call('Set', { key, value: bad, expires: 0 });
        await kv.fails('Increment', { key, value: 1 }, /^NOTINT: key ".*" holds/);
        assert.deepEqual(await kv.call('Get', key), { value: bad, exists: true });
      }
    });

    it('Increment past the i32 range fails with OVERFLOW and leaves the value unchanged', async () => {
      const hi = k('hi');
      await kv.call('Set', { key: hi, value: '2147483646', expires: 0 });
      assert.equal(await kv.call('Increment', { key: hi, value: 1 }), 2147483647);
      await kv.fails('Increment', { key: hi, value: 1 }, /^OVERFLOW: .*2147483647/);
      assert.deepEqual(await kv.call('Get', hi), { value: '2147483647', exists: true });
      const lo = k('lo');
      assert.equal(await kv.call('Increment', { key: lo, value: -2147483648 }), -2147483648);
      await kv.fails('Increment', { key: lo, value: -1 }, /^OVERFLOW/);
      assert.deepEqual(await kv.call('Get', lo), { value: '-2147483648', exists: true });
    });

    it('Increment rejects a delta that is not an i32 on the wire', async () => {
      await kv.fails('Increment', { key: k('d'), value: 2147483648 }, /IncrementRequest\.value: .*out of range/);
      await kv.fails('Increment', { key: k('d'), value: 4.5 }, /IncrementRequest\.value: expected an integer/);
      await kv.fails('Increment', { key: k('d') }, /missing field "value"/);
    });

    it(`${200} concurrent Increments of 1 end at exactly 200, each seeing a distinct value`, async () => {
      const key = k('concurrent');
      const n = 200;
      const results = await Promise.all(Array.from({ length: n }, () => kv.call('Increment', { key, value: 1 })));
      assert.deepEqual(await kv.call('Get', key), { value: String(n), exists: true });
      assert.deepEqual([...(results as number[])].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i + 1));
    });

    it('ListAdd appends and returns the length; ListRange is inclusive with negative indexes like Redis', async () => {
      const l = k('list');
      for (const [i, v] of ['a', 'b', 'c', 'd', 'e'].entries()) assert.equal(await kv.call('ListAdd', { listName: l, value: v }), i + 1);
      const range = (start: number, stop: number) => kv.call('ListRange', { listName: l, start, stop });
      assert.deepEqual(await range(0, -1), ['a', 'b', 'c', 'd', 'e']);
      assert.deepEqual(await range(1, 2), ['b', 'c']);
      assert.deepEqual(await range(-2, -1), ['d', 'e']);
      assert.deepEqual(await range(-100, 1), ['a', 'b']);
      assert.deepEqual(await range(3, 100), ['d', 'e']);
      assert.deepEqual(await range(3, 1), []);
      assert.deepEqual(await range(5, 10), []);
      assert.deepEqual(await range(0, 0), ['a']);
      assert.deepEqual(await kv.call('ListRange', { listName: k('nolist'), start: 0, stop: -1 }), []);
    });

    it('ListDel removes only the first occurrence; an emptied list no longer exists; ListClear deletes', async () => {
      const l = k('ldel');
      for (const v of ['x', 'y', 'x', 'x']) await kv.call('ListAdd', { listName: l, value: v });
      assert.equal(await kv.call('ListDel', { listName: l, value: 'x' }), true);
      assert.deepEqual(await kv.call('ListRange', { listName: l, start: 0, stop: -1 }), ['y', 'x', 'x']);
      assert.equal(await kv.call('ListDel', { listName: l, value: 'zzz' }), false);
      assert.equal(await kv.call('ListDel', { listName: k('none'), value: 'x' }), false);
      assert.equal(await kv.call('ListClear', l), true);
      assert.equal(await kv.call('ListClear', l), false);
      assert.equal(await kv.call('Contains', l), false);
      const one = k('one');
      await kv.call('ListAdd', { listName: one, value: 'only' });
      assert.equal(await kv.call('ListDel', { listName: one, value: 'only' }), true);
      assert.equal(await kv.call('Contains', one), false);
    });

    it('SetAdd/SetDel report 1 or 0; SetQuery is sorted by code point; an emptied set no longer exists', async () => {
      const z = k('set');
      for (const v of ['b', '😀', 'a', 'é', '\uffff', 'B']) assert.equal(await kv.call('SetAdd', { setName: z, value: v }), 1);
      assert.equal(await kv.call('SetAdd', { setName: z, value: 'a' }), 0);
      assert.deepEqual(await kv.call('SetQuery', z), ['B', 'a', 'b', 'é', '\uffff', '😀']);
      assert.equal(await kv.call('SetDel', { setName: z, value: 'a' }), 1);
      assert.equal(await kv.call('SetDel', { setName: z, value: 'a' }), 0);
      assert.equal(await kv.call('SetDel', { setName: k('noset'), value: 'a' }), 0);
      assert.deepEqual(await kv.call('SetQuery', k('noset')), []);
      const one = k('single');
      await kv.call('SetAdd', { setName: one, value: 'v' });
      assert.equal(await kv.call('SetDel', { setName: one, value: 'v' }), 1);
      assert.equal(await kv.call('Contains', one), false);
    });

    it('SetUnion and SetIntersection are sorted; missing sets count as empty; no names gives []', async () => {
      const a = k('A'); const b = k('B'); const missing = k('missing');
      for (const v of ['3', '1', '2']) await kv.call('SetAdd', { setName: a, value: v });
      for (const v of ['4', '2', '3']) await kv.call('SetAdd', { setName: b, value: v });
      assert.deepEqual(await kv.call('SetUnion', [a, b]), ['1', '2', '3', '4']);
      assert.deepEqual(await kv.call('SetIntersection', [a, b]), ['2', '3']);
      assert.deepEqual(await kv.call('SetUnion', [a, missing]), ['1', '2', '3']);
      assert.deepEqual(await kv.call('SetIntersection', [a, missing]), []);
      assert.deepEqual(await kv.call('SetIntersection', [a]), ['1', '2', '3']);
      assert.deepEqual(await kv.call('SetUnion', []), []);
      assert.deepEqual(await kv.call('SetIntersection', []), []);
      assert.equal(await kv.call('SetClear', a), true);
      assert.equal(await kv.call('SetClear', a), false);
      assert.deepEqual(await kv.call('SetQuery', a), []);
    });

    it('typed operations refuse keys of another type with WRONGTYPE and change nothing; Set replaces any type', async () => {
      const s = k('str'); const l = k('lst'); const z = k('st');
      await kv.call('Set', { key: s, value: 'v', expires: 0 });
      await kv.call('ListAdd', { listName: l, value: 'a' });
      await kv.call('SetAdd', { setName: z, value: 'a' });
      await kv.fails('Get', l, /^WRONGTYPE: key ".*" holds a list, but KeyValue\.Get works on string values/);
      await kv.fails('Get', z, /^WRONGTYPE: .* holds a set/);
      await kv.fails('Increment', { key: l, value: 1 }, /^WRONGTYPE/);
      await kv.fails('ListAdd', { listName: s, value: 'x' }, /^WRONGTYPE: key ".*" holds a string, but KeyValue\.ListAdd works on lists/);
      await kv.fails('ListAdd', { listName: z, value: 'x' }, /^WRONGTYPE: .* holds a set/);
      await kv.fails('ListRange', { listName: s, start: 0, stop: -1 }, /^WRONGTYPE/);
      await kv.fails('ListDel', { listName: z, value: 'a' }, /^WRONGTYPE/);
      await kv.fails('ListClear', s, /^WRONGTYPE/);
      await kv.fails('ListClear', z, /^WRONGTYPE/);
      await kv.fails('SetAdd', { setName: l, value: 'x' }, /^WRONGTYPE: .* holds a list, but KeyValue\.SetAdd works on sets/);
      await kv.fails('SetDel', { setName: s, value: 'x' }, /^WRONGTYPE/);
      await kv.fails('SetQuery', l, /^WRONGTYPE/);
      await kv.fails('SetClear', l, /^WRONGTYPE/);
      await kv.fails('SetUnion', [z, l], /^WRONGTYPE: key ".*lst" holds a list/);
      await kv.fails('SetIntersection', [s, z], /^WRONGTYPE: key ".*str" holds a string/);
      // nothing changed
      assert.deepEqual(await kv.call('Get', s), { value: 'v', exists: true });
      assert.deepEqual(await kv.call('ListRange', { listName: l, start: 0, stop: -1 }), ['a']);
      assert.deepEqual(await kv.call('SetQuery', z), ['a']);
      // Set replaces a list or a set
      await kv.call('Set', { key: l, value: 'now a string', expires: 0 });
      assert.deepEqual(await kv.call('Get', l), { value: 'now a string', exists: true });
      await kv.call('Set', { key: z, value: '7', expires: 0 });
      assert.equal(await kv.call('Increment', { key: z, value: 1 }), 8);
    });

    it('expiry: an expired key is gone for every operation; Set without expiry clears it; Increment keeps it', async () => {
      const gone = k('ttl'); const kept = k('ttl-cleared'); const counter = k('ttl-counter');
      await kv.call('Set', { key: gone, value: 'v', expires: 1 });
      await kv.call('Set', { key: kept, value: 'v', expires: 1 });
      await kv.call('Set', { key: kept, value: 'w', expires: 0 });
      await kv.call('Set', { key: counter, value: '5', expires: 1 });
      assert.equal(await kv.call('Increment', { key: counter, value: 1 }), 6);
      assert.deepEqual(await kv.call('Get', gone), { value: 'v', exists: true });
      await sleep(1600);
      assert.deepEqual(await kv.call('Get', gone), { value: '', exists: false });
      assert.equal(await kv.call('Contains', gone), false);
      assert.equal(await kv.call('Del', gone), false);
      assert.deepEqual(await kv.call('Get', kept), { value: 'w', exists: true });
      assert.equal(await kv.call('Contains', counter), false, 'Increment kept the 1 s expiry');
      assert.equal(await kv.call('Increment', { key: counter, value: 1 }), 1, 'an expired counter starts again from 0');
      assert.equal(await kv.call('ListAdd', { listName: gone, value: 'x' }), 1, 'an expired string does not block a list');
    });

    it('rejects malformed payloads and unknown operations with errors that name them', async () => {
      const ctx = { link: kvLink('MCONFORMANCE', fx.values, provider.id) };
      await assert.rejects(provider.handle(linkInvocation(ctx.link, 'KeyValue.Get', new Uint8Array([0xa5, 0x61, 0x62]))), /KeyValue\.Get key: payload is not valid msgpack/);
      await assert.rejects(provider.handle(linkInvocation(ctx.link, 'KeyValue.Get', new Uint8Array())), /empty payload/);
      await assert.rejects(provider.handle(linkInvocation(ctx.link, 'KeyValue.Set', encode('just a string'))), /SetRequest: expected a msgpack map, got string/);
      await assert.rejects(provider.handle(linkInvocation(ctx.link, 'KeyValue.ListRange', encode({ listName: 'x', start: 0 }))), /missing field "stop"/);
      await assert.rejects(provider.handle(linkInvocation(ctx.link, 'KeyValue.SetUnion', encode('x'))), /expected an array of strings/);
      await assert.rejects(provider.handle(linkInvocation(ctx.link, 'KeyValue.Nope', encode('x'))), /no operation "KeyValue\.Nope"/);
      for (const op of ['constructor', 'toString', '__proto__']) {
        await assert.rejects(provider.handle(linkInvocation(ctx.link, op, encode('x'))), /no operation/, op);
      }
      // still serving
      assert.deepEqual(await kv.call('Get', k('after-errors')), { value: '', exists: false });
    });

    it('accepts blobs as bin and integers in any width, as different actor toolchains send them', async () => {
      const ctx = { link: kvLink('MCONFORMANCE', fx.values, provider.id) };
      const key = k('wide');
      // {key: <bin>, value: i64 3}
      const payload = Buffer.concat([Buffer.from('82a36b6579c4', 'hex'), Buffer.from([key.length]), Buffer.from(key), Buffer.from('a576616c7565d30000000000000003', 'hex')]);
      assert.deepEqual(decode(await provider.handle(linkInvocation(ctx.link, 'KeyValue.Increment', payload))), 3);
    });

    it('buckets: same bucket shares keys across actors, different buckets are isolated', async () => {
      const shared1 = kvLink('MBUCKET1', { ...fx.values, bucket: `b1-${process.pid}` }, provider.id);
      const shared2 = kvLink('MBUCKET2', { ...fx.values, BUCKET: `b1-${process.pid}` }, provider.id);
      const other = kvLink('MBUCKET3', { ...fx.values, bucket: `b2-${process.pid}` }, provider.id);
      for (const l of [shared1, shared2, other]) await provider.putLink(l);
      const [c1, c2, c3] = [kvClient(provider, shared1, path), kvClient(provider, shared2, path), kvClient(provider, other, path)];
      const key = k('bucketed');
      await c1.call('Set', { key, value: 'one', expires: 0 });
      assert.deepEqual(await c2.call('Get', key), { value: 'one', exists: true });
      assert.deepEqual(await c3.call('Get', key), { value: '', exists: false });
      assert.deepEqual(await kv.call('Get', key), { value: '', exists: false }, 'the default bucket is separate too');
      for (const l of [shared1, shared2, other]) await provider.deleteLink(l);
    });

    it('buckets cannot be reached from another bucket by spelling their keys (separators, prefixes, the default bucket)', async () => {
      const b = `tenant${process.pid}`;
      const tenant = kvLink('MTENANT', { ...fx.values, bucket: b }, provider.id);
      const colon = kvLink('MCOLON', { ...fx.values, bucket: `${b}:x` }, provider.id);
      for (const l of [tenant, colon]) await provider.putLink(l);
      const [t, c] = [kvClient(provider, tenant, path), kvClient(provider, colon, path)];
      const key = k('owned');
      // How a bucket's key could be spelled by someone outside it, on any backend's storage layout.
      const spellings = [`${b}:${key}`, `kv:${Buffer.byteLength(b)}:${b}:${key}`, `${b}\u0000${key}`, `${b}/${key}`];
      await t.call('Set', { key, value: 'tenant data', expires: 0 });
      for (const s of spellings) {
        assert.deepEqual(await kv.call('Get', s), { value: '', exists: false }, `the default bucket reads ${JSON.stringify(s)}`);
        await kv.call('Set', { key: s, value: 'pwned', expires: 0 }); // the default bucket writes its own key
      }
      assert.deepEqual(await t.call('Get', key), { value: 'tenant data', exists: true }, 'the tenant\'s value is untouched');
      // bucket "<b>:x" + key "<key>" and bucket "<b>" + key "x:<key>" are different keys
      await c.call('Set', { key, value: 'in <b>:x', expires: 0 });
      assert.deepEqual(await t.call('Get', `x:${key}`), { value: '', exists: false });
      await t.call('Set', { key: `x:${key}`, value: 'in <b>', expires: 0 });
      assert.deepEqual(await c.call('Get', key), { value: 'in <b>:x', exists: true });
      for (const s of spellings) assert.deepEqual(await kv.call('Get', s), { value: 'pwned', exists: true }, 'the default bucket keeps its own keys');
      for (const l of [tenant, colon]) await provider.deleteLink(l);
    });

    it('after deleteLink the actor gets MISSING_LINK, and a new put works again', async () => {
      const link = kvLink('MDELETED', fx.values, provider.id);
      await provider.putLink(link);
      const c = kvClient(provider, link, path);
      await c.call('Set', { key: k('x'), value: '1', expires: 0 });
      await provider.deleteLink(link);
      await c.fails('Get', k('x'), /has no wasmcloud:keyvalue link/);
      await provider.deleteLink(link); // unknown link: no throw
      await provider.putLink(link);
      assert.deepEqual(await c.call('Get', k('y')), { value: '', exists: false });
      await provider.deleteLink(link);
    });

    it('reports healthy', async () => {
      const h = await provider.health();
      assert.equal(h.healthy, true, h.message);
    });
  });
}
