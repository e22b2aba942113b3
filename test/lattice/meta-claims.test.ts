// tier: full — starts nats-server
// CLAIMS_ entries (reference §4.7) with a real nats-server -js: written when an actor starts on a
// member, with OTP's exact JSON; kept when it stops (OTP never deletes them); actors already
// running when the host joins are published too; another member's directory resolves the actor
// by call alias and by key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNats, type RunningServer } from '../support/servers.js';
import { signedFixture, until } from '../support/fixtures.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { Host } from '../../src/host/host.js';
import { Lattice } from '../../src/lattice/lattice.js';
import { cleanupDirs, latticeConfig, member, rawBucket, uniquePrefix } from './meta-support.js';
import { latticeClaims } from '../../src/lattice/control/lattice-claims.js';
import type { LatticeContext } from '../../src/lattice/types.js';

let nats: RunningServer;
before(async () => { nats = await startNats(); });
after(async () => { await nats?.dispose(); cleanupDirs(); });

test('an actor started on a member is published as CLAIMS_{key} with OTP\'s JSON; another member resolves it by call alias and key; stopping it keeps the entry', async () => {
  const prefix = uniquePrefix('claims');
  const config = latticeConfig(nats.url, prefix);
  const a = await member(config);
  // B's lattice context, as its control component gets it (get.claims answers from it)
  let bContext: LatticeContext | undefined;
  const b = await member(config, [{ name: 'capture', start: async (ctx) => { bContext = ctx; }, stop: async () => undefined }]);
  const raw = await rawBucket(nats.url, prefix);
  try {
    const module = await signedFixture('echo', { name: 'Echo "one"', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'], tags: ['t1', 't2'], rev: 7, ver: '0.3.0', callAlias: 'acme/echo' });
    const actor = await a.host.startActor(module);
    await until(() => b.lattice.directory.actor('acme/echo') !== undefined, 'B to know the alias');
    // B's get.claims lists A's actor from what B's watcher holds
    const fromB = (await latticeClaims(bContext!, 1000)).find((c) => c.sub === actor.id);
    assert.deepEqual(fromB, { call_alias: 'acme/echo', caps: 'wasmcloud:httpserver,wasmcloud:keyvalue', contract_id: '', iss: actor.issuer, name: 'Echo "one"', rev: '7', sub: actor.id, tags: 't1,t2', version: '0.3.0' });

    const entry = await raw.kv.get(`CLAIMS_${actor.id}`);
    assert.equal(entry!.string(),
      `{"call_alias":"acme/echo","caps":"wasmcloud:httpserver,wasmcloud:keyvalue","contract_id":"","iss":"${actor.issuer}","name":"Echo \\"one\\"","rev":"7","sub":"${actor.id}","tags":"t1,t2","version":"0.3.0"}`);

    assert.deepEqual(b.lattice.directory.actor('acme/echo'), { id: actor.id, name: 'Echo "one"', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'], callAlias: 'acme/echo' });
    assert.deepEqual(b.lattice.directory.actor(actor.id), b.lattice.directory.actor('acme/echo'));
    assert.equal(b.lattice.directory.actor('acme/other'), undefined);

    // more instances do not rewrite an unchanged entry
    await a.host.scaleActor(actor.id, 3);
    await a.host.stopActor(actor.id);
    const kept = await raw.kv.get(`CLAIMS_${actor.id}`);
    assert.equal(kept?.operation, 'PUT', 'OTP never deletes CLAIMS_ on stop; neither do we');
    assert.equal(kept!.revision, entry!.revision, 'written once');
    assert.ok(b.lattice.directory.actor('acme/echo'));
  } finally {
    await raw.close();
    await a.stop();
    await b.stop();
  }
});

test('an actor without a version or alias is published with "version":null and an empty call_alias; one that runs before the host joins is published at join', async () => {
  const prefix = uniquePrefix('early');
  const config = latticeConfig(nats.url, prefix);
  const lattice = await Lattice.connect(config, { log: () => {} });
  const seed = createKeyPair('server').seed;
  const host = new Host({ hostSeed: seed, linkStore: lattice.links, log: () => {}, dataDir: mkdtempSync(join(tmpdir(), 'stratus-claims-')) });
  const actor = await host.startActor(await signedFixture('echo', { name: 'plain' }));
  const raw = await rawBucket(nats.url, prefix);
  try {
    assert.equal(await raw.kv.get(`CLAIMS_${actor.id}`), null, 'nothing is published before joining');
    await lattice.join({ host, hostSeed: seed, components: [] });
    let text: string | undefined;
    await until(() => lattice.directory.actor(actor.id) !== undefined, 'the claims to come back through the watch');
    text = (await raw.kv.get(`CLAIMS_${actor.id}`))!.string();
    assert.equal(text, `{"call_alias":"","caps":"","contract_id":"","iss":"${actor.issuer}","name":"plain","rev":"0","sub":"${actor.id}","tags":"","version":null}`);
    assert.deepEqual(lattice.directory.actor(actor.id), { id: actor.id, name: 'plain', caps: [] });
  } finally {
    await raw.close();
    await lattice.stop({ hostShutdown: () => host.shutdown() });
  }
});

test('claims written by others: a provider\'s claims are not actors, a deleted entry frees its alias, junk is ignored', async () => {
  const prefix = uniquePrefix('foreign-claims');
  const m = await member(latticeConfig(nats.url, prefix));
  const raw = await rawBucket(nats.url, prefix);
  try {
    const actor = createKeyPair('module').publicKey;
    const provider = createKeyPair('service').publicKey;
    // the CLAIMS_ examples of control-interface kv.rs tests (an actor, then a provider)
    await raw.kv.put(`CLAIMS_${provider}`, JSON.stringify({ call_alias: '', caps: '', iss: createKeyPair('account').publicKey, name: 'HTTP Server', rev: '1644594344', sub: provider, tags: '', version: '0.14.10' }));
    await raw.kv.put(`CLAIMS_${actor}`, JSON.stringify({ call_alias: 'x/kv', caps: 'wasmcloud:httpserver', iss: createKeyPair('account').publicKey, name: 'kvcounter', rev: '1631624220', sub: actor, tags: '', version: '0.3.0' }));
    await raw.kv.put('CLAIMS_JUNK', 'not json');
    await until(() => m.lattice.directory.actor('x/kv') !== undefined, 'the actor by alias');
    assert.equal(m.lattice.directory.actor(provider), undefined, 'a provider is not routed to as an actor');
    await raw.kv.delete(`CLAIMS_${actor}`);
    await until(() => m.lattice.directory.actor('x/kv') === undefined, 'the alias to be freed');
    assert.equal(m.lattice.directory.actor(actor), undefined);
    assert.ok(m.logs.some((l) => l.level === 'warn' && l.text.includes('CLAIMS_JUNK')));
  } finally {
    await raw.close();
    await m.stop();
  }
});
