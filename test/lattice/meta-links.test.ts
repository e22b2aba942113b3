// tier: full — starts nats-server
// Links in the LATTICEDATA bucket (reference §4.7) with a real nats-server -js: the bucket is made
// as OTP makes it; a link wash writes straight into the bucket (no id) reaches a running host's
// provider; a link put on one host is seen by another; links outlive a host; deletes purge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startNats, type RunningServer } from '../support/servers.js';
import { until } from '../support/fixtures.js';
import { MemoryKv } from '../support/fixtures-provider.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';
import { cleanupDirs, latticeConfig, member, rawBucket, uniquePrefix } from './meta-support.js';

let nats: RunningServer;
before(async () => { nats = await startNats(); });
after(async () => { await nats?.dispose(); cleanupDirs(); });

const actorKey = () => createKeyPair('module').publicKey;

test('the bucket is created with the stream configuration OTP uses (history 1, file, rollups, no deletes, direct gets, 120 s duplicate window)', async () => {
  const prefix = uniquePrefix('cfg');
  const m = await member(latticeConfig(nats.url, prefix));
  const raw = await rawBucket(nats.url, prefix);
  try {
    const info = await raw.jsm.streams.info(`KV_LATTICEDATA_${prefix}`);
    assert.deepEqual(info.config.subjects, [`$KV.LATTICEDATA_${prefix}.>`]);
    assert.equal(info.config.max_msgs_per_subject, 1);
    assert.equal(info.config.storage, 'file');
    assert.equal(info.config.allow_rollup_hdrs, true);
    assert.equal(info.config.deny_delete, true);
    assert.equal(info.config.allow_direct, true);
    assert.equal(info.config.duplicate_window, 120_000_000_000);
    assert.equal(info.config.num_replicas, 1);
  } finally {
    await raw.close();
    await m.stop();
  }
});

test('a link wash writes straight into the bucket (no id, empty id, or an old random key) reaches the running host\'s provider and shows active; a wash delete withdraws it', async () => {
  const prefix = uniquePrefix('wash');
  const m = await member(latticeConfig(nats.url, prefix));
  const kvp = new MemoryKv();
  await m.host.startProvider(kvp);
  const raw = await rawBucket(nats.url, prefix);
  try {
    const a1 = actorKey(), a2 = actorKey(), a3 = actorKey();
    const id1 = linkDefinitionId(a1, 'wasmcloud:keyvalue', 'default');
    // control-interface kv.rs put_link: key LINKDEF_{hash}, serde JSON of LinkDefinition
    await raw.kv.put(`LINKDEF_${id1}`, JSON.stringify({ actor_id: a1, provider_id: kvp.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: { bucket: 'b1' } }));
    await raw.kv.put(`LINKDEF_${linkDefinitionId(a2, 'wasmcloud:keyvalue', 'default')}`, JSON.stringify({ id: '', actor_id: a2, provider_id: kvp.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: {} }));
    // control-interface before the hash keys: a random uuid key and id
    const legacyKey = `LINKDEF_${randomUUID()}`;
    await raw.kv.put(legacyKey, JSON.stringify({ id: randomUUID(), actor_id: a3, provider_id: kvp.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: { PORT: '1' } }));

    await until(() => kvp.linkPuts.length === 3, 'the provider to get the three links');
    const ids = [a1, a2, a3].map((a) => linkDefinitionId(a, 'wasmcloud:keyvalue', 'default'));
    assert.deepEqual(kvp.linkPuts.map((l) => l.id).sort(), [...ids].sort(), 'every link carries the id hosts compute');
    assert.deepEqual(kvp.linkPuts.find((l) => l.actor_id === a1)!.values, { bucket: 'b1' });
    await until(() => m.host.links().length === 3 && m.host.links().every((l) => l.status.state === 'active'), 'three active links');

    // wash deletes with KV-Operation DEL (kv.rs delete_link)
    await raw.kv.delete(`LINKDEF_${id1}`);
    await raw.kv.delete(legacyKey);
    await until(() => kvp.linkDeletes.length === 2, 'the provider to be told of both deletes');
    assert.deepEqual(kvp.linkDeletes.map((l) => l.actor_id).sort(), [a1, a3].sort());
    assert.deepEqual(m.host.links().map((l) => l.actor_id), [a2]);
  } finally {
    await raw.close();
    await m.stop();
  }
});

test('an entry that is not a link is ignored with a warning and the watch goes on', async () => {
  const prefix = uniquePrefix('junk');
  const m = await member(latticeConfig(nats.url, prefix));
  const raw = await rawBucket(nats.url, prefix);
  try {
    await raw.kv.put('LINKDEF_JUNK', '{"actor_id": 5');
    await raw.kv.put('LINKDEF_HALF', JSON.stringify({ actor_id: actorKey(), contract_id: 'wasmcloud:keyvalue' }));
    const a = actorKey();
    await raw.kv.put(`LINKDEF_${linkDefinitionId(a, 'wasmcloud:keyvalue', 'default')}`, JSON.stringify({ actor_id: a, provider_id: createKeyPair('service').publicKey, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: {} }));
    await until(() => m.host.links().length === 1, 'the valid link');
    assert.equal(m.host.links()[0]!.actor_id, a);
    assert.ok(m.logs.some((l) => l.level === 'warn' && l.text.includes('LINKDEF_JUNK') && l.text.includes('not JSON')), 'the junk entry is named in the log');
    assert.ok(m.logs.some((l) => l.level === 'warn' && l.text.includes('LINKDEF_HALF') && l.text.includes('provider_id')), 'the incomplete entry says what is missing');
  } finally {
    await raw.close();
    await m.stop();
  }
});

test('a link put on host A is stored as OTP writes it, reaches host B\'s provider, and a delete on B purges it for both', async () => {
  const prefix = uniquePrefix('ab');
  const config = latticeConfig(nats.url, prefix);
  const a = await member(config);
  const b = await member(config);
  const kvB = new MemoryKv();
  await b.host.startProvider(kvB);
  const raw = await rawBucket(nats.url, prefix);
  try {
    const actor = actorKey();
    const put = await a.host.putLink({ actor_id: actor, provider_id: kvB.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: { z: '1', a: '2' } });
    assert.equal(put.status.state, 'pending', 'the provider does not run on A');
    const id = linkDefinitionId(actor, 'wasmcloud:keyvalue', 'default');
    assert.ok(a.host.links().some((l) => l.id === id), 'A has it once the put returns');

    const entry = await raw.kv.get(`LINKDEF_${id}`);
    assert.equal(entry?.operation, 'PUT');
    assert.equal(entry!.string(),
      `{"actor_id":"${actor}","contract_id":"wasmcloud:keyvalue","id":"${id}","link_name":"default","provider_id":"${kvB.id}","values":{"a":"2","z":"1"}}`);

    await until(() => kvB.linkPuts.some((l) => l.id === id), 'B\'s provider to get the link');
    await until(() => b.host.links().some((l) => l.id === id && l.status.state === 'active'), 'the link active on B');

    await b.host.deleteLink(actor, 'wasmcloud:keyvalue', 'default');
    assert.equal(b.host.links().length, 0, 'gone on B once the delete returns');
    await until(() => kvB.linkDeletes.some((l) => l.id === id), 'B\'s provider told of the delete');
    await until(() => a.host.links().length === 0, 'gone on A');
    const after = await raw.kv.get(`LINKDEF_${id}`);
    assert.equal(after?.operation, 'PURGE', 'deleted the way OTP deletes (KV-Operation PURGE)');
  } finally {
    await raw.close();
    await a.stop();
    await b.stop();
  }
});

test('links outlive a host: a host that joins again (new process state) gets every link back, and its provider gets them when it starts', async () => {
  const prefix = uniquePrefix('restart');
  const config = latticeConfig(nats.url, prefix);
  const first = await member(config);
  const kv1 = new MemoryKv();
  await first.host.startProvider(kv1);
  const actors = [actorKey(), actorKey()];
  for (const actor of actors) {
    await first.host.putLink({ actor_id: actor, provider_id: kv1.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: { n: actor.slice(0, 4) } });
  }
  await first.stop();

  const second = await member(config);
  try {
    assert.deepEqual(second.host.links().map((l) => l.actor_id).sort(), [...actors].sort(), 'the links are there before anything else happens');
    // the same provider (same id) started on the new host receives them
    const kv2 = Object.assign(new MemoryKv(), { id: kv1.id });
    await second.host.startProvider(kv2);
    assert.deepEqual(kv2.linkPuts.map((l) => l.actor_id).sort(), [...actors].sort());
    assert.ok(second.host.links().every((l) => l.status.state === 'active'));
  } finally {
    await second.stop();
  }
});

test('a bucket made by someone else (nats.js KV defaults, as wash\'s tests make it) is used as it is', async () => {
  const prefix = uniquePrefix('foreign');
  const { connect } = await import('@nats-io/transport-node');
  const { jetstream } = await import('@nats-io/jetstream');
  const { Kvm } = await import('@nats-io/kv');
  const nc = await connect({ servers: nats.url });
  const kv = await new Kvm(jetstream(nc)).create(`LATTICEDATA_${prefix}`);
  const actor = actorKey();
  await kv.put(`LINKDEF_${linkDefinitionId(actor, 'wasmcloud:httpserver', 'default')}`, JSON.stringify({ actor_id: actor, provider_id: createKeyPair('service').publicKey, link_name: 'default', contract_id: 'wasmcloud:httpserver', values: { PORT: '8080' } }));
  await nc.close();
  const m = await member(latticeConfig(nats.url, prefix));
  try {
    assert.deepEqual(m.host.links().map((l) => l.values), [{ PORT: '8080' }]);
  } finally {
    await m.stop();
  }
});

test('behind a JetStream domain (WASMCLOUD_JS_DOMAIN) the bucket is made, written and watched through the domain\'s API', async () => {
  const { startNatsWithConfig } = await import('./meta-support.js');
  const server = await startNatsWithConfig((port, store) => `listen: 127.0.0.1:${port}\njetstream { store_dir: "${store}", domain: hub }\n`);
  const prefix = uniquePrefix('domain');
  const a = await member(latticeConfig(server.url, prefix, { jsDomain: 'hub' }));
  const b = await member(latticeConfig(server.url, prefix, { jsDomain: 'hub' }));
  const kvB = new MemoryKv();
  await b.host.startProvider(kvB);
  try {
    const actor = actorKey();
    await a.host.putLink({ actor_id: actor, provider_id: kvB.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: {} });
    await until(() => kvB.linkPuts.some((l) => l.actor_id === actor), 'the link through the domain');
    await b.host.deleteLink(actor, 'wasmcloud:keyvalue', 'default');
    await until(() => a.host.links().length === 0, 'the purge through the domain');
    // a client of the domain (as wash with --js-domain) sees the bucket
    const { connect } = await import('@nats-io/transport-node');
    const { jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: server.url });
    const info = await (await jetstreamManager(nc, { domain: 'hub' })).streams.info(`KV_LATTICEDATA_${prefix}`);
    assert.equal(info.config.deny_delete, true);
    await nc.close();
  } finally {
    await a.stop();
    await b.stop();
    await server.dispose();
  }
});

test('a NATS server without JetStream, or none at all: joining is refused with a clear error', async () => {
  const { startNatsWithConfig } = await import('./meta-support.js');
  const { Lattice } = await import('../../src/lattice/lattice.js');
  const { isStratusError } = await import('../../src/core/errors.js');
  const { freePort } = await import('../support/servers.js');
  const plain = await startNatsWithConfig((port) => `listen: 127.0.0.1:${port}\n`);
  try {
    await assert.rejects(Lattice.connect(latticeConfig(plain.url, uniquePrefix('nojs')), { log: () => {} }), (e: unknown) => {
      assert.ok(isStratusError(e, 'HOST_UNREACHABLE'), String(e));
      assert.match((e as Error).message, /JetStream/);
      assert.match((e as Error).message, /nats-server -js/);
      return true;
    });
  } finally {
    await plain.dispose();
  }
  const nowhere = `nats://127.0.0.1:${await freePort()}`;
  await assert.rejects(Lattice.connect(latticeConfig(nowhere, 'x'), { log: () => {} }), (e: unknown) => {
    assert.ok(isStratusError(e, 'HOST_UNREACHABLE'), String(e));
    assert.match((e as Error).message, new RegExp(`could not connect to NATS for RPC at ${nowhere.replace(/[.]/g, '\\.')}`));
    assert.match((e as Error).message, /--nats-host\/--nats-port/);
    return true;
  });
});
