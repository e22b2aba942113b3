// tier: full — starts nats-server
// NATS going away under a running member (restarted, or silent like a partition): the host keeps
// serving local HTTP traffic throughout, lattice writes fail at once with a clear error, and once
// NATS is back the connection is re-established and the bucket watch resumes (a link written
// after the outage reaches the host's provider).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { httpGet as get } from '../support/http.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startNats } from '../support/servers.js';
import { signedC, until } from '../support/fixtures.js';
import { MemoryKv } from '../support/fixtures-provider.js';
import { createProvider } from '../../src/providers/registry.js';
import type { HttpServerProvider } from '../../src/providers/httpserver/provider.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';
import { isStratusError } from '../../src/core/errors.js';
import { cleanupDirs, latticeConfig, member, rawBucket, uniquePrefix, type Member } from './meta-support.js';

after(() => cleanupDirs());


/** A member serving the C kvcounter over HTTP with in-memory key-value, links in the bucket. */
async function servingMember(url: string, prefix: string): Promise<{ m: Member; port: number; kv: MemoryKv }> {
  const m = await member(latticeConfig(url, prefix));
  const http = createProvider('httpserver') as HttpServerProvider;
  const store = createProvider('keyvalue');
  await m.host.startProvider(http);
  await m.host.startProvider(store);
  const actor = await m.host.startActor(await signedC('kvcounter', { caps: ['wasmcloud:keyvalue', 'wasmcloud:httpserver'] }));
  await m.host.putLink({ actor_id: actor.id, provider_id: http.id, contract_id: http.contractId, link_name: 'default', values: { port: '0' } });
  await m.host.putLink({ actor_id: actor.id, provider_id: store.id, contract_id: store.contractId, link_name: 'default', values: { backend: 'memory' } });
  const kv = new MemoryKv({ contractId: 'wasmcloud:blobstore' });
  await m.host.startProvider(kv);
  return { m, port: http.listeners()[0]!.port, kv };
}

/** Counts requests until stopped; every answer must be a 200 with the next counter. */
function keepRequesting(port: number) {
  let stop = false;
  let served = 0;
  const failures: string[] = [];
  const done = (async () => {
    while (!stop) {
      const r = await get(port, '/c').catch((e: Error) => ({ status: 0, body: e.message }));
      if (r.status === 200 && r.body === `{"counter":${served + 1}}`) served++;
      else failures.push(`${r.status} ${r.body}`);
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  return { served: () => served, failures, stop: async () => { stop = true; await done; } };
}

async function expectFastRefusal(m: Member, kv: MemoryKv): Promise<void> {
  let caught: unknown;
  try {
    await m.host.putLink({ actor_id: createKeyPair('module').publicKey, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: {} });
  } catch (e) {
    caught = e;
  }
  assert.ok(isStratusError(caught, 'HOST_UNREACHABLE'), `refused at once (not a timeout): ${String(caught)}`);
  assert.match((caught as Error).message, /cannot be reached right now; the link was not stored/);
  assert.equal((caught as { notStarted?: boolean }).notStarted, true);
}

async function washPut(url: string, prefix: string, kv: MemoryKv): Promise<string> {
  const actor = createKeyPair('module').publicKey;
  const raw = await rawBucket(url, prefix);
  await raw.kv.put(`LINKDEF_${linkDefinitionId(actor, kv.contractId, 'default')}`, JSON.stringify({ actor_id: actor, provider_id: kv.id, link_name: 'default', contract_id: kv.contractId, values: {} }));
  await raw.close();
  return actor;
}

test('NATS restarted under a running member: local HTTP is served throughout, link writes fail fast meanwhile, then it reconnects and the bucket watch resumes', async () => {
  const nats = await startNats();
  const prefix = uniquePrefix('restart');
  const { m, port, kv } = await servingMember(nats.url, prefix);
  const load = keepRequesting(port);
  try {
    await until(() => load.served() >= 3, 'traffic before the outage');
    await nats.stop();
    await until(() => !m.lattice.online(), 'the member to notice NATS is gone');
    const before = load.served();
    await expectFastRefusal(m, kv);
    await until(() => load.served() >= before + 5, 'local traffic during the outage');

    await nats.restart();
    await until(() => m.lattice.online(), 'the member to reconnect', 30_000);
    assert.ok(m.logs.some((l) => l.text.includes('reconnected to NATS')));
    const actor = await washPut(nats.url, prefix, kv);
    await until(() => kv.linkPuts.some((l) => l.actor_id === actor), 'a link written after the restart to reach the provider', 30_000);
    // and this host's own writes work again
    await m.host.putLink({ actor_id: createKeyPair('module').publicKey, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: {} });
    await until(() => load.served() >= before + 10, 'traffic after');
  } finally {
    await load.stop();
    await m.stop();
    await nats.dispose();
  }
  assert.deepEqual(load.failures, [], 'no local request failed');
});

/** A nats-server whose store directory the test can reach (to drop what a long outage drops). */
async function natsWithStore() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'stratus-nats-store-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    const probe = await import('node:net');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise<boolean>((r) => { const s = probe.connect({ host: '127.0.0.1', port }); s.once('connect', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
      if (ok) return;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('nats-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    if (!child || child.exitCode !== null) return;
    const c = child;
    await new Promise<void>((r) => { c.once('exit', () => r()); c.kill('SIGTERM'); });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    start,
    /** Forget every consumer of `stream`, as the server does once they were inactive for 5 minutes. */
    dropConsumers(stream: string) {
      const walk = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (!e.isDirectory()) continue;
          if (e.name === 'obs' && d.endsWith(stream)) rmSync(p, { recursive: true, force: true });
          else walk(p);
        }
      };
      if (existsSync(dir)) walk(dir);
    },
    async dispose() { await stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}

test('NATS back after an outage long enough that the server forgot the watch\'s consumer: the watch is started afresh on reconnect', async () => {
  const nats = await natsWithStore();
  const prefix = uniquePrefix('forgot');
  const { m, kv } = await servingMember(nats.url, prefix);
  try {
    await nats.stop();
    await until(() => !m.lattice.online(), 'the member to notice NATS is gone');
    nats.dropConsumers(`KV_LATTICEDATA_${prefix}`);
    await nats.start();
    await until(() => m.lattice.online(), 'the member to reconnect', 30_000);
    const actor = await washPut(nats.url, prefix, kv);
    await until(() => kv.linkPuts.some((l) => l.actor_id === actor), 'a link written after the outage to reach the provider', 30_000);
  } finally {
    await m.stop();
    await nats.dispose();
  }
});

test('a silent NATS server (paused, as in a partition): the member notices by its pings, keeps serving, and resumes the watch when the server answers again', async () => {
  const nats = await startNats();
  const prefix = uniquePrefix('pause');
  const { m, port, kv } = await servingMember(nats.url, prefix);
  const load = keepRequesting(port);
  try {
    await until(() => load.served() >= 3, 'traffic before');
    nats.pause();
    await until(() => !m.lattice.online(), 'the member to notice the silent server', 60_000);
    const before = load.served();
    await expectFastRefusal(m, kv);
    await until(() => load.served() >= before + 5, 'local traffic while NATS is silent');
    nats.resume();
    await until(() => m.lattice.online(), 'the member to reconnect', 60_000);
    const actor = await washPut(nats.url, prefix, kv);
    await until(() => kv.linkPuts.some((l) => l.actor_id === actor), 'a link written afterwards to reach the provider', 30_000);
  } finally {
    nats.resume();
    await load.stop();
    await m.stop();
    await nats.dispose();
  }
  assert.deepEqual(load.failures, [], 'no local request failed');
});
