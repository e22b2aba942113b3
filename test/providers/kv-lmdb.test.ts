import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kvConformance, kvClient, kvLink, testHost } from './kv-conformance.js';
import { createProvider } from '../../src/providers/registry.js';
import { open } from 'lmdb';
import { HostScope } from '../../src/core/scope.js';

const lmdbFixture = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-lmdb-'));
  // no backend value: lmdb is the default
  return { values: {}, dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
};
// both paths: handle() (worker lane, async) and handleSync() (actors on the host thread)
kvConformance('lmdb backend (default)', lmdbFixture);
kvConformance('lmdb backend (default)', lmdbFixture, 'handleSync');

describe('keyvalue lmdb durability', () => {
  it('a counter survives closing the store and opening it again (new provider, same data dir)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-durable-'));
    try {
      const link = kvLink('MDURABLE', { backend: 'lmdb' });
      const first = createProvider('keyvalue');
      await first.start(testHost(dataDir));
      await first.putLink(link);
      const c1 = kvClient(first, link);
      for (let i = 0; i < 5; i++) await c1.call('Increment', { key: 'counter', value: 2 });
      await c1.call('ListAdd', { listName: 'log', value: 'started' });
      await first.shutdown();
      assert.ok(existsSync(join(dataDir, 'keyvalue', 'keyvalue.mdb')), 'data lives under <dataDir>/keyvalue');
      await assert.rejects(c1.call('Get', 'counter'), /no wasmcloud:keyvalue link/, 'a shut-down provider serves nothing');

      const second = createProvider('keyvalue');
      await second.start(testHost(dataDir));
      await second.putLink(link);
      const c2 = kvClient(second, link);
      assert.deepEqual(await c2.call('Get', 'counter'), { value: '10', exists: true });
      assert.equal(await c2.call('Increment', { key: 'counter', value: 1 }), 11);
      assert.deepEqual(await c2.call('ListRange', { listName: 'log', start: 0, stop: -1 }), ['started']);
      await second.shutdown();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('two provider instances of one host share the open store', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-shared-'));
    const scope = new HostScope(); // one host
    try {
      const a = createProvider('keyvalue', { linkName: 'default' });
      const b = createProvider('keyvalue', { linkName: 'other' });
      await a.start(testHost(dataDir, [], scope));
      await b.start(testHost(dataDir, [], scope));
      const la = kvLink('MA', {});
      const lb = { ...kvLink('MB', {}), link_name: 'other' };
      await a.putLink(la);
      await b.putLink(lb);
      await kvClient(a, la).call('Increment', { key: 'shared', value: 1 });
      assert.equal(await kvClient(b, lb).call('Increment', { key: 'shared', value: 1 }), 2);
      await a.shutdown();
      // b still works after a closed its handle
      assert.equal(await kvClient(b, lb).call('Increment', { key: 'shared', value: 1 }), 3);
      await b.shutdown();
      await scope.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('drops entries that expired while the store was closed when it opens again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-sweep-'));
    try {
      const link = kvLink('MSWEEP', {});
      const p1 = createProvider('keyvalue');
      await p1.start(testHost(dataDir));
      await p1.putLink(link);
      await kvClient(p1, link).call('Set', { key: 'stale', value: 'v', expires: 1 });
      await kvClient(p1, link).call('Set', { key: 'fresh', value: 'v', expires: 0 });
      await p1.shutdown();
      // move the stored expiry into the past, as if the host had been down for a while
      const file = join(dataDir, 'keyvalue', 'keyvalue.mdb');
      let raw = open<{ t: string; v: string; x?: number }, [string, string]>({ path: file, compression: false });
      const stale = raw.get(['', 'stale'])!;
      await raw.put(['', 'stale'], { ...stale, x: Date.now() - 1000 });
      await raw.close();

      const p2 = createProvider('keyvalue');
      await p2.start(testHost(dataDir));
      await p2.putLink(link); // opens the store and sweeps in the background
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await kvClient(p2, link).call('Get', 'stale'), { value: '', exists: false });
      await p2.shutdown();
      raw = open({ path: file, compression: false });
      assert.equal(raw.get(['', 'stale']), undefined, 'the expired entry was removed from the file');
      assert.equal(raw.get(['', 'fresh'])?.v, 'v');
      await raw.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('keyvalue lmdb: writes of one event-loop turn share one commit', () => {
  it('a failing write in the same turn as others leaves them applied and fails alone', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-batch-'));
    const p = createProvider('keyvalue');
    try {
      await p.start(testHost(dataDir));
      const link = kvLink('MBATCH', {});
      await p.putLink(link);
      const kv = kvClient(p, link);
      await kv.call('ListAdd', { listName: 'alist', value: 'x' });
      // all issued before any commits: they land in one transaction
      const results = await Promise.allSettled([
        kv.call('Increment', { key: 'n', value: 1 }),
        kv.call('Increment', { key: 'alist', value: 1 }), // WRONGTYPE
        kv.call('Set', { key: 's', value: 'kept', expires: 0 }),
        kv.call('Increment', { key: 'n', value: 1 }),
      ]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      assert.match(String((results[1] as PromiseRejectedResult).reason?.message), /^WRONGTYPE/);
      assert.equal((results[3] as PromiseFulfilledResult<unknown>).value, 2, 'the second increment saw the first');
      assert.deepEqual(await kv.call('Get', 's'), { value: 'kept', exists: true });
      assert.deepEqual(await kv.call('ListRange', { listName: 'alist', start: 0, stop: -1 }), ['x'], 'the failed op changed nothing');
    } finally {
      await p.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a read issued after an un-awaited write sees it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-raw-'));
    const p = createProvider('keyvalue');
    try {
      await p.start(testHost(dataDir));
      const link = kvLink('MRAW', {});
      await p.putLink(link);
      const kv = kvClient(p, link);
      const write = kv.call('Set', { key: 'k', value: 'v1', expires: 0 });
      const read = kv.call('Get', 'k');
      assert.deepEqual(await read, { value: 'v1', exists: true });
      await write;
    } finally {
      await p.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('writes accepted just before shutdown are committed and answered', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-close-'));
    try {
      const link = kvLink('MCLOSE', {});
      const p1 = createProvider('keyvalue');
      await p1.start(testHost(dataDir));
      await p1.putLink(link);
      const pending = kvClient(p1, link).call('Increment', { key: 'late', value: 7 });
      await p1.shutdown();
      assert.equal(await pending, 7);
      const p2 = createProvider('keyvalue');
      await p2.start(testHost(dataDir));
      await p2.putLink(link);
      assert.deepEqual(await kvClient(p2, link).call('Get', 'late'), { value: '7', exists: true });
      await p2.shutdown();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
