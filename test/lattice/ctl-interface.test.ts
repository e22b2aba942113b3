// tier: full — starts nats-server
// The control interface as a raw NATS client sees it: the exact JSON of reference §4.8 written by
// hand, sent to Stratus hosts (Host + HostController in this process, joined through the control
// components), replies checked field by field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';
import { builtinProvider } from '../../src/providers/registry.js';
import {
  collect, echoActorFile, rawClient, requestText, startMember, startNats, until, watchEvents,
  type EventLog, type Member, type RunningServer,
} from './ctl-support.js';

const OK = '{"accepted":true,"error":""}';
const P = 'wasmbus.ctl.default';
const HTTP = builtinProvider('httpserver')!;

let nats: RunningServer;
let a: Member, b: Member;
let nc: NatsConnection;
let ev: EventLog;
let dir: string;

before(async () => {
  nats = await startNats();
  a = await startMember(nats.url, { labels: { zone: 'east' } });
  b = await startMember(nats.url, { labels: { zone: 'west' } });
  nc = await rawClient(nats.url);
  ev = await watchEvents(nc);
  dir = mkdtempSync(join(tmpdir(), 'st-lctl-mod-'));
});

after(async () => {
  ev.close();
  await nc.close();
  await a.stop();
  await b.stop();
  await nats.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const inv = async (m: Member) => JSON.parse(await requestText(nc, `${P}.get.${m.host.id}.inv`, ''));

test('ping.hosts: every host answers once with wasmCloud\'s Host fields', async () => {
  const replies = (await collect(nc, `${P}.ping.hosts`, '')).map((m) => JSON.parse(m.string()));
  assert.equal(replies.length, 2);
  for (const m of [a, b]) {
    const r = replies.find((x) => x.id === m.host.id);
    assert.ok(r, `host ${m.host.id} answered`);
    assert.deepEqual(Object.keys(r).sort(), ['cluster_issuers', 'ctl_host', 'friendly_name', 'id', 'issuer', 'js_domain', 'labels', 'lattice_prefix',
      'prov_rpc_host', 'rpc_host', 'uptime_human', 'uptime_seconds', 'version'].sort());
    assert.equal(r.issuer, m.ctx.clusterKey.publicKey);
    assert.match(r.issuer, /^C[A-Z2-7]{55}$/);
    assert.deepEqual(r.labels, m.ctx.config.labels);
    assert.equal(r.cluster_issuers, m.ctx.config.clusterIssuers.join(','));
    assert.equal(r.js_domain, null);
    assert.equal(r.lattice_prefix, 'default');
    assert.equal(r.ctl_host, nats.url);
    assert.equal(r.rpc_host, nats.url);
    assert.ok(Number.isInteger(r.uptime_seconds) && r.uptime_seconds >= 0);
    assert.equal(typeof r.uptime_human, 'string');
    assert.match(r.friendly_name, /^[a-z]+-[a-z]+-\d+$/);
    assert.equal(typeof r.version, 'string');
  }
});

test('inventory, launch actor from file:// (actor_started), instances with annotations, scale, stop', async () => {
  const empty = await inv(a);
  assert.deepEqual(Object.keys(empty).sort(), ['actors', 'friendly_name', 'host_id', 'issuer', 'labels', 'providers']);
  assert.equal(empty.host_id, a.host.id);
  assert.equal(empty.issuer, a.ctx.clusterKey.publicKey);
  assert.deepEqual(empty.labels, a.ctx.config.labels);
  assert.deepEqual(empty.actors, []);
  assert.deepEqual(empty.providers, []);

  const { path, id } = await echoActorFile(dir, 'echo');
  const ref = `file://${path}`;
  const launched = await requestText(nc, `${P}.cmd.${a.host.id}.la`, `{"actor_ref":"${ref}","count":1,"host_id":"${a.host.id}","annotations":{"app":"one"}}`);
  assert.equal(launched, OK);
  const started = await ev.next((e) => e.type === 'com.wasmcloud.lattice.actor_started' && e.data.public_key === id, 'actor_started');
  assert.equal(started.source, a.host.id);
  assert.equal(started.data.image_ref, ref);
  assert.deepEqual(started.data.annotations, { app: 'one' });
  assert.equal(started.data.claims.name, 'echo');
  assert.deepEqual(Object.keys(started.data.claims).sort(), ['call_alias', 'caps', 'expires_human', 'issuer', 'name', 'not_before_human', 'revision', 'tags', 'version']);

  const one = await inv(a);
  assert.equal(one.actors.length, 1);
  assert.deepEqual(Object.keys(one.actors[0]).sort(), ['id', 'image_ref', 'instances', 'name']);
  assert.equal(one.actors[0].id, id);
  assert.equal(one.actors[0].image_ref, ref);
  assert.equal(one.actors[0].name, 'echo');
  assert.equal(one.actors[0].instances.length, 1);
  assert.deepEqual(Object.keys(one.actors[0].instances[0]).sort(), ['annotations', 'instance_id', 'revision']);
  assert.deepEqual(one.actors[0].instances[0].annotations, { app: 'one' });
  assert.match(one.actors[0].instances[0].instance_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(one.actors[0].instances[0].revision, 0);
  assert.deepEqual((await inv(b)).actors, [], 'the other host runs nothing');

  // two more instances with other annotations: launches add instances, as in wasmCloud
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.la`, `{"actor_ref":"${ref}","count":2,"annotations":{"app":"two"}}`), OK);
  await until(async () => (await inv(a)).actors[0]?.instances.length === 3, 'three instances');
  const tags = (await inv(a)).actors[0].instances.map((i: any) => i.annotations.app).sort();
  assert.deepEqual(tags, ['one', 'two', 'two']);

  // stop one instance carrying app=two: only those are candidates
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.sa`, `{"actor_ref":"${id}","count":1,"host_id":"${a.host.id}","annotations":{"app":"two"}}`), OK);
  assert.deepEqual((await inv(a)).actors[0].instances.map((i: any) => i.annotations.app).sort(), ['one', 'two']);
  assert.equal(a.host.inventory().actors[0]!.count, 2);
  const none = JSON.parse(await requestText(nc, `${P}.cmd.${a.host.id}.sa`, `{"actor_ref":"${id}","count":1,"annotations":{"app":"three"}}`));
  assert.equal(none.accepted, false);
  assert.match(none.error, /no instance of actor .* has the annotations \{"app":"three"\}/);

  // scale without annotations sets the actor's total on the host
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.scale`, `{"actor_id":"${id}","actor_ref":"${ref}","count":4,"host_id":"${a.host.id}"}`), OK);
  await until(() => a.host.inventory().actors[0]?.count === 4, 'four instances');
  assert.deepEqual((await inv(a)).actors[0].instances.map((i: any) => i.annotations.app ?? '-').sort(), ['-', '-', 'one', 'two']);

  // count 0 stops every instance
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.sa`, `{"actor_ref":"${id}","count":0,"host_id":"${a.host.id}"}`), OK);
  await ev.next((e) => e.type === 'com.wasmcloud.lattice.actor_stopped' && e.data.public_key === id, 'actor_stopped');
  assert.deepEqual((await inv(a)).actors, []);
  const gone = JSON.parse(await requestText(nc, `${P}.cmd.${a.host.id}.sa`, `{"actor_ref":"${id}","count":0}`));
  assert.deepEqual(gone, { accepted: false, error: `actor ${id} is not running on host ${a.host.id}` });
});

test('a launch that fails is acknowledged, then reported as actor_start_failed', async () => {
  const ref = `file://${join(dir, 'missing_s.wasm')}`;
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.la`, `{"actor_ref":"${ref}","count":1,"host_id":"${a.host.id}"}`), OK);
  const failed = await ev.next((e) => e.type === 'com.wasmcloud.lattice.actor_start_failed' && e.data.actor_ref === ref, 'actor_start_failed');
  assert.equal(failed.source, a.host.id);
  assert.match(failed.data.error, /missing_s\.wasm/);
  // a registry reference is pulled in the background: one nobody serves fails the same way, naming it
  const unreachable = '127.0.0.1:1/echo:0.3.4';
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.la`, `{"actor_ref":"${unreachable}","count":1}`), OK);
  const pullFailed = await ev.next((e) => e.type === 'com.wasmcloud.lattice.actor_start_failed' && e.data.actor_ref === unreachable, 'actor_start_failed');
  assert.match(pullFailed.data.error, /127\.0\.0\.1:1/);
});

test('launch provider (provider_started), a second launch refused, stop provider', async () => {
  assert.equal(await requestText(nc, `${P}.cmd.${b.host.id}.lp`, `{"provider_ref":"httpserver","link_name":"default","host_id":"${b.host.id}"}`), OK);
  const started = await ev.next((e) => e.type === 'com.wasmcloud.lattice.provider_started' && e.source === b.host.id, 'provider_started');
  assert.equal(started.data.public_key, HTTP.id);
  assert.equal(started.data.image_ref, 'httpserver');
  assert.equal(started.data.link_name, 'default');
  assert.equal(started.data.contract_id, 'wasmcloud:httpserver');
  const provs = (await inv(b)).providers;
  assert.equal(provs.length, 1);
  assert.deepEqual(Object.keys(provs[0]).sort(), ['annotations', 'contract_id', 'id', 'image_ref', 'instance_id', 'link_name', 'name', 'revision']);
  assert.deepEqual({ ...provs[0], instance_id: '' }, {
    id: HTTP.id, image_ref: 'httpserver', contract_id: 'wasmcloud:httpserver', link_name: 'default', name: 'httpserver', instance_id: '', annotations: {}, revision: 0,
  });

  const again = JSON.parse(await requestText(nc, `${P}.cmd.${b.host.id}.lp`, '{"provider_ref":"httpserver","link_name":"default"}'));
  assert.equal(again.accepted, false);
  assert.match(again.error, /^Provider with that link name is already running on this host/);
  await ev.next((e) => e.type === 'com.wasmcloud.lattice.provider_start_failed' && e.data.provider_ref === 'httpserver', 'provider_start_failed');

  // provider auction: only hosts that match and do not run it yet bid
  const bids = (await collect(nc, `${P}.auction.provider`, '{"provider_ref":"httpserver","link_name":"default","constraints":{}}')).map((m) => JSON.parse(m.string()));
  assert.deepEqual(bids, [{ provider_ref: 'httpserver', link_name: 'default', constraints: {}, host_id: a.host.id }]);
  assert.deepEqual(await collect(nc, `${P}.auction.provider`, '{"provider_ref":"httpserver","link_name":"default","constraints":{"zone":"west"}}'), []);

  assert.equal(await requestText(nc, `${P}.cmd.${b.host.id}.sp`, `{"provider_ref":"${HTTP.id}","link_name":"default","contract_id":"wasmcloud:httpserver","host_id":"${b.host.id}"}`), OK);
  await ev.next((e) => e.type === 'com.wasmcloud.lattice.provider_stopped' && e.source === b.host.id, 'provider_stopped');
  assert.deepEqual((await inv(b)).providers, []);
  // wasmCloud's published id for its httpserver starts ours under that id, as wash users expect
  const WC_HTTPSERVER = 'VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M';
  assert.equal(await requestText(nc, `${P}.cmd.${b.host.id}.lp`, `{"provider_ref":"${WC_HTTPSERVER}","link_name":"default","host_id":"${b.host.id}"}`), OK);
  const wc = await ev.next((e) => e.type === 'com.wasmcloud.lattice.provider_started' && e.source === b.host.id && e.data.public_key === WC_HTTPSERVER, 'provider_started (published id)');
  assert.equal(wc.data.contract_id, 'wasmcloud:httpserver');
  assert.deepEqual((await inv(b)).providers.map((x: { id: string }) => x.id), [WC_HTTPSERVER]);
  assert.equal(await requestText(nc, `${P}.cmd.${b.host.id}.sp`, `{"provider_ref":"${WC_HTTPSERVER}","link_name":"default","contract_id":"wasmcloud:httpserver","host_id":"${b.host.id}"}`), OK);
  await ev.next((e) => e.type === 'com.wasmcloud.lattice.provider_stopped' && e.source === b.host.id && e.data.public_key === WC_HTTPSERVER, 'provider_stopped (published id)');
  assert.deepEqual((await inv(b)).providers, []);
});

test('actor auction: hosts whose labels include the constraints bid', async () => {
  const { path } = await echoActorFile(dir, 'bidder');
  const ref = `file://${path}`;
  const east = (await collect(nc, `${P}.auction.actor`, `{"actor_ref":"${ref}","constraints":{"zone":"east"}}`)).map((m) => JSON.parse(m.string()));
  assert.deepEqual(east, [{ actor_ref: ref, constraints: { zone: 'east' }, host_id: a.host.id }]);
  assert.deepEqual(await collect(nc, `${P}.auction.actor`, `{"actor_ref":"${ref}","constraints":{"zone":"north"}}`), []);
  const any = (await collect(nc, `${P}.auction.actor`, `{"actor_ref":"${ref}","constraints":{}}`)).map((m) => JSON.parse(m.string()).host_id).sort();
  assert.deepEqual(any, [a.host.id, b.host.id].sort());
  // a module no host can load wins no auction
  assert.deepEqual(await collect(nc, `${P}.auction.actor`, `{"actor_ref":"file://${join(dir, 'nowhere.wasm')}","constraints":{}}`), []);
});

test('linkdefs.put / get.links / linkdefs.del through the queue group; registries.put', async () => {
  // one member alone on its own lattice: links live in each host's store until the metadata
  // component shares them, so the answering host must be the one that stored it
  const solo = await startMember(nats.url, { prefix: 'solo' });
  try {
    const S = 'wasmbus.ctl.solo';
    const { id } = await echoActorFile(dir, 'linked');
    const put = `{"actor_id":"${id}","provider_id":"${HTTP.id}","contract_id":"wasmcloud:httpserver","link_name":"default","values":{"port":"0"},"id":""}`;
    assert.equal(await requestText(nc, `${S}.linkdefs.put`, put), OK);
    const links = JSON.parse(await requestText(nc, `${S}.get.links`, ''));
    assert.deepEqual(links, { links: [{ id: linkDefinitionId(id, 'wasmcloud:httpserver', 'default'), actor_id: id, provider_id: HTTP.id, link_name: 'default', contract_id: 'wasmcloud:httpserver', values: { port: '0' } }] });
    // wash's remove_link sends a whole LinkDefinition with only the key fields filled
    assert.equal(await requestText(nc, `${S}.linkdefs.del`, `{"actor_id":"${id}","provider_id":"","contract_id":"wasmcloud:httpserver","link_name":"default","values":{}}`), OK);
    assert.deepEqual(JSON.parse(await requestText(nc, `${S}.get.links`, '')), { links: [] });
    assert.equal(await requestText(nc, `${S}.registries.put`, '{"registry.example.com":{"registryType":"oci","username":"u","password":"p"}}'), OK);
    const claims = JSON.parse(await requestText(nc, `${S}.get.claims`, ''));
    assert.deepEqual(claims, { claims: [] });
  } finally {
    await solo.stop();
  }
});

test('get.claims lists the running actors in the CLAIMS_ shape (every value a string)', async () => {
  const { path, id } = await echoActorFile(dir, 'claimed', { caps: ['wasmcloud:httpserver'], rev: 3, ver: '1.2.0', callAlias: 'claimed/one' });
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.la`, `{"actor_ref":"file://${path}","count":1}`), OK);
  await until(() => a.host.inventory().actors.some((x) => x.id === id), 'actor running');
  // the queue group picks one host; only the host running it knows its claims (no shared bucket here)
  let c: any;
  await until(async () => {
    c = JSON.parse(await requestText(nc, `${P}.get.claims`, '')).claims.find((x: any) => x.sub === id);
    return c !== undefined;
  }, 'claims from the host running the actor');
  assert.deepEqual(c, { call_alias: 'claimed/one', iss: c.iss, name: 'claimed', caps: 'wasmcloud:httpserver', rev: '3', tags: '', version: '1.2.0', sub: id, contract_id: '' });
  assert.match(c.iss, /^A[A-Z2-7]{55}$/);
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.sa`, `{"actor_ref":"${id}","count":0}`), OK);
});

test('live update: a higher revision takes over while calls keep arriving; none is dropped', async () => {
  const seed = (await import('../../src/claims/nkeys.js')).createKeyPair('module').seed;
  const v1 = await echoActorFile(dir, 'live1', { subject: seed, rev: 1 });
  const v2 = await echoActorFile(dir, 'live2', { subject: seed, rev: 2 });
  const v0 = await echoActorFile(dir, 'live0', { subject: seed, rev: 1 });
  assert.equal(v1.id, v2.id);
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.la`, `{"actor_ref":"file://${v1.path}","count":2}`), OK);
  await until(() => a.host.inventory().actors.some((x) => x.id === v1.id), 'v1 running');

  let calls = 0, failures: string[] = [], running = true;
  const load = (async () => {
    while (running) {
      const batch = Array.from({ length: 8 }, (_, i) => a.host.call(v1.id, 'Echo', new TextEncoder().encode(`x${i}`))
        .then(() => { calls++; }, (e) => { failures.push((e as Error).message); }));
      await Promise.all(batch);
      // inline calls can finish without leaving the microtask queue: let I/O in between batches
      await new Promise((r) => setImmediate(r));
    }
  })();
  await until(() => calls > 50, 'calls before the update');
  const upd = await requestText(nc, `${P}.cmd.${a.host.id}.upd`, `{"actor_id":"${v1.id}","new_actor_ref":"file://${v2.path}","host_id":"${a.host.id}"}`);
  assert.equal(upd, OK);
  const atUpdate = calls;
  await until(() => calls > atUpdate + 50, 'calls after the update');
  running = false;
  await load;
  assert.deepEqual(failures, []);
  const updated = await ev.next((e) => e.type === 'com.wasmcloud.lattice.actor_updated' && e.data.public_key === v1.id, 'actor_updated');
  assert.equal(updated.data.revision, 2);
  const actor = (await inv(a)).actors.find((x: any) => x.id === v1.id);
  assert.equal(actor.instances.length, 2);
  assert.ok(actor.instances.every((i: any) => i.revision === 2));
  assert.equal(actor.image_ref, `file://${v2.path}`);

  // the same revision again is refused, and says why
  const same = JSON.parse(await requestText(nc, `${P}.cmd.${a.host.id}.upd`, `{"actor_id":"${v1.id}","new_actor_ref":"file://${v0.path}"}`));
  assert.equal(same.accepted, false);
  assert.match(same.error, /revision 1, not higher than the running revision 2/);
  await ev.next((e) => e.type === 'com.wasmcloud.lattice.actor_update_failed' && e.data.public_key === v1.id, 'actor_update_failed');
  assert.equal(await requestText(nc, `${P}.cmd.${a.host.id}.sa`, `{"actor_ref":"${v1.id}","count":0}`), OK);
});

test('stop host: acknowledged, then host_stopped, and the host no longer answers pings', async () => {
  const c = await startMember(nats.url, { labels: { zone: 'south' } });
  assert.equal(await requestText(nc, `${P}.cmd.${c.host.id}.stop`, `{"host_id":"${c.host.id}","timeout":500}`), OK);
  const stopped = await ev.next((e) => e.type === 'com.wasmcloud.lattice.host_stopped' && e.source === c.host.id, 'host_stopped');
  assert.deepEqual(stopped.data, { labels: c.ctx.config.labels });
  await c.stopped;
  const ids = (await collect(nc, `${P}.ping.hosts`, '')).map((m) => JSON.parse(m.string()).id).sort();
  assert.deepEqual(ids, [a.host.id, b.host.id].sort());
});
