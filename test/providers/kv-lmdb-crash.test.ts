// tier: full — starts and kills writer processes
// The lmdb backend's durability promise (src/providers/keyvalue/README.md "Durability"): once a
// write's reply is out, it survives the host process dying without any shutdown (SIGKILL), and
// increments stay exact when several processes write the same file at once.
import { lmdbProviderScript, providerScriptImports, runProviderScript } from '../support/fixtures-provider.js';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kvClient, kvLink, testHost } from './kv-conformance.js';
import { createProvider } from '../../src/providers/registry.js';


/**
 * A separate Node process that links an lmdb keyvalue provider on `dataDir`, runs `increments`
 * Increments of 1 on `key` (10 in flight at a time, so two such processes interleave), prints the
 * highest value it was told, then SIGKILLs itself: no shutdown, no close, no flush.
 */
async function crashingWriter(dataDir: string, key: string, increments: number): Promise<{ lastReply: number; signal: string | null; stderr: string }> {
  const script = `
    ${lmdbProviderScript(dataDir, 'MCRASH')}
    const replies = [];
    for (let done = 0; done < ${increments}; done += 10) {
      replies.push(...await Promise.all(Array.from({ length: Math.min(10, ${increments} - done) }, () =>
        p.handle(linkInvocation(link, 'KeyValue.Increment', encode({ key: ${JSON.stringify(key)}, value: 1 }))).then((b) => decode(b)))));
    }
    if (new Set(replies).size !== replies.length) throw new Error('two increments got the same value');
    process.stdout.write(String(Math.max(...replies)) + '\\n', () => process.kill(process.pid, 'SIGKILL'));
  `;
  const r = await runProviderScript(script);
  return { lastReply: Number(r.stdout.trim()), signal: r.signal, stderr: r.stderr };
}

/**
 * A separate Node process that opens and closes the lmdb store on `dataDir` `times` times (a host
 * starting and stopping), reading `key` each time, while other processes write to it.
 */
async function reopeningReader(dataDir: string, key: string, times: number): Promise<{ code: number | null; stderr: string }> {
  const script = `
    ${providerScriptImports()}
    for (let i = 0; i < ${times}; i++) {
      const scope = new HostScope();
      const p = createProvider('keyvalue');
      await p.start({ dataDir: ${JSON.stringify(dataDir)}, rpcTimeoutMs: 2000, scope, log() {}, hostId: 'NTEST', async invoke() { throw new Error('no'); } });
      const link = { id: 'l', actor_id: 'MREOPEN', provider_id: p.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: {} };
      await p.putLink(link);
      await p.handle(linkInvocation(link, 'KeyValue.Get', encode(${JSON.stringify(key)})));
      await p.shutdown();
      await scope.close();
    }
  `;
  const r = await runProviderScript(script);
  return { code: r.code, stderr: r.stderr };
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

  it('a process opening the file while another commits never rolls the other\'s commits back', async () => {
    // LMDB writes the file's "last transaction" while it opens, from a header it read a moment
    // before: a commit landing in between was lost, and the next increment repeated a value.
    const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-reopen-'));
    try {
      await readCounter(dataDir, 'contended'); // create the file first: the race is about opening an existing one
      const [writer, ...openers] = await Promise.all([
        crashingWriter(dataDir, 'contended', 1500),
        reopeningReader(dataDir, 'contended', 40),
        reopeningReader(dataDir, 'contended', 40),
      ]);
      for (const o of openers) assert.equal(o.code, 0, o.stderr);
      assert.equal(writer.signal, 'SIGKILL', `the writer saw a repeated value or failed: ${writer.stderr}`);
      assert.equal(writer.lastReply, 1500);
      assert.deepEqual(await readCounter(dataDir, 'contended'), { value: '1500', exists: true });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
