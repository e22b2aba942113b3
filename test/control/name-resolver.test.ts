// Names where ids are expected (issue 14 §1.9): which names pick out one id, and the errors otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveActorArg, resolveContractArg, resolveProviderArg } from '../../src/control/name-resolver.js';
import { isStratusError } from '../../src/core/errors.js';

const M1 = 'M' + 'A'.repeat(55), M2 = 'M' + 'B'.repeat(55);
const V1 = 'V' + 'A'.repeat(55), V2 = 'V' + 'B'.repeat(55), V3 = 'V' + 'C'.repeat(55);
const actors = [{ id: M1, name: 'hello', callAlias: 'demo/hello' }, { id: M2, name: 'twin' }, { id: 'M' + 'C'.repeat(55), name: 'twin' }];
const known = [{ id: V1, name: 'httpserver', contractId: 'wasmcloud:httpserver' }, { id: V2, name: 'keyvalue', contractId: 'wasmcloud:keyvalue' }];

function refused(f: () => unknown, text: RegExp): void {
  assert.throws(f, (e: unknown) => isStratusError(e) && e.code === 'BAD_REQUEST' && text.test(e.message.replace(/\n/g, " ")));
}

test('actors: ids pass, a name or call alias of one running actor becomes its id, ambiguity and unknown names are refused', () => {
  assert.equal(resolveActorArg(M2, []), M2);
  assert.equal(resolveActorArg('hello', actors), M1);
  assert.equal(resolveActorArg('demo/hello', actors), M1);
  refused(() => resolveActorArg('twin', actors), /"twin" names 2 running actors.*give the actor id/);
  refused(() => resolveActorArg('nope', actors), /neither an actor id .* running actors: hello \(alias demo\/hello\) = M/);
  refused(() => resolveActorArg('nope', []), /no actor is running: start it first/);
  // a mistyped key is left to the host, which says it is not running
  assert.equal(resolveActorArg('MNOTRUNNING', actors), 'MNOTRUNNING');
});

test('providers: running ones by name or contract (the link name decides between instances), then built-in ones', () => {
  assert.equal(resolveProviderArg(V3, [], known), V3);
  assert.equal(resolveProviderArg('httpserver', [], known), V1, 'not running: the built-in id (stable)');
  assert.equal(resolveProviderArg('wasmcloud:keyvalue', [], known), V2);
  const running = [{ id: V3, name: 'keyvalue', contractId: 'wasmcloud:keyvalue', linkName: 'cache' }, { id: V2, name: 'keyvalue', contractId: 'wasmcloud:keyvalue', linkName: 'default' }];
  assert.equal(resolveProviderArg('keyvalue', running, known, 'cache'), V3);
  assert.equal(resolveProviderArg('keyvalue', running, known, 'default'), V2);
  refused(() => resolveProviderArg('keyvalue', running, known, 'other'), /"keyvalue" names 2 providers/);
  refused(() => resolveProviderArg('redis', [], known), /neither a provider id .*httpserver \(wasmcloud:httpserver\)/);
});

test('contracts: ids pass, a provider name stands for its contract, anything else is refused', () => {
  assert.equal(resolveContractArg('wasmcloud:builtin:logging', known), 'wasmcloud:builtin:logging');
  assert.equal(resolveContractArg('httpserver', known), 'wasmcloud:httpserver');
  refused(() => resolveContractArg('kv', known), /"kv" is not a contract id.*wasmcloud:httpserver, wasmcloud:keyvalue/);
});
