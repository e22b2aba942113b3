// The lmdb backend's durability promise (src/providers/keyvalue/README.md "Durability"): once a
// write's reply is out, it survives the host process dying without any shutdown (SIGKILL), and
// increments stay exact when several processes write the same file at once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kvClient, kvLink, testHost } from './kv-conformance.js';
import { createProvider } from '../../src/providers/registry.js';

const registryUrl = new URL('../../src/providers/registry.js', import.meta.url).href;

/**
 * A separate Node process that links an lmdb keyvalue provider on `dataDir`, runs `increments`
 * Increments of 1 on `key` (10 in flight at a time, so two such processes interleave), prints the
 * highest value it was told, then SIGKILLs itself: no shutdown, no close, no flush.
 */
function crashingWriter(dataDir: string, key: string, increments: number): Promise<{ lastReply: number; signal: string | null; stderr: string }> {
  const script = `
    const { createProvider } = await import(${JSON.stringify(registryUrl)});
    const { encode, decode } = await import('@msgpack/msgpack');
    const p = createProvider('keyvalue');
    await p.start({ dataDir: ${JSON.stringify(dataDir)}, rpcTimeoutMs: 2000, log() {}, async callActor() { throw new Error('no'); } });
    const link = { id: 'l', actor_id: 'MCRASH', provider_id: p.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: {} };
    await p.putLink(link);
    const ctx = { actorId: 'MCRASH', link };
    const replies = [];
    for (let done = 0; done < ${increments}; done += 10) {
      replies.push(...await Promise.all(Array.from({ length: Math.min(10, ${increments} - done) }, () =>
        p.handle(ctx, 'KeyValue.Increment', encode({ key: ${JSON.stringify(key)}, value: 1 })).then((b) => decode(b)))));
    }
    if (new Set(replies).size !== replies.length) throw new Error('two increments got the same value');
    process.stdout.write(String(Math.max(...replies)) + '\\n', () => process.kill(process.pid, 'SIGKILL'));
  `;
  const cwd = fileURLToPath(new URL('../../..', import.meta.url)); // repo root: resolves @msgpack/msgpack
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ lastReply: Number(out.trim()), signal, stderr: err }));
  });
}

async function readCounter(dataDir: string, key: string): Promise<unknown> {
  const p = createProvider('keyvalue');
  await p.start(testHost(dataDir));
  const link = kvLink('MREADER', {});
  await p.putLink(link);
  try {
    return await kvClient(p, link).call('Get', key);
  } finally {
    await p.shutdown();
  }
}

describe('keyvalue lmdb: survives the host process being killed', () => {
  it('increments acknowledged before a SIGKILL are all there when the store opens again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-crash-'));
    try {
      const first = await crashingWriter(dataDir, 'hits', 250);
      assert.equal(first.signal, 'SIGKILL', `the writer should die by SIGKILL; stderr: ${first.stderr}`);
      assert.equal(first.lastReply, 250, 'the writer saw 250 distinct increments');
      assert.deepEqual(await readCounter(dataDir, 'hits'), { value: '250', exists: true });
      // and again on top of the recovered file
      const second = await crashingWriter(dataDir, 'hits', 100);
      assert.equal(second.signal, 'SIGKILL', second.stderr);
      assert.equal(second.lastReply, 350);
      assert.deepEqual(await readCounter(dataDir, 'hits'), { value: '350', exists: true });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('two processes incrementing the same file at the same time end at exactly the sum', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-2proc-'));
    try {
      const [a, b] = await Promise.all([crashingWriter(dataDir, 'shared', 400), crashingWriter(dataDir, 'shared', 400)]);
      assert.equal(a.signal, 'SIGKILL', a.stderr);
      assert.equal(b.signal, 'SIGKILL', b.stderr);
      assert.deepEqual(await readCounter(dataDir, 'shared'), { value: '800', exists: true });
      assert.equal(Math.max(a.lastReply, b.lastReply), 800, 'whichever finished last saw the total');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
