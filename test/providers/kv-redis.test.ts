// The keyvalue conformance suite against a real redis-server this test starts on a free port,
// plus Redis-specific behaviour: put-time URL/reachability errors, bucket key prefixes, and
// Redis going away and coming back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { kvConformance, kvClient, kvLink, testHost } from './kv-conformance.js';
import { createProvider } from '../../src/providers/registry.js';
import { isStratusError } from '../../src/host/errors.js';
import { startRedis, freePort, type RunningServer } from '../support/servers.js';

kvConformance('redis backend', async () => {
  const redis = await startRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-redis-'));
  return {
    values: { URL: redis.url },
    dataDir,
    cleanup: async () => { await redis.dispose(); rmSync(dataDir, { recursive: true, force: true }); },
  };
});

describe('keyvalue redis: link put and availability', () => {
  let redis: RunningServer;
  let dataDir: string;
  before(async () => {
    redis = await startRedis();
    dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-redis2-'));
  });
  after(async () => {
    await redis?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('rejects a bad URL at put time with a LinkError saying how to fix it', async () => {
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir));
    await assert.rejects(p.putLink(kvLink('MBAD', { url: 'http://127.0.0.1:6379' })), (e: Error) => {
      assert.ok(isStratusError(e, 'LINK_INVALID'));
      assert.match(e.message, /scheme "http", expected redis or rediss/);
      assert.match(e.message, /hint: use redis:\/\/HOST:PORT/);
      return true;
    });
    await assert.rejects(p.putLink(kvLink('MBAD', { URL: 'not a url' })), /is not a URL/);
    await assert.rejects(p.putLink(kvLink('MBAD', { backend: 'memory', URL: redis.url })), /URL is set but backend=memory/);
    await assert.rejects(p.putLink(kvLink('MBAD', { backend: 'cassandra' })), /backend="cassandra" is not a known backend/);
    await p.shutdown();
  });

  it('rejects an unreachable Redis at put time, naming the URL', async () => {
    const port = await freePort(); // nothing listens here
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir));
    await assert.rejects(p.putLink(kvLink('MUNREACH', { URL: `redis://127.0.0.1:${port}` })), (e: Error) => {
      assert.ok(isStratusError(e, 'LINK_INVALID'));
      assert.match(e.message, new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
      assert.match(e.message, /ECONNREFUSED/);
      return true;
    });
    // the provider still works for a good link
    const link = kvLink('MGOOD', { URL: redis.url });
    await p.putLink(link);
    assert.equal(await kvClient(p, link).call('Increment', { key: 'after-bad-put', value: 1 }), 1);
    await p.shutdown();
  });

  it('hides the password in messages', async () => {
    const port = await freePort();
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir));
    await assert.rejects(p.putLink(kvLink('MPW', { URL: `redis://:s3cret@127.0.0.1:${port}` })), (e: Error) => {
      assert.doesNotMatch(e.message, /s3cret/);
      assert.match(e.message, /\*\*\*/);
      return true;
    });
    await p.shutdown();
  });

  it('stores plain keys without a bucket and <bucket>:key with one (checked with a separate client)', async () => {
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir));
    const plain = kvLink('MPLAIN', { URL: redis.url });
    const scoped = kvLink('MSCOPED', { url: redis.url, bucket: 'orders' });
    await p.putLink(plain);
    await p.putLink(scoped);
    await kvClient(p, plain).call('Set', { key: 'k1', value: 'plain', expires: 0 });
    await kvClient(p, scoped).call('Set', { key: 'k1', value: 'scoped', expires: 0 });
    const raw = new Redis(redis.url);
    try {
      assert.equal(await raw.get('k1'), 'plain');
      assert.equal(await raw.get('orders:k1'), 'scoped');
      await raw.set('existing', '41');
      assert.equal(await kvClient(p, plain).call('Increment', { key: 'existing', value: 1 }), 42, 'existing Redis data is visible unchanged');
    } finally {
      raw.disconnect();
      await p.shutdown();
    }
  });

  it('commands issued in one event-loop turn reach Redis in one write, and each gets its own answer', async () => {
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir));
    const link = kvLink('MBATCH', { URL: redis.url });
    await p.putLink(link);
    const port = Number(new URL(redis.url).port);
    const writes: number[] = []; // chunks per write syscall towards this Redis
    const proto = Socket.prototype as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
    const orig = { _write: proto._write, _writev: proto._writev };
    proto._write = function (this: Socket, ...a: unknown[]) { if (this.remotePort === port) writes.push(1); return orig._write.apply(this, a); };
    proto._writev = function (this: Socket, ...a: unknown[]) { if (this.remotePort === port) writes.push((a[0] as unknown[]).length); return orig._writev.apply(this, a); };
    try {
      const kv = kvClient(p, link);
      const results = await Promise.all(Array.from({ length: 25 }, (_, i) => kv.call('Increment', { key: `batch-${i % 5}`, value: i + 1 })));
      assert.deepEqual(writes, [25], 'one write carrying all 25 commands');
      // each caller got its own reply: running totals per key in issue order
      const totals = new Map<number, number>();
      assert.deepEqual(results, Array.from({ length: 25 }, (_, i) => { const t = (totals.get(i % 5) ?? 0) + i + 1; totals.set(i % 5, t); return t; }));
      writes.length = 0;
      assert.equal(await kv.call('Increment', { key: 'batch-0', value: 1 }), 56);
      assert.deepEqual(writes, [1], 'a lone command is not held back');
    } finally {
      Object.assign(proto, orig);
      await p.shutdown();
    }
  });

  it('when Redis stops, operations fail promptly with a clear error; when it is back they work again', async () => {
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir));
    const link = kvLink('MRESTART', { URL: redis.url });
    await p.putLink(link);
    const c = kvClient(p, link);
    assert.equal(await c.call('Increment', { key: 'restart-counter', value: 1 }), 1);

    await redis.stop();
    // No queueing: the call settles (it does not hang) with an error naming Redis.
    await assert.rejects(c.call('Increment', { key: 'restart-counter', value: 1 }), (e: Error) => {
      assert.match(e.message, new RegExp(`Redis redis://127\\.0\\.0\\.1:${redis.port}/? is unavailable`));
      assert.match(e.message, /KeyValue\.Increment was not performed/);
      return true;
    });
    const h = await p.health();
    assert.equal(h.healthy, false);
    assert.match(h.message ?? '', /redis/);

    await redis.restart(); // same port; persistence is off, so data starts empty
    let result: unknown;
    for (let i = 0; i < 100 && result === undefined; i++) {
      try { result = await c.call('Increment', { key: 'restart-counter', value: 5 }); } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    assert.equal(result, 5, 'operations succeed again after Redis came back');
    assert.equal((await p.health()).healthy, true);
    await p.shutdown();
  });

  it('a hung Redis makes operations time out instead of waiting forever; they work again once it answers', async () => {
    const p = createProvider('keyvalue');
    await p.start({ ...testHost(dataDir), rpcTimeoutMs: 400 }); // commands time out after 200 ms
    const link = kvLink('MHUNG', { URL: redis.url });
    await p.putLink(link);
    const c = kvClient(p, link);
    await c.call('Set', { key: 'hung', value: '1', expires: 0 });
    redis.pause();
    try {
      await assert.rejects(c.call('Get', 'hung'), (e: Error) => {
        assert.ok(isStratusError(e, 'TIMEOUT'), `expected TIMEOUT, got ${e.message}`);
        assert.match(e.message, /did not answer KeyValue\.Get within 200 ms/);
        return true;
      });
    } finally {
      redis.resume();
    }
    let got: unknown;
    for (let i = 0; i < 50 && got === undefined; i++) {
      try { got = await c.call('Get', 'hung'); } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    assert.deepEqual(got, { value: '1', exists: true });
    await p.shutdown();
  });
});
