// The lock that makes opening and closing an lmdb file take turns between processes
// (src/providers/keyvalue/file-lock.ts): it serialises holders, and one left by a dead process is
// taken over instead of blocking the store forever.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from '../../src/providers/keyvalue/file-lock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('keyvalue: open/close lock file', () => {
  it('holders take turns, also two parts of one process; the file is gone afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-kv-lock-'));
    const lock = join(dir, 'x.lock');
    try {
      const events: string[] = [];
      const holder = (name: string) => withFileLock(lock, 'test', async () => {
        events.push(`${name} in`);
        await sleep(30);
        events.push(`${name} out`);
        return name;
      });
      assert.deepEqual(await Promise.all([holder('a'), holder('b'), holder('c')]), ['a', 'b', 'c']);
      for (let i = 0; i < events.length; i += 2) assert.equal(events[i + 1], events[i]!.replace(' in', ' out'), events.join(', '));
      assert.equal(existsSync(lock), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a lock left by a process that died is taken over', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-kv-lock-'));
    const lock = join(dir, 'x.lock');
    try {
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(lock, dead.stdout); // as if that process had crashed while opening the store
      // (a live owner would keep it for a minute, then this would fail with "has held ... for over 60 s")
      assert.equal(await withFileLock(lock, 'test', () => 'taken'), 'taken');
      assert.equal(existsSync(lock), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a lock held by a live process is waited for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-kv-lock-'));
    const lock = join(dir, 'x.lock');
    try {
      writeFileSync(lock, String(process.ppid)); // a live process that is not us
      let ran = false;
      const waiting = withFileLock(lock, 'test', () => { ran = true; });
      await sleep(200);
      assert.equal(ran, false, 'not while the live owner holds it');
      rmSync(lock); // the owner releases it
      await waiting;
      assert.equal(ran, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
