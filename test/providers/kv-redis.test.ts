// tier: full — starts redis-server
// The keyvalue conformance suite against a real redis-server this test starts on a free port,
// plus Redis-specific behaviour: put-time URL errors, links to a Redis that is not up yet, bucket
// key prefixes, Redis going away and coming back, and connections dropping mid-command (through a
// proxy that can lose replies).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { kvConformance, kvClient, kvLink, testHost } from './kv-conformance.js';
import { createProvider } from '../../src/providers/registry.js';
import { isStratusError } from '../../src/core/errors.js';
import { startRedis, type RunningServer } from '../support/servers.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retry `fn` until it resolves (Redis reconnecting), for up to ~10 s. */
async function eventually<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try { return await fn(); } catch (e) { if (i >= 100) throw e; await sleep(100); }
  }
}

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

  it('a link to a Redis that is not up is kept: calls fail saying so, health says why, and it heals once Redis starts', async () => {
    const later = await startRedis();
    await later.stop(); // nothing listens on its port until restart()
    const logs: string[] = [];
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir, logs));
    const link = kvLink('MLATER', { URL: later.url });
    try {
      await p.putLink(link); // reachability is not a reason to refuse the link
      assert.ok(logs.some((l) => /^warn keyvalue: Redis redis:\/\/127\.0\.0\.1:\d+\/? is not answering \(.*ECONNREFUSED.*\); the link is kept and its calls fail until Redis answers/.test(l)),
        `expected a warning, got:\n${logs.join('\n')}`);
      const h = await p.health();
      assert.equal(h.healthy, false);
      assert.match(h.message ?? '', new RegExp(`actor MLATER: redis redis://127\\.0\\.0\\.1:${later.port}/? is (reconnecting|connecting|close).*ECONNREFUSED`));
      const c = kvClient(p, link);
      await c.fails('Increment', { key: 'healed', value: 1 }, new RegExp(`^Redis redis://127\\.0\\.0\\.1:${later.port}/? is unavailable \\(.*\\); KeyValue\\.Increment was not performed`));

      await later.restart(); // same port; nobody touches the link
      assert.equal(await eventually(() => c.call('Increment', { key: 'healed', value: 1 })), 1, 'calls go through once Redis answers');
      assert.equal((await p.health()).healthy, true);
      assert.ok(logs.some((l) => /^info keyvalue: Redis .* answers again/.test(l)), logs.join('\n'));
    } finally {
      await p.shutdown();
      await later.dispose();
    }
  });

  it('hides the password in warnings, health and errors', async () => {
    const down = await startRedis();
    await down.stop();
    const logs: string[] = [];
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir, logs));
    const link = kvLink('MPW', { URL: `redis://:s3cret@127.0.0.1:${down.port}` });
    try {
      await p.putLink(link);
      const texts = [...logs, (await p.health()).message ?? ''];
      await assert.rejects(kvClient(p, link).call('Get', 'k'), (e: Error) => { texts.push(e.message); return true; });
      for (const t of texts) assert.doesNotMatch(t, /s3cret/);
      assert.ok(texts.some((t) => /redis:\/\/:\*\*\*@127\.0\.0\.1/.test(t)), texts.join('\n'));
    } finally {
      await p.shutdown();
      await down.dispose();
    }
  });

  it('keeps each bucket under its own length-prefixed namespace; raw_keys=true uses the keys as they are (checked with a separate client)', async () => {
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir));
    const plain = kvLink('MPLAIN', { URL: redis.url });
    const scoped = kvLink('MSCOPED', { url: redis.url, bucket: 'orders' });
    const raw = kvLink('MRAW', { URL: redis.url, raw_keys: 'true' });
    for (const l of [plain, scoped, raw]) await p.putLink(l);
    await kvClient(p, plain).call('Set', { key: 'k1', value: 'plain', expires: 0 });
    await kvClient(p, scoped).call('Set', { key: 'k1', value: 'scoped', expires: 0 });
    await kvClient(p, raw).call('Set', { key: 'k1', value: 'raw', expires: 0 });
    const direct = new Redis(redis.url);
    try {
      assert.equal(await direct.get('kv:0::k1'), 'plain');
      assert.equal(await direct.get('kv:6:orders:k1'), 'scoped');
      assert.equal(await direct.get('k1'), 'raw');
      await direct.set('existing', '41'); // data written by wasmCloud's kvredis, say
      assert.equal(await kvClient(p, raw).call('Increment', { key: 'existing', value: 1 }), 42, 'raw keys see existing Redis data unchanged');
      assert.deepEqual(await kvClient(p, plain).call('Get', 'existing'), { value: '', exists: false }, 'a bucketed link does not');
      await assert.rejects(p.putLink(kvLink('MRAWB', { URL: redis.url, raw_keys: 'true', bucket: 'b' })), /raw_keys=true and bucket cannot be combined/);
      await assert.rejects(p.putLink(kvLink('MRAWX', { URL: redis.url, raw_keys: 'maybe' })), /raw_keys="maybe" is not a boolean/);
    } finally {
      direct.disconnect();
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

describe('keyvalue redis: a connection that drops mid-command never applies a command twice', () => {
  let redis: RunningServer;
  let dataDir: string;
  before(async () => {
    redis = await startRedis();
    dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-redis3-'));
  });
  after(async () => {
    await redis?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A provider whose link reaches Redis through a proxy that can lose replies and cut connections. */
  async function throughProxy(actor: string, rpcTimeoutMs = 2000) {
    const proxy = await startTcpProxy(redis.port);
    const p = createProvider('keyvalue');
    await p.start({ ...testHost(dataDir), rpcTimeoutMs });
    const link = kvLink(actor, { URL: `redis://127.0.0.1:${proxy.port}` });
    await p.putLink(link);
    const direct = new Redis(redis.url); // sees what Redis really holds
    return {
      proxy, kv: kvClient(p, link), direct,
      async close() { direct.disconnect(); await p.shutdown(); await proxy.close(); },
    };
  }

  const UNKNOWN = /^the connection to Redis redis:\/\/127\.0\.0\.1:\d+\/? dropped after KeyValue\.Increment was sent; it may or may not have been applied/;

  it('an Increment whose reply is lost fails saying its outcome is unknown; Redis applied it exactly once', async () => {
    const t = await throughProxy('MDROPPED');
    try {
      assert.equal(await t.kv.call('Increment', { key: 'dropped', value: 1 }), 1);
      t.proxy.dropReplies(true);
      const pending = t.kv.raw('Increment', { key: 'dropped', value: 1 });
      pending.catch(() => undefined);
      while (t.proxy.droppedBytes() === 0) await sleep(5); // Redis applied it and answered; the answer is lost
      t.proxy.cutConnections();
      t.proxy.dropReplies(false);
      await assert.rejects(pending, (e: Error) => { assert.match(e.message, UNKNOWN); return true; });
      assert.deepEqual(await eventually(() => t.kv.call('Get', 'dropped')), { value: '2', exists: true }, 'applied once, not re-sent on the new connection');
      await sleep(300); // a re-send would have arrived by now
      assert.equal(await t.direct.get('kv:0::dropped'), '2');
    } finally {
      await t.close();
    }
  });

  it('an Increment that timed out is not sent again when the connection is replaced', async () => {
    const t = await throughProxy('MTIMEDOUT', 400); // commands time out after 200 ms
    try {
      assert.equal(await t.kv.call('Increment', { key: 'timed-out', value: 1 }), 1);
      t.proxy.dropReplies(true);
      await assert.rejects(t.kv.call('Increment', { key: 'timed-out', value: 1 }), (e: Error) => {
        assert.ok(isStratusError(e, 'TIMEOUT'), e.message);
        assert.match(e.message, /did not answer KeyValue\.Increment within 200 ms; it may still be applied/);
        return true;
      });
      t.proxy.cutConnections();
      t.proxy.dropReplies(false);
      assert.deepEqual(await eventually(() => t.kv.call('Get', 'timed-out')), { value: '2', exists: true });
      await sleep(300);
      assert.equal(await t.direct.get('kv:0::timed-out'), '2', 'Redis applied it once');
    } finally {
      await t.close();
    }
  });

  it('under load, a cut never makes the counter exceed the increments answered plus those reported as unknown', async () => {
    const t = await throughProxy('MLOADCUT');
    try {
      let answered = 0;
      let unknown = 0;
      const other: string[] = [];
      const one = () => t.kv.call('Increment', { key: 'load', value: 1 }).then(
        () => { answered++; },
        (e: Error) => { if (UNKNOWN.test(e.message)) unknown++; else other.push(e.message); });
      for (let round = 0; round < 3; round++) {
        await Promise.all(Array.from({ length: 32 }, one)); // answered normally
        const droppedBefore = t.proxy.droppedBytes();
        t.proxy.dropReplies(true);
        const inFlight = Promise.all(Array.from({ length: 32 }, one));
        while (t.proxy.droppedBytes() === droppedBefore) await sleep(5);
        await sleep(20);
        t.proxy.cutConnections();
        t.proxy.dropReplies(false);
        await inFlight;
        await eventually(() => t.kv.call('Get', 'load'));
      }
      await sleep(300);
      const counter = Number(((await t.kv.call('Get', 'load')) as { value: string }).value);
      assert.ok(counter >= answered && counter <= answered + unknown,
        `counter ${counter}, answered ${answered}, unknown ${unknown}, other errors: ${other.join('; ')}`);
      assert.ok(unknown > 0, 'some increments were in flight at a cut');
      for (const m of other) assert.match(m, /KeyValue\.Increment was not performed/, 'any other failure was never sent');
    } finally {
      await t.close();
    }
  });
});
