// The bucket's keys and JSON (entries.ts) and the claims directory (directory.ts), pure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { bucketStreamConfig, decodeActorClaims, decodeLink, decodeRefmap, encodeClaims, encodeLink } from '../../src/lattice/metadata/entries.js';
import { ClaimsDirectory } from '../../src/lattice/metadata/directory.js';

const bytes = (s: string) => new TextEncoder().encode(s);

test('a link is written with OTP\'s sorted keys and read back; the id is always the hash (control-interface kv.rs test vector)', () => {
  const link = { id: 'B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C', actor_id: 'Mbob', provider_id: 'Valice', link_name: 'default', contract_id: 'wasmcloud:testy', values: { b: '2', a: '1' } };
  const text = encodeLink(link);
  assert.equal(text, '{"actor_id":"Mbob","contract_id":"wasmcloud:testy","id":"B40411AD09B70A2C83D59923584F66BA2C5A3C274DC4F19416DA49CCD6531F9C","link_name":"default","provider_id":"Valice","values":{"a":"1","b":"2"}}');
  assert.deepEqual(decodeLink(bytes(text)), { ok: link });
  // as wash writes it: no id, or serde's empty default, or a uuid from an older client
  for (const id of [undefined, '', '3f2c9a0e-1111-4222-8333-444455556666']) {
    const r = decodeLink(bytes(JSON.stringify({ ...(id === undefined ? {} : { id }), actor_id: 'Mbob', provider_id: 'Valice', link_name: 'default', contract_id: 'wasmcloud:testy', values: null })));
    assert.ok('ok' in r);
    assert.equal(r.ok.id, link.id);
    assert.deepEqual(r.ok.values, {});
  }
});

test('entries that are not links say why', () => {
  const why = (s: string) => { const r = decodeLink(bytes(s)); return 'error' in r ? r.error : 'decoded'; };
  assert.match(why('{'), /not JSON/);
  assert.match(why('[1]'), /not a JSON object/);
  assert.match(why('{"actor_id":"M","provider_id":"V","contract_id":"c"}'), /link_name/);
  assert.match(why('{"actor_id":"M","provider_id":"","contract_id":"c","link_name":"d"}'), /provider_id/);
  assert.match(why('{"actor_id":"M","provider_id":"V","contract_id":"c","link_name":"d","values":{"n":1}}'), /value n is not a string/);
  assert.match(why('{"actor_id":"M","provider_id":"V","contract_id":"c","link_name":"d","values":"x"}'), /values is not an object/);
});

test('claims are written as OTP writes them and read back as routing facts', () => {
  const sub = createKeyPair('module').publicKey;
  const text = encodeClaims({ publicKey: sub, issuer: 'AISS', name: 'kvcounter', callAlias: 'x/y', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'], tags: ['a'], revision: 3, version: '1.0.0' });
  assert.equal(text, `{"call_alias":"x/y","caps":"wasmcloud:httpserver,wasmcloud:keyvalue","contract_id":"","iss":"AISS","name":"kvcounter","rev":"3","sub":"${sub}","tags":"a","version":"1.0.0"}`);
  assert.deepEqual(decodeActorClaims(`CLAIMS_${sub}`, bytes(text)), { ok: { id: sub, name: 'kvcounter', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'], callAlias: 'x/y' } });
  assert.deepEqual(decodeActorClaims(`CLAIMS_${createKeyPair('service').publicKey}`, bytes(text)), { ok: undefined }, 'a provider key is no actor');
  assert.deepEqual(decodeActorClaims(`CLAIMS_${sub}`, bytes('{"contract_id":"wasmcloud:keyvalue"}')), { ok: undefined }, 'a provider\'s claims are no actor');
  const one = decodeActorClaims(`CLAIMS_${sub}`, bytes('{"call_alias":"x","caps":""}'));
  assert.ok('ok' in one && one.ok && one.ok.callAlias === undefined, 'OTP ignores aliases of one character');
  assert.ok('error' in decodeActorClaims(`CLAIMS_${sub}`, bytes('nope')));
  assert.deepEqual(decodeRefmap(bytes('{"oci_url":"wasmcloud.azurecr.io/echo:0.3.4","public_key":"MB"}')), { ok: { ociUrl: 'wasmcloud.azurecr.io/echo:0.3.4', publicKey: 'MB' } });
  assert.ok('error' in decodeRefmap(bytes('{"oci_url":1}')));
});

test('the stream is configured as OTP configures it, replicas as asked', () => {
  const c = bucketStreamConfig('default', 3);
  assert.equal(c.name, 'KV_LATTICEDATA_default');
  assert.deepEqual(c.subjects, ['$KV.LATTICEDATA_default.>']);
  assert.equal(c.num_replicas, 3);
  assert.equal(c.deny_delete, true);
  assert.equal(c.max_msgs_per_subject, 1);
});

test('the directory: key or alias; the first actor keeps an alias; deleting it hands the alias to the next claimant', () => {
  const d = new ClaimsDirectory();
  const a = { id: 'MA', name: 'a', caps: [], callAlias: 'svc' };
  const b = { id: 'MB', name: 'b', caps: [], callAlias: 'svc' };
  d.put(a);
  d.put(b);
  assert.equal(d.actor('svc')?.id, 'MA');
  assert.equal(d.actor('MB')?.id, 'MB');
  d.delete('MA');
  assert.equal(d.actor('svc')?.id, 'MB');
  d.put({ ...b, callAlias: 'renamed' });
  assert.equal(d.actor('svc'), undefined);
  assert.equal(d.actor('renamed')?.id, 'MB');
  assert.equal(d.all().length, 1);
});
