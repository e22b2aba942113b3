import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createProvider } from '../../src/providers/registry.js';
import { kvConformance, kvClient, kvLink, testHost } from './kv-conformance.js';
import { MEMORY_BUCKETS } from '../../src/providers/keyvalue/memory-store.js';

const memoryFixture = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-mem-'));
  return { values: { backend: 'memory' }, dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
};
// both paths: handle() (worker lane, async) and handleSync() (actors on the host thread)
kvConformance('memory backend', memoryFixture);
kvConformance('memory backend', memoryFixture, 'handleSync');


describe('keyvalue memory sweep', () => {
  it('sweeping removes expired keys nobody reads again, and keeps the rest', async () => {
    const p = createProvider('keyvalue');
    const host = testHost('/nonexistent');
    await p.start(host);
    const buckets = host.scope.use(MEMORY_BUCKETS);
    const link = kvLink('MSWEEPMEM', { backend: 'memory', bucket: 'sweep-test' });
    await p.putLink(link);
    const c = kvClient(p, link);
    await c.call('Set', { key: 'short', value: 'v', expires: 5 });
    await c.call('Set', { key: 'forever', value: 'v', expires: 0 });
    assert.equal(buckets.sweepExpired(Date.now()), 0, 'nothing has expired yet');
    assert.ok(buckets.sweepExpired(Date.now() + 6000) >= 1, 'as seen from 6 s later, the 5 s key is swept');
    assert.deepEqual(await c.call('Get', 'short'), { value: '', exists: false });
    assert.deepEqual(await c.call('Get', 'forever'), { value: 'v', exists: true });
    await p.shutdown();
  });
});
