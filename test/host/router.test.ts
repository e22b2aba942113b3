// The pure routing/authorization rules of __host_call (reference §1.6), without wasm or workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signFlagFor } from '../../src/core/contracts.js';
import { routeHostCall, authorizeInbound, looksLikeActorKey, type RouteTables, type RoutedActor } from '../../src/host/router.js';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';
import type { LinkDefinition } from '../../src/core/wire.js';

const key = (c: string) => 'M' + c.repeat(55);
const caller: RoutedActor = { id: key('A'), name: 'caller', caps: ['wasmcloud:keyvalue', 'wasmcloud:builtin:logging'] };
const bare: RoutedActor = { id: key('B'), name: 'bare', caps: [] };
const ponger: RoutedActor = { id: key('C'), name: 'ponger', caps: [], callAlias: 'wasmcloud/ponger' };
const PROVIDER = 'V' + 'P'.repeat(55);

function tables(links: Omit<LinkDefinition, 'id'>[], running: string[] = [PROVIDER + '/default']): RouteTables {
  const byId = new Map(links.map((l) => [linkDefinitionId(l.actor_id, l.contract_id, l.link_name), { ...l, id: linkDefinitionId(l.actor_id, l.contract_id, l.link_name) }]));
  return {
    actorById: (id) => [caller, bare, ponger].find((a) => a.id === id),
    actorByAlias: (alias) => [caller, bare, ponger].find((a) => a.callAlias === alias),
    link: (a, c, n) => byId.get(linkDefinitionId(a, c, n)),
    providerRunning: (p, n) => running.includes(`${p}/${n}`),
  };
}
const kvLink = (actor: string, linkName = 'default') => ({ actor_id: actor, provider_id: PROVIDER, contract_id: 'wasmcloud:keyvalue', link_name: linkName, values: {} });

test('builtins are in-process but need their claim', () => {
  const t = tables([]);
  assert.deepEqual(routeHostCall(t, caller, 'default', 'wasmcloud:builtin:logging'), { kind: 'builtin', contractId: 'wasmcloud:builtin:logging' });
  const r = routeHostCall(t, caller, 'default', 'wasmcloud:builtin:numbergen');
  assert.equal(r.kind, 'denied');
  // the caller is told wasmCloud's words only; keys and the fix are in `detail` (for the log)
  assert.ok(r.kind === 'denied' && r.code === 'MISSING_CLAIM' && r.message === 'Invocation not authorized: missing capability claim for wasmcloud:builtin:numbergen');
  assert.ok(r.kind === 'denied' && r.detail.includes('--cap wasmcloud:builtin:numbergen') && r.detail.includes(caller.id));
});

test('provider: claim first, then link (by link name), then a running provider', () => {
  const r1 = routeHostCall(tables([kvLink(bare.id)]), bare, 'default', 'wasmcloud:keyvalue');
  assert.ok(r1.kind === 'denied' && r1.code === 'MISSING_CLAIM' && r1.detail.includes('--keyvalue') && r1.detail.includes('(bare)') && !r1.message.includes(bare.id));
  const r2 = routeHostCall(tables([kvLink(caller.id, 'other')]), caller, 'default', 'wasmcloud:keyvalue');
  assert.ok(r2.kind === 'denied' && r2.code === 'MISSING_LINK' && r2.message === 'Invocation not authorized: missing link definition for wasmcloud:keyvalue on default'
    && r2.detail.includes("link name 'default'") && r2.detail.includes('stratus ctl link put'));
  const r3 = routeHostCall(tables([kvLink(caller.id)], []), caller, 'default', 'wasmcloud:keyvalue');
  assert.ok(r3.kind === 'denied' && r3.code === 'PROVIDER_NOT_RUNNING' && !r3.message.includes(PROVIDER) && r3.detail.includes(PROVIDER));
  const r4 = routeHostCall(tables([kvLink(caller.id, 'other')], [PROVIDER + '/other']), caller, 'other', 'wasmcloud:keyvalue');
  assert.ok(r4.kind === 'provider' && r4.link.link_name === 'other' && r4.link.provider_id === PROVIDER);
  // an empty binding to a contract id means the default link
  const r5 = routeHostCall(tables([kvLink(caller.id)]), caller, '', 'wasmcloud:keyvalue');
  assert.equal(r5.kind, 'provider');
});

test('actors by key or alias need no claim; unknown targets say which kind was missing', () => {
  const t = tables([]);
  assert.deepEqual(routeHostCall(t, bare, '', 'wasmcloud/ponger'), { kind: 'actor', target: ponger });
  assert.deepEqual(routeHostCall(t, bare, '', ponger.id), { kind: 'actor', target: ponger });
  const a = routeHostCall(t, bare, '', 'wasmcloud/nobody');
  assert.ok(a.kind === 'denied' && a.code === 'UNKNOWN_TARGET' && a.message === 'Call alias not found: wasmcloud/nobody on default' && a.detail.includes('--call-alias wasmcloud/nobody'));
  const k = routeHostCall(t, bare, '', key('Z'));
  assert.ok(k.kind === 'denied' && k.code === 'UNKNOWN_TARGET' && k.message === 'Could not identify suitable target for invocation' && k.detail.includes(key('Z')));
});

test('inbound provider calls need the contract claim on the target', () => {
  assert.equal(authorizeInbound(caller, 'wasmcloud:keyvalue'), undefined);
  assert.equal(authorizeInbound(bare, ''), undefined);
  const d = authorizeInbound(bare, 'wasmcloud:httpserver');
  assert.ok(d && d.kind === 'denied' && d.code === 'MISSING_CLAIM' && d.message === 'Invocation source does not have the required capability claim wasmcloud:httpserver'
    && d.detail.includes('--http_server'));
});

test('helpers', () => {
  assert.ok(looksLikeActorKey(key('A')));
  assert.ok(!looksLikeActorKey('wasmcloud/ponger'));
  assert.ok(!looksLikeActorKey('V' + 'A'.repeat(55)));
  assert.equal(signFlagFor('wasmcloud:messaging'), '--msg');
});
