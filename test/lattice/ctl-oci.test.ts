// tier: full — starts nats-server and Debian's docker-registry
// Control commands that name an actor by OCI reference (issue 14 §3): the launch is pulled from a
// real registry by the host, the actor runs, an event names the reference, and the reference is
// mapped in the lattice bucket as wasmCloud maps it (`REFMAP_{base64url(ref)}` ->
// {oci_url, public_key}, reference §4.7) with a `refmap_set` event. An auction for an OCI
// reference gets a bid (any host can pull it); a reference without a registry host is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { pushArtifact } from '../../src/oci/push.js';
import { startRegistry, type TestRegistry } from '../oci/registry-server.js';
import { collect, echoActorFile, rawClient, requestText, startNats, until, watchEvents, type EventLog, type RunningServer } from './ctl-support.js';
import { cleanupDirs, latticeConfig, member, rawBucket, type Member } from './meta-support.js';
import { controlComponents } from '../../src/lattice/control/index.js';

const P = 'wasmbus.ctl.default';
const OK = '{"accepted":true,"error":""}';
let nats: RunningServer;
let reg: TestRegistry;
let a: Member;
let nc: NatsConnection;
let ev: EventLog;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'st-lctl-oci-'));
  reg = await startRegistry();
  // the host pulls with its own settings: this registry speaks plain HTTP, and the cache is ours
  process.env.WASMCLOUD_OCI_ALLOWED_INSECURE = reg.host;
  process.env.STRATUS_CACHE_DIR = join(dir, 'cache');
  nats = await startNats();
  // a real lattice member (bucket included), with no control plane: the host's own operations pull
  a = await member(latticeConfig(nats.url, 'default'), controlComponents());
  nc = await rawClient(nats.url);
  ev = await watchEvents(nc);
});

after(async () => {
  ev.close();
  await nc.close();
  await a.stop();
  await nats.dispose();
  await reg.dispose();
  cleanupDirs();
  rmSync(dir, { recursive: true, force: true });
});

test('launch actor by OCI reference: pulled, started, named in the event, mapped in REFMAP_ with refmap_set', async () => {
  const { path, id } = await echoActorFile(dir, 'ociecho');
  const ref = `${reg.host}/stratus/ociecho:0.1.0`;
  await pushArtifact(ref, readFileSync(path), { insecure: true, env: {}, cacheDir: join(dir, 'push-cache') });

  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.la`, JSON.stringify({ actor_ref: ref, count: 1, host_id: a.host.id })), OK);
  const started = await ev.next((e) => e.type === 'com.wasmcloud.lattice.actor_started' && e.data.public_key === id, 'actor_started');
  assert.equal(started.data.image_ref, ref);
  const mapped = await ev.next((e) => e.type === 'com.wasmcloud.lattice.refmap_set', 'refmap_set');
  assert.deepEqual(mapped.data, { oci_url: ref, public_key: id });

  const bucket = await rawBucket(nats.url, 'default');
  try {
    const key = `REFMAP_${Buffer.from(ref).toString('base64url')}`;
    let entry: unknown;
    await until(async () => { const e = await bucket.kv.get(key); entry = e ? e.json() : undefined; return entry !== undefined; }, `${key} in the bucket`);
    assert.deepEqual(entry, { oci_url: ref, public_key: id });
  } finally {
    await bucket.close();
  }
  await until(() => a.host.inventory().actors.some((x) => x.id === id), 'the actor runs');
  assert.equal(new TextDecoder().decode(await a.host.call(id, 'Echo.Say', new TextEncoder().encode('hi'))), 'hi');
});

test('an auction for an OCI reference gets a bid; a bare word is refused with what to write instead', async () => {
  const ref = `${reg.host}/stratus/ociecho:0.1.0`;
  const bids = (await collect(nc, `${P}.auction.actor`, JSON.stringify({ actor_ref: ref, constraints: {} }))).map((m) => JSON.parse(m.string()));
  assert.deepEqual(bids.map((b) => b.host_id), [a.host.id]);
  const refused = JSON.parse(await requestText(nc, `${P}.cmd.${a.host.id}.la`, JSON.stringify({ actor_ref: 'echo.wasm', count: 1, host_id: a.host.id })));
  assert.equal(refused.accepted, false);
  assert.match(refused.error, /neither a file:\/\/ reference nor an OCI reference with a registry host/);
});
