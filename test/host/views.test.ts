import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { friendlyName, httpEndpoint, inventoryView, uptimeHuman } from '../../src/host/views.js';
import { renderTable } from '../../src/control/table.js';
import { loadState, sameLink, StateStore } from '../../src/control/state-store.js';
import { statusFor } from '../../src/control/server.js';
import { isStratusError } from '../../src/core/errors.js';
import type { LinkDefinition } from '../../src/core/wire.js';

const link = (contract_id: string, values: Record<string, string>): LinkDefinition =>
  ({ id: 'X', actor_id: 'MA', provider_id: 'VP', link_name: 'default', contract_id, values });

test('httpEndpoint follows the httpserver link values (address, port, case-insensitive, default 127.0.0.1:8000)', () => {
  assert.equal(httpEndpoint(link('wasmcloud:httpserver', {}))?.url, 'http://127.0.0.1:8000');
  assert.equal(httpEndpoint(link('wasmcloud:httpserver', { address: '0.0.0.0:8080' }))?.url, 'http://localhost:8080');
  assert.equal(httpEndpoint(link('wasmcloud:httpserver', { PORT: '9001' }))?.url, 'http://127.0.0.1:9001');
  assert.equal(httpEndpoint(link('wasmcloud:httpserver', { address: '127.0.0.2:1', port: '2' }))?.url, 'http://127.0.0.2:2');
  assert.equal(httpEndpoint(link('wasmcloud:keyvalue', { port: '1' })), undefined);
});

test('inventory view mirrors wasmCloud field names and shows one instance per count', () => {
  const v = inventoryView({
    hostId: 'NHOST', uptimeSeconds: 5, links: [],
    actors: [{ id: 'MA', name: 'kv', imageRef: '/x.wasm', caps: [], issuer: 'AI', revision: 3, count: 2, maxInstances: 4, maxMemoryPages: 16,
      claims: { jti: 'j', iat: 0, iss: 'AI', sub: 'MA', wascap: { hash: 'H' } } }],
    providers: [{ id: 'VP', name: 'keyvalue', contractId: 'wasmcloud:keyvalue', linkName: 'default' }],
  }, { a: 'b' });
  assert.equal(v.host_id, 'NHOST');
  assert.equal(v.actors[0].instances.length, 2);
  assert.equal(v.actors[0].instances[0].revision, 3);
  assert.notEqual(v.actors[0].instances[0].instance_id, v.actors[0].instances[1].instance_id);
  assert.match(v.actors[0].instances[0].instance_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.deepEqual({ ...v.providers[0], instance_id: '' }, { id: 'VP', image_ref: 'builtin:keyvalue', contract_id: 'wasmcloud:keyvalue', link_name: 'default', name: 'keyvalue', instance_id: '', annotations: {}, revision: 0 });
  assert.equal(v.actors[0].max_memory_pages, 16);
});

test('small helpers: uptime, friendly name, table, status codes', () => {
  assert.equal(uptimeHuman(0), '0s');
  assert.equal(uptimeHuman(90061), '1d 1h 1m 1s');
  assert.equal(friendlyName('NABC'), friendlyName('NABC'));
  assert.match(friendlyName('NABC'), /^[a-z]+-[a-z]+-\d+$/);
  assert.equal(renderTable(['A', 'Bee'], [['xx', 'y'], ['z', 'w']]), 'A   Bee\nxx  y\nz   w');
  assert.equal(renderTable(['A'], []), 'A\n(none)');
  assert.equal(statusFor('BAD_REQUEST'), 400);
  assert.equal(statusFor('ACTOR_NOT_RUNNING'), 404);
  assert.equal(statusFor('LINK_INVALID'), 422);
  assert.equal(statusFor('TIMEOUT'), 504);
});

test('state store writes atomically, reloads, and reports a corrupt file clearly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-state-'));
  try {
    const file = join(dir, 'data', 'host-state.json');
    assert.equal(loadState(file).actors, undefined); // actors live in the journal (actor-journal.test.ts)
    assert.deepEqual(new StateStore(file).actors(), []);
    const s = new StateStore(file);
    s.update((st) => { st.providers.push({ name: 'keyvalue', linkName: 'default' }); });
    assert.deepEqual(new StateStore(file).get().providers, [{ name: 'keyvalue', linkName: 'default' }]);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).version, 1);
    assert.ok(sameLink({ actor_id: 'MA', contract_id: 'c', link_name: 'default' }, { actor_id: 'MA', contract_id: 'c', link_name: 'default' }));
    assert.ok(!sameLink({ actor_id: 'MA', contract_id: 'c', link_name: 'default' }, { actor_id: 'MA', contract_id: 'c', link_name: 'other' }));
    writeFileSync(file, '{ not json');
    assert.throws(() => loadState(file), (e) => isStratusError(e) && /host state file .* is not valid JSON/.test(e.message) && /delete the file/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

