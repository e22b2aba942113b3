// tier: full — starts nats-server and host processes
// An actor runs on two host processes (rpc-child-host.ts: a Host joined with the rpc component,
// since the lattice composition is another branch's); a third host in this process drives calls
// at it while its keyvalue provider (memory backend) keeps the counter. One instance's process is
// killed with SIGKILL under load: after at most one RPC timeout every call is served by the other
// process, no acknowledged increment is lost, and none is applied twice (calls are never re-sent).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join as pathJoin } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { decode, encode } from '../../src/codec/msgpack.js';
import { isStratusError } from '../../src/core/errors.js';
import { linkInvocation, type LinkDefinition } from '../../src/core/wire.js';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';
import { createProvider } from '../../src/providers/registry.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { hostCallPayload, signedFixture, testHost, until } from '../support/fixtures.js';
import { join } from './rpc-support.js';

const CHILD = pathJoin(dirname(fileURLToPath(import.meta.url)), 'rpc-child-host.js');
const RPC_TIMEOUT_MS = 1500;
const CONCURRENCY = 8;

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => { for (const c of cleanups.reverse()) await c(); });

interface Child { proc: ChildProcess; served: () => number; exited: Promise<void> }

function startChild(config: object): Promise<Child> {
  const proc = spawn(process.execPath, [CHILD, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let served = 0;
  let out = '';
  let err = '';
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  cleanups.push(() => { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); return exited; });
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-4000); });
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      let nl;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('ready ')) resolve({ proc, served: () => served, exited });
        else if (line.startsWith('served ')) served = Number(line.slice(7));
      }
    });
    proc.once('exit', (code, signal) => reject(new Error(`child host exited (${code ?? signal}) before it was ready:\n${err}`)));
  });
}

interface Outcome { startedAt: number; ok: boolean; value?: number; code?: string }

test('kill -9 of one of two host processes running an actor under load: the other serves, no acknowledged increment lost or doubled', async (t) => {
  const nats: RunningServer = await startNats();
  cleanups.push(() => nats.dispose());
  const dataDir = mkdtempSync(pathJoin(tmpdir(), 'stratus-failover-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const prefix = 'failover';
  const cluster = createKeyPair('cluster');

  // host C (here): the keyvalue provider that keeps the counter, and the caller
  const { host: c } = testHost({ dataDir, rpcTimeoutMs: RPC_TIMEOUT_MS });
  cleanups.push(() => c.shutdown());
  const kv = createProvider('keyvalue');
  await c.startProvider(kv);
  const module = await signedFixture('hostcall', { caps: ['wasmcloud:keyvalue'] });
  const actorPath = pathJoin(dataDir, 'hostcall_s.wasm');
  writeFileSync(actorPath, module);
  const probe = await c.startActor(module); // only to learn its key; it must not run here
  const actorId = probe.id;
  await c.stopActor(actorId);
  const linkInput = { actor_id: actorId, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } };
  await c.putLink(linkInput);
  const member = await join(c, nats.url, { prefix, clusterKey: cluster, rpcTimeoutMs: RPC_TIMEOUT_MS });
  cleanups.push(() => member.leave());

  const childConfig = { natsUrl: nats.url, prefix, clusterSeed: cluster.seed, rpcTimeoutMs: RPC_TIMEOUT_MS, actorPath, links: [linkInput] };
  const [a, b] = await Promise.all([startChild(childConfig), startChild(childConfig)]);

  const outcomes: Outcome[] = [];
  const payload = hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Increment', encode({ key: 'failover', value: 1 }));
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const startedAt = Date.now();
      try {
        const r = await c.call(actorId, 'Run', payload);
        outcomes.push({ startedAt, ok: true, value: decode<number>(r) });
      } catch (e) {
        outcomes.push({ startedAt, ok: false, code: isStratusError(e) ? e.code : String(e) });
      }
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);

  await until(() => a.served() >= 20 && b.served() >= 20, 'both host processes to serve calls', 30_000);
  const killedAt = Date.now();
  a.proc.kill('SIGKILL');
  await a.exited;
  const bBefore = b.served();
  // keep the load on for two RPC timeouts past the kill, and some calls beyond
  await until(() => Date.now() > killedAt + 2 * RPC_TIMEOUT_MS && outcomes.filter((o) => o.startedAt > killedAt + RPC_TIMEOUT_MS).length >= 50,
    'calls after the failover window', 60_000);
  stop = true;
  await Promise.all(workers);

  const link: LinkDefinition = { ...linkInput, id: linkDefinitionId(actorId, kv.contractId, 'default') };
  const got = decode<{ value: string; exists: boolean }>(await kv.handle(linkInvocation(link, 'KeyValue.Get', encode('failover'))));
  const final = Number(got.value);

  const acked = outcomes.filter((o) => o.ok).map((o) => o.value!);
  const failed = outcomes.filter((o) => !o.ok);
  t.diagnostic(`calls ${outcomes.length}: acknowledged ${acked.length}, timed out ${failed.length}; final counter ${final}; survivor served ${bBefore} before the kill, ${b.served()} in all`);
  assert.equal(new Set(acked).size, acked.length, 'no two acknowledged calls saw the same counter value');
  assert.ok(acked.every((v) => v <= final), 'every acknowledged increment is in the final counter');
  assert.ok(final >= acked.length, `no acknowledged increment lost (final ${final}, acknowledged ${acked.length})`);
  assert.ok(final <= acked.length + failed.length, `none applied twice (final ${final}, acknowledged ${acked.length}, unanswered ${failed.length})`);
  // the only failures are calls that were at the killed process: timeouts, at most one per caller
  assert.ok(failed.every((o) => o.code === 'TIMEOUT'), `failures: ${JSON.stringify(failed.map((f) => f.code))}`);
  assert.ok(failed.length <= CONCURRENCY, `${failed.length} calls failed`);
  const late = outcomes.filter((o) => o.startedAt > killedAt + RPC_TIMEOUT_MS);
  assert.ok(late.length >= 50);
  assert.ok(late.every((o) => o.ok), 'every call started one RPC timeout after the kill was served');
  assert.ok(b.served() > bBefore, 'by the surviving process');
});
