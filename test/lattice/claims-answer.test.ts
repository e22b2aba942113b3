// `get.claims` answers from the CLAIMS_ records this host's metadata watcher holds (no bucket read
// per request): local actors first, then each watched record of another actor, sanitized.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { latticeClaims } from '../../src/lattice/control/lattice-claims.js';
import type { LatticeContext } from '../../src/lattice/types.js';
import { signedFixture, testHost } from '../support/fixtures.js';

const { host } = testHost();
after(() => host.shutdown());

const REMOTE = 'MBYQ2C3QRXZXFOS3AHHOGJ3NSCVRQZ36PDLRUGLYIRLQSQLIAQHOUUT7';

test('get.claims: local actors, then the watched records of the others (sanitized, not repeated), without reading the bucket', async () => {
  const local = await host.startActor(await signedFixture('echo', { name: 'here' }));
  const texts = [
    JSON.stringify({ call_alias: '', iss: 'AISSUER', name: 'there', caps: 'wasmcloud:keyvalue', rev: '2', tags: '', version: null, sub: REMOTE, contract_id: '' }),
    'not json',
    JSON.stringify({ name: 'no subject' }),
    JSON.stringify({ sub: local.id, name: 'an older record of the local actor' }),
    JSON.stringify({ sub: 'MOTHER', name: 'odd values', rev: 7, caps: ['a'], iss: 'AX' }),
  ];
  // no NATS connection at all: reading the bucket would fail, and only local claims would come back
  const ctx = { host, claimsTexts: () => texts, log: () => undefined } as unknown as LatticeContext;
  const claims = await latticeClaims(ctx, 50);
  assert.deepEqual(claims.map((c) => c.sub), [local.id, REMOTE, 'MOTHER']);
  assert.equal(claims[0]!.name, 'here', 'the local actor is described by this host, not by the older record');
  assert.deepEqual(claims[1], { call_alias: '', iss: 'AISSUER', name: 'there', caps: 'wasmcloud:keyvalue', rev: '2', tags: '', version: null, sub: REMOTE, contract_id: '' });
  assert.deepEqual(claims[2], { sub: 'MOTHER', name: 'odd values', iss: 'AX' }, 'values that are not strings are left out');
});
