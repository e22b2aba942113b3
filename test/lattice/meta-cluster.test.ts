// tier: full — starts a three-server nats-server cluster
// The lattice bucket with three replicas on a real three-server NATS cluster: losing a server
// (the bucket's stream leader, killed) loses no link; a new link can still be put, and it still
// reaches the other host; a host joining afterwards gets every link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { until } from '../support/fixtures.js';
import { MemoryKv } from '../support/fixtures-provider.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { cleanupDirs, latticeConfig, member, rawBucket, uniquePrefix, type Member } from './meta-support.js';

let cluster: NatsCluster;
before(async () => { cluster = await startNatsCluster(); });
after(async () => { await cluster?.dispose(); cleanupDirs(); });

/** Put a link, retrying while the cluster elects a new leader (a put may time out meanwhile). */
async function putEventually(m: Member, link: Parameters<Member['host']['putLink']>[0]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await m.host.putLink(link);
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

test('replicas 3: killing the stream leader loses no link; a new link can be put and reaches the other host; a host joining later gets all', async (t) => {
  const prefix = uniquePrefix('r3');
  const config = latticeConfig(cluster.urls[0]!, prefix, { rpcServers: cluster.urls, ctlServers: cluster.urls, dataReplicas: 3 });
  const a = await member(config);
  const b = await member(config);
  const kvB = new MemoryKv();
  await b.host.startProvider(kvB);
  const members = [a, b];
  try {
    const actors = Array.from({ length: 5 }, () => createKeyPair('module').publicKey);
    for (const actor of actors) await a.host.putLink({ actor_id: actor, provider_id: kvB.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: {} });
    await until(() => kvB.linkPuts.length === 5, 'B\'s provider to get the five links');

    const raw = await rawBucket(cluster.urls, prefix);
    const info = await raw.jsm.streams.info(`KV_LATTICEDATA_${prefix}`);
    await raw.close();
    assert.equal(info.config.num_replicas, 3);
    const leader = cluster.servers.find((s) => s.name === info.cluster?.leader);
    assert.ok(leader, `the stream has a leader among the servers (${info.cluster?.leader})`);
    await leader.kill();

    for (const m of members) assert.equal(m.host.links().length, 5, 'every host still has every link');
    const survivors = cluster.servers.filter((s) => s.running()).map((s) => s.url);
    assert.equal(survivors.length, 2);

    const late = createKeyPair('module').publicKey;
    await putEventually(a, { actor_id: late, provider_id: kvB.id, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: { after: 'kill' } });
    await until(() => kvB.linkPuts.some((l) => l.actor_id === late), 'the new link to reach B\'s provider', 30_000);
    // how B's watch came back: a reconnect (B was on the killed server), its stall check, or nats.js
    t.diagnostic(`B: ${JSON.stringify(b.logs.filter((l) => l.level !== 'info' || /afresh|reconnected/.test(l.text)).map((l) => l.text))}`);

    const c = await member({ ...config, rpcServers: survivors, ctlServers: survivors });
    members.push(c);
    assert.deepEqual(c.host.links().map((l) => l.actor_id).sort(), [...actors, late].sort(), 'a host joining now gets all six');
  } finally {
    for (const m of members) await m.stop();
  }
});

test('a host joining while the bucket has no quorum (two of three servers down) waits, and joins with every link once a server is back', async () => {
  await cluster.heal();
  const prefix = uniquePrefix('quorum');
  const config = latticeConfig(cluster.urls[0]!, prefix, { rpcServers: cluster.urls, ctlServers: cluster.urls, dataReplicas: 3 });
  const a = await member(config);
  const members: Member[] = [a];
  try {
    const actor = createKeyPair('module').publicKey;
    await a.host.putLink({ actor_id: actor, provider_id: createKeyPair('service').publicKey, contract_id: 'wasmcloud:keyvalue', link_name: 'default', values: {} });
    const [down1, down2, up] = cluster.servers;
    await down1!.kill();
    await down2!.kill();
    const joining = member({ ...config, rpcServers: [up!.url], ctlServers: [up!.url] });
    let settled = false;
    joining.then(() => { settled = true; }, () => { settled = true; });
    // longer than one JetStream request's deadline (5 s): the first attempts time out
    await new Promise((r) => setTimeout(r, 7000));
    assert.equal(settled, false, 'still waiting for JetStream, not failed');
    await down1!.restart();
    const late = await joining;
    members.push(late);
    assert.deepEqual(late.host.links().map((l) => l.actor_id), [actor]);
    assert.ok(late.logs.some((l) => l.level === 'warn' && /JetStream/.test(l.text)), 'the wait is said in the log');
  } finally {
    for (const m of members) await m.stop();
  }
});
