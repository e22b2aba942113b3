import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fromSeed } from '@nats-io/nkeys';
import { Codec } from '@nats-io/nkeys/lib/codec.js';
import { Prefix } from '@nats-io/nkeys';
import { BUILTIN_PROVIDERS, builtinProvider, createProvider } from '../../src/providers/registry.js';
import { isStratusError } from '../../src/core/errors.js';

describe('built-in provider registry', () => {
  it('lists httpserver, keyvalue, messaging, httpclient, logging and numbergen with their contracts', () => {
    assert.deepEqual(BUILTIN_PROVIDERS.map((p) => [p.name, p.contractId]), [
      ['httpserver', 'wasmcloud:httpserver'],
      ['keyvalue', 'wasmcloud:keyvalue'],
      ['messaging', 'wasmcloud:messaging'],
      ['httpclient', 'wasmcloud:httpclient'],
      ['logging', 'wasmcloud:builtin:logging'],
      ['numbergen', 'wasmcloud:builtin:numbergen'],
    ]);
  });

  it('derives each id as the nkey service key of SHA-256("stratus/provider/" + name) (checked with @nats-io/nkeys)', () => {
    for (const p of BUILTIN_PROVIDERS) {
      const raw = createHash('sha256').update(`stratus/provider/${p.name}`).digest().subarray(0, 32);
      // @nats-io/nkeys has no service ('V') prefix: derive the Ed25519 key through a server seed,
      // then encode it with the service prefix byte 21<<3 using the library's own codec.
      const serverSeed = Codec.encodeSeed(Prefix.Server, raw);
      const serverKey = fromSeed(serverSeed).getPublicKey();
      const pub = Codec.decode(Prefix.Server, new TextEncoder().encode(serverKey));
      const expected = new TextDecoder().decode(Codec._encode(false, (21 << 3) as Prefix, pub));
      assert.equal(p.id, expected, p.name);
      assert.match(p.id, /^V[A-Z2-7]{55}$/);
    }
    assert.equal(new Set(BUILTIN_PROVIDERS.map((p) => p.id)).size, BUILTIN_PROVIDERS.length, 'ids are distinct');
  });

  it('finds providers by name, id or contract', () => {
    const kv = builtinProvider('keyvalue')!;
    assert.equal(builtinProvider(kv.id), kv);
    assert.equal(builtinProvider('wasmcloud:keyvalue'), kv);
    assert.equal(builtinProvider('nope'), undefined);
  });

  it('creates httpserver and keyvalue providers carrying the registry id, contract and link name', () => {
    for (const name of ['httpserver', 'keyvalue', 'messaging', 'httpclient']) {
      const p = createProvider(name, { linkName: 'backup' });
      const info = builtinProvider(name)!;
      assert.equal(p.id, info.id);
      assert.equal(p.contractId, info.contractId);
      assert.equal(p.name, name);
      assert.equal(p.linkName, 'backup');
      assert.equal(createProvider(name).linkName, 'default');
    }
  });

  it('explains that logging/numbergen need no provider, and names the known ones for typos', () => {
    assert.throws(() => createProvider('logging'), /built into the host and needs no provider/);
    assert.throws(() => createProvider('httpsrever'), (e: Error) => {
      assert.ok(isStratusError(e, 'BAD_REQUEST'));
      assert.match(e.message, /no built-in provider named "httpsrever"; did you mean "httpserver"\?/);
      assert.match(e.message, /built-in providers: httpserver, keyvalue, messaging, httpclient$/);
      return true;
    });
  });
});
