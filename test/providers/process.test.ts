// tier: full — real nats-server -js, real provider processes started from signed archives
// Provider processes (reference §5.1, §5.2): a provider built with the SDK, packed in a .par.gz,
// started by a host in a lattice, called from a wat actor over real NATS; killed and restarted
// with its links; stopped with .shutdown; bad providers reported while the host goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decode } from '../../src/codec/msgpack.js';
import { isStratusError } from '../../src/core/errors.js';
import type { HostEventMap } from '../../src/host/events.js';
import { ArchiveProviderSource } from '../../src/providers/process/archive-source.js';
import type { ProcessProvider } from '../../src/providers/process/process-provider.js';
import { hostCallPayload, signedFixture, text, until, utf8 } from '../support/fixtures.js';
import { alive, CRASHING_PROVIDER, ECHO_CONTRACT, ECHO_PROVIDER, hostWithProcesses, packProvider, SILENT_PROVIDER } from './process-support.js';

const { host, logs, member, archives } = hostWithProcesses();
const fast = { restartBaseMs: 50, restartMaxMs: 200, maxRestarts: 2, stableMs: 60_000, healthFirstMs: 200, healthIntervalMs: 300, readyTimeoutMs: 10_000, stopGraceMs: 2000 };
const source = archives({ supervision: fast });

test('an SDK provider from a .par.gz serves an actor over NATS, comes back with its links after kill -9, and stops on shutdown', async () => {
  const packed = packProvider(ECHO_PROVIDER, 'echoer');
  const events: (keyof HostEventMap)[] = [];
  host.events.on('health_check_passed', () => events.push('health_check_passed'));
  const provider = await source.open(packed.path, 'default') as ProcessProvider;
  const desc = await host.startProvider(provider);
  assert.equal(desc.id, packed.service.publicKey);
  const firstPid = provider.pid!;
  assert.ok(alive(firstPid));
  // the provider process, not the host, serves its subject: no host subscription for it
  assert.ok(!member().rpc.subjects().some((s) => s.includes(packed.service.publicKey)));

  const actor = await host.startActor(await signedFixture('hostcall', { name: 'caller', caps: [ECHO_CONTRACT] }));
  await host.putLink({ actor_id: actor.id, provider_id: desc.id, contract_id: ECHO_CONTRACT, link_name: 'default', values: {} });
  const say = hostCallPayload('default', ECHO_CONTRACT, 'Echo.Say', utf8('hi'));
  await until(() => logs.some((l) => l.text.includes(`linked actor ${actor.id}`)), 'the provider to log the link');
  assert.equal(text(await host.call(actor.id, 'Run', say)), `echo: hi from ${firstPid}`);
  // provider output reaches the host log, prefixed with the provider's name
  assert.ok(logs.some((l) => l.text.includes('[echoer ') && l.text.includes('echoer ready')), JSON.stringify(logs.slice(-5)));
  await until(() => events.includes('health_check_passed'), 'a health_check_passed event');

  process.kill(firstPid, 'SIGKILL');
  await until(() => provider.pid !== undefined && provider.pid !== firstPid && provider.status === 'running', 'the provider to be restarted');
  assert.ok(logs.some((l) => /exited unexpectedly \(signal SIGKILL\)/.test(l.text)));
  // the link came back with HostData: the restarted process serves the actor at once
  assert.equal(text(await host.call(actor.id, 'Run', say)), `echo: hi from ${provider.pid}`);
  assert.deepEqual(decode(await host.call(actor.id, 'Run', hostCallPayload('default', ECHO_CONTRACT, 'Echo.Links'))), [actor.id]);

  const secondPid = provider.pid!;
  await host.stopProvider(desc.id, 'default');
  await until(() => !alive(secondPid), 'the provider process to exit after shutdown');
  assert.ok(!logs.some((l) => l.text.includes('did not exit within')), 'it exited on .shutdown, without SIGKILL');
  await host.stopActor(actor.id).catch(() => undefined);
});

test('bad providers are reported clearly and the host goes on', async () => {
  // exits at once: the start fails with its output
  const crashing = packProvider(CRASHING_PROVIDER, 'crasher');
  await assert.rejects(async () => host.startProvider(await source.open(crashing.path, 'default')),
    (e: Error) => /exited \(3\) before it answered/.test(e.message) && /crashing on purpose/.test(e.message));
  // never answers health checks
  const silent = packProvider(SILENT_PROVIDER, 'silent');
  const quick = archives({ supervision: { ...fast, readyTimeoutMs: 1500 } });
  await assert.rejects(async () => host.startProvider(await quick.open(silent.path, 'default')),
    (e) => isStratusError(e, 'TIMEOUT') && /did not answer a health check/.test(e.message));
  // a binary changed after signing
  const tampered = packProvider(ECHO_PROVIDER, 'tampered');
  const tar = gunzipSync(readFileSync(tampered.path));
  const at = tar.indexOf(Buffer.from('echo: '));
  tar[at] = 'E'.charCodeAt(0);
  // recompute the tar header checksum of the changed entry is not needed: data blocks are not checksummed
  writeFileSync(tampered.path, gzipSync(tar));
  await assert.rejects(() => source.open(tampered.path, 'default'), (e) => isStratusError(e, 'HASH_MISMATCH'));
  // an issuer not allowed
  const strict = new ArchiveProviderSource({ lattice: () => undefined, trustedIssuers: [crashing.issuer.publicKey] });
  await assert.rejects(() => strict.open(silent.path, 'default'), (e) => isStratusError(e, 'UNTRUSTED_ISSUER'));
  // no lattice: a clear refusal
  const alone = new ArchiveProviderSource({ lattice: () => undefined });
  await assert.rejects(async () => host.startProvider(await alone.open(silent.path, 'default')), (e) => isStratusError(e, 'BAD_REQUEST') && /in no lattice/.test(e.message));

  // the host still serves a good provider
  const good = packProvider(ECHO_PROVIDER, 'good');
  const p = await source.open(good.path, 'default');
  await host.startProvider(p);
  const actor = await host.startActor(await signedFixture('hostcall', { name: 'caller2', caps: [ECHO_CONTRACT] }));
  await host.putLink({ actor_id: actor.id, provider_id: p.id, contract_id: ECHO_CONTRACT, link_name: 'default', values: {} });
  await until(() => logs.some((l) => l.text.includes(`linked actor ${actor.id}`)), 'the link');
  assert.match(text(await host.call(actor.id, 'Run', hostCallPayload('default', ECHO_CONTRACT, 'Echo.Say', utf8('still')))), /^echo: still from \d+$/);
  await host.stopProvider(p.id, 'default');
});

test('a provider that keeps dying after start is restarted with backoff, then reported failed', async () => {
  // starts fine, then dies whenever asked anything: a script that exits after its first health answer
  const packed = packProvider(ECHO_PROVIDER, 'dier');
  const p = await source.open(packed.path, 'default') as ProcessProvider;
  await host.startProvider(p);
  for (let i = 0; i <= fast.maxRestarts; i++) {
    const pid = p.pid;
    if (pid === undefined) break;
    process.kill(pid, 'SIGKILL');
    await until(() => p.status === 'failed' || (p.pid !== undefined && p.pid !== pid && p.status === 'running'), 'a restart or the failure');
  }
  assert.equal(p.status, 'failed');
  const h = await host.providerHealth(p.id, 'default');
  assert.equal(h?.healthy, false);
  assert.match(h!.message!, /gave up after 2 restarts in a row/);
  assert.ok(logs.some((l) => l.level === 'error' && /gave up after 2 restarts/.test(l.text)));
  await host.stopProvider(p.id, 'default');
});

test('a provider that stops answering health checks is reported (health_check_failed) and again when it answers', async () => {
  const packed = packProvider(ECHO_PROVIDER, 'frozen');
  const p = await source.open(packed.path, 'default') as ProcessProvider;
  const seen: { type: string; message?: string }[] = [];
  const offs = [
    host.events.on('health_check_passed', (e) => { if (e.public_key === p.id) seen.push({ type: 'passed' }); }),
    host.events.on('health_check_failed', (e) => { if (e.public_key === p.id) seen.push({ type: 'failed', message: e.message }); }),
  ];
  try {
    await host.startProvider(p);
    await until(() => seen.some((s) => s.type === 'passed'), 'a first passed check');
    const pid = p.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      await until(() => seen.some((s) => s.type === 'failed'), 'a failed check while it is frozen', 20_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.match(seen.find((s) => s.type === 'failed')!.message!, /did not answer its health check/);
    await until(() => seen.filter((s) => s.type === 'passed').length >= 2, 'a passed check once it answers again', 20_000);
    assert.equal(p.pid, pid, 'a failed health check does not restart the process');
  } finally {
    for (const off of offs) off();
    await host.stopProvider(p.id, 'default');
  }
});
