// tier: full — starts redis-server
// Two hosts in one process (two HostScopes): each keeps its own memory buckets, lmdb files and
// Redis connections, and closing one host's scope releases exactly its own.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProvider } from '../../src/providers/registry.js';
import { HostScope } from '../../src/core/scope.js';
import { kvClient, kvLink, testHost } from './kv-conformance.js';
import { startRedis, type RunningServer } from '../support/servers.js';

describe('keyvalue: per-host state', () => {
  let redis: RunningServer;
  let dataDir: string;
  before(async () => {
    redis = await startRedis();
    dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-scope-'));
  });
  after(async () => {
    await redis?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('two hosts keep separate memory buckets under the same bucket name', async () => {
    const [a, b] = [createProvider('keyvalue'), createProvider('keyvalue')];
    const [scopeA, scopeB] = [new HostScope(), new HostScope()];
    await a.start(testHost(dataDir, [], scopeA));
    await b.start(testHost(dataDir, [], scopeB));
    const values = { backend: 'memory', bucket: 'same-name' };
    const [la, lb] = [kvLink('MHOSTA', values), kvLink('MHOSTB', values)];
    await a.putLink(la);
    await b.putLink(lb);
    try {
      await kvClient(a, la).call('Set', { key: 'who', value: 'host a', expires: 0 });
      assert.deepEqual(await kvClient(b, lb).call('Get', 'who'), { value: '', exists: false }, 'host b does not see host a\'s memory');
      assert.equal(await kvClient(b, lb).call('Increment', { key: 'n', value: 1 }), 1);
      assert.equal(await kvClient(a, la).call('Increment', { key: 'n', value: 1 }), 1);
    } finally {
      await a.shutdown();
      await b.shutdown();
      await scopeA.close();
      await scopeB.close();
    }
  });

  it('closing one host\'s scope closes its lmdb file and Redis client, and not the other host\'s', async () => {
    const [a, b] = [createProvider('keyvalue'), createProvider('keyvalue')];
    const [scopeA, scopeB] = [new HostScope(), new HostScope()];
    await a.start(testHost(dataDir, [], scopeA));
    await b.start(testHost(dataDir, [], scopeB)); // the same data directory: the same lmdb file
    const [lmdbA, lmdbB] = [kvLink('MLMDBA', {}), kvLink('MLMDBB', {})];
    const [redisA, redisB] = [kvLink('MREDISA', { URL: redis.url }), kvLink('MREDISB', { URL: redis.url })];
    for (const l of [lmdbA, redisA]) await a.putLink(l);
    for (const l of [lmdbB, redisB]) await b.putLink(l);
    try {
      assert.equal(await kvClient(a, lmdbA).call('Increment', { key: 'scoped', value: 1 }), 1);
      assert.equal(await kvClient(b, lmdbB).call('Increment', { key: 'scoped', value: 1 }), 2, 'both hosts write the same file');
      assert.equal(await kvClient(a, redisA).call('Increment', { key: 'scoped', value: 1 }), 1);

      await scopeA.close(); // host a goes away without shutting its provider down first

      // host a's own resources are released...
      await assert.rejects(kvClient(a, lmdbA).call('Get', 'scoped'), /closed/i, 'host a\'s lmdb file is closed');
      await assert.rejects(kvClient(a, redisA).call('Get', 'scoped'), /Redis .* is closed/, 'host a\'s Redis client is closed');
      // ...and host b's go on
      assert.equal(await kvClient(b, lmdbB).call('Increment', { key: 'scoped', value: 1 }), 3);
      assert.equal(await kvClient(b, redisB).call('Increment', { key: 'scoped', value: 1 }), 2);
      assert.equal((await b.health()).healthy, true);
    } finally {
      await a.shutdown();
      await b.shutdown();
      await scopeB.close();
    }
  });
});
