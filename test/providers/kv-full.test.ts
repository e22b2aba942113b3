// tier: full — mounts a small tmpfs and fills it from a child process
// Running out of space (src/providers/keyvalue/README.md "Size limit" and "Full disk"): a store at
// its max_size refuses writes that need space with a clear error and goes on serving everything
// else; a host whose disk fills up gets the same kind of error instead of dying, and starts again
// on the still-full disk.
import { lmdbProviderScript, runProviderScript } from '../support/fixtures-provider.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProvider } from '../../src/providers/registry.js';
import { kvClient, kvLink, testHost, type KvPath } from './kv-conformance.js';

const FULL = /^FULL: the key-value store .* is full \(limit max_size=256K\); the write was not performed\n {2}hint: reads and deletes keep working: delete keys .*raise the link value max_size/;

function limitSuite(backend: 'lmdb' | 'memory', path: KvPath): void {
  it(`${backend}${path === 'handleSync' ? ' (synchronous path)' : ''}: past max_size, writes that need space fail clearly; reads, deletes and same-size writes go on; deletes make room again`, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-limit-'));
    const p = createProvider('keyvalue');
    await p.start(testHost(dataDir));
    const values = { backend, max_size: '256K' };
    const link = kvLink('MFILLER', values);
    const neighbour = kvLink('MNEIGHBOUR', { ...values, bucket: 'other' });
    await p.putLink(link);
    await p.putLink(neighbour);
    const kv = kvClient(p, link, path);
    const other = kvClient(p, neighbour, path);
    try {
      await other.call('Set', { key: 'mine', value: 'neighbour data', expires: 0 });
      await other.call('Set', { key: 'counter', value: '5', expires: 0 });
      const value = 'v'.repeat(4000);
      let stored = 0;
      let refusal: Error | undefined;
      for (; stored < 1000 && !refusal; stored++) {
        await kv.call('Set', { key: `fill-${stored}`, value, expires: 0 }).catch((e: Error) => { refusal = e; });
      }
      assert.ok(refusal, 'writes were refused before 1000 x 4 KB went into a 256 KB store');
      assert.match(refusal.message, FULL);
      assert.ok(stored > 20, `${stored} writes fit before the limit`);
      // the same refusal for every kind of write that needs space, from any link on the store
      await kv.fails('Set', { key: 'one-more', value: 'x', expires: 0 }, FULL);
      await kv.fails('Increment', { key: 'new-counter', value: 1 }, FULL);
      await kv.fails('ListAdd', { listName: 'new-list', value: 'x' }, FULL);
      await other.fails('SetAdd', { setName: 'new-set', value: 'x' }, FULL);
      // reads and writes that need no more space go on
      assert.deepEqual(await kv.call('Get', 'fill-0'), { value, exists: true });
      assert.deepEqual(await other.call('Get', 'mine'), { value: 'neighbour data', exists: true });
      assert.equal(await other.call('Increment', { key: 'counter', value: -1 }), 4, 'a counter may change without growing');
      await kv.call('Set', { key: 'fill-1', value: 'w'.repeat(4000), expires: 0 });
      assert.deepEqual(await kv.call('Get', 'fill-1'), { value: 'w'.repeat(4000), exists: true });
      assert.deepEqual(await kv.call('Get', 'one-more'), { value: '', exists: false }, 'the refused write did nothing');
      assert.equal(await kv.call('Contains', 'new-list'), false);
      assert.equal((await p.health()).healthy, false, 'a store at its limit says so in health');
      // deleting makes room
      for (let i = 0; i < stored / 2; i++) assert.equal(await kv.call('Del', `fill-${i}`), true);
      await kv.call('Set', { key: 'one-more', value: 'x', expires: 0 });
      assert.deepEqual(await kv.call('Get', 'one-more'), { value: 'x', exists: true });
      assert.equal(await kv.call('Increment', { key: 'new-counter', value: 1 }), 1);
      assert.equal((await p.health()).healthy, true);
    } finally {
      await p.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
}

describe('keyvalue: max_size', () => {
  limitSuite('lmdb', 'handle');
  limitSuite('lmdb', 'handleSync');
  limitSuite('memory', 'handle');
  limitSuite('memory', 'handleSync');

  it('max_size is checked at link put', async () => {
    const p = createProvider('keyvalue');
    await p.start(testHost('/nonexistent'));
    await assert.rejects(p.putLink(kvLink('MBADSIZE', { max_size: 'lots' })), /max_size="lots" is not a size of at least 64K[\s\S]*e\.g\. max_size=512M/);
    await assert.rejects(p.putLink(kvLink('MBADSIZE', { backend: 'memory', max_size: '1K' })), /max_size="1K" is not a size of at least 64K/);
    await assert.rejects(p.putLink(kvLink('MBADSIZE', { URL: 'redis://127.0.0.1:1', max_size: '1G' })), /max_size applies to the lmdb and memory backends, not to Redis/);
    await p.shutdown();
  });
});


/**
 * A separate host process with an lmdb keyvalue link on `dataDir`, calling the provider as the host
 * does for actors on its own thread (handleSync, then waiting for the commit). `fill`: write 64 KB
 * values until 20 writes in a row fail, then delete one key; both modes then read and try a 256 KB
 * write. Prints a JSON report; a crash (SIGBUS) shows as the exit signal.
 */
async function hostProcess(dataDir: string, mode: 'fill' | 'restart'): Promise<{ code: number | null; signal: string | null; report?: Record<string, unknown>; stderr: string }> {
  const script = `
    ${lmdbProviderScript(dataDir, 'MDISK')}
    const ctx = { actorId: 'MDISK', link };
    const call = async (op, arg) => {
      const commits = [];
      let out = p.handleSync(linkInvocation(ctx.link, 'KeyValue.' + op, encode(arg)), (c) => commits.push(c));
      if (out === undefined) out = await p.handle(linkInvocation(ctx.link, 'KeyValue.' + op, encode(arg)));
      await Promise.all(commits);
      return out.length ? decode(out) : undefined;
    };
    const outcome = (promise) => promise.then((value) => ({ value }), (e) => ({ error: e.message }));
    const report = { mode: ${JSON.stringify(mode)}, stored: 0, errors: [] };
    if (${JSON.stringify(mode)} === 'fill') {
      const big = 'd'.repeat(65536);
      for (let i = 0, failedInARow = 0; failedInARow < 20 && i < 2000; i++) {
        const r = await outcome(call('Set', { key: 'k' + i, value: big, expires: 0 }));
        if (r.error) { failedInARow++; report.errors.push(r.error); } else { failedInARow = 0; report.stored = i + 1; }
      }
      report.lastKey = 'k' + (report.stored - 1);
      report.del = await outcome(call('Del', 'k1'));
    }
    report.first = await outcome(call('Get', 'k0').then((v) => v.value.length));
    // more than the key deleted above freed: needs new space on the disk
    report.newKey = await outcome(call('Set', { key: 'after-' + ${JSON.stringify(mode)}, value: 'n'.repeat(262144), expires: 0 }));
    report.health = await p.health();
    await p.shutdown();
    process.stdout.write(JSON.stringify(report));
  `;
  const r = await runProviderScript(script);
  let report: Record<string, unknown> | undefined;
  try { report = JSON.parse(r.stdout); } catch { /* reported below */ }
  return { code: r.code, signal: r.signal, report, stderr: r.stderr };
}

/** A small file system to fill: a tmpfs of `size` (needs root, as on the project machines). */
function mountSmallDisk(dir: string, size: string): void {
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`cannot mount a ${size} tmpfs on ${dir} to fill (${(r.stderr || r.error?.message || '').trim()}); this test needs root (mount -t tmpfs)`);
  }
}

describe('keyvalue lmdb: a full disk', () => {
  it('a host filling its disk gets clear errors and keeps serving reads; it starts again on the still-full disk', async () => {
    const base = mkdtempSync(join(tmpdir(), 'stratus-kv-disk-'));
    const disk = join(base, 'disk');
    mountSmallDisk(disk, '8m');
    try {
      const fill = await hostProcess(disk, 'fill');
      assert.equal(fill.signal, null, `the host process died of ${fill.signal}; stderr: ${fill.stderr}`);
      assert.equal(fill.code, 0, fill.stderr);
      const r = fill.report as { stored: number; errors: string[]; lastKey: string; del: unknown; first: unknown; newKey: { error?: string }; health: { healthy: boolean; message: string } };
      assert.ok(r.stored > 10 && r.stored < 128, `${r.stored} x 64 KB fit on an 8 MB disk`);
      assert.equal(r.errors.length, 20);
      assert.match(r.errors[0]!, /\(.* free; LMDB said: /, 'the first failure says how much space was left and what LMDB reported');
      for (const e of r.errors) {
        assert.match(e, /^FULL: the disk holding the key-value store .*keyvalue\.mdb is full \(.*\); the write was not performed\n {2}hint: reads and deletes keep working: free space on that file system/);
      }
      assert.deepEqual(r.first, { value: 65536 }, 'reads go on');
      assert.deepEqual(r.del, { value: true }, 'deletes go on');
      assert.match(String(r.newKey.error), /^FULL: the disk holding the key-value store/);
      assert.equal(r.health.healthy, false);
      assert.match(r.health.message, /the disk is full/);

      const again = await hostProcess(disk, 'restart');
      assert.equal(again.signal, null, `the restarted host died of ${again.signal}; stderr: ${again.stderr}`);
      assert.equal(again.code, 0, again.stderr);
      const r2 = again.report as { first: unknown; newKey: { error?: string } };
      assert.deepEqual(r2.first, { value: 65536 }, 'after a restart on the full disk, reads work');
      assert.match(String(r2.newKey.error), /^FULL: the disk holding the key-value store/);
    } finally {
      spawnSync('umount', [disk]);
      rmSync(base, { recursive: true, force: true });
    }
  });
});
