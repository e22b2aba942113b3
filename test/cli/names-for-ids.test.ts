// tier: full — runs a host and the stratus CLI as processes
// Issue 14 §1.9: names where ids are expected. `ctl link put kvcounter httpserver …` means the
// running actor named kvcounter and the provider named httpserver; a name that picks out nothing
// (or several) gets an error saying what was expected, never "provider … is not running".
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cli, counterOf, freePort, get, signedKvcounter, startHostProcess, tempHome, type HostProcess } from '../e2e/support.js';

const home = tempHome('names');
let host: HostProcess;
let actorId: string;
let port: number;

before(async () => {
  const wasm = await signedKvcounter(home.dir);
  host = await startHostProcess(home.dir);
  const started = await cli(home.dir, ['ctl', 'start', 'actor', wasm, '-o', 'json']);
  assert.equal(started.code, 0, started.stdout + started.stderr);
  actorId = JSON.parse(started.stdout).id;
  port = await freePort();
});

after(async () => {
  await host?.stop();
  home.cleanup();
});

test('link put by actor name, provider name and provider-name-as-contract; the link is the ids\' link and serves', async () => {
  for (const p of ['httpserver', 'keyvalue']) assert.equal((await cli(home.dir, ['ctl', 'start', 'provider', p])).code, 0);
  const put = await cli(home.dir, ['ctl', 'link', 'put', 'kvcounter', 'httpserver', 'wasmcloud:httpserver', `address=127.0.0.1:${port}`, '-o', 'json']);
  assert.equal(put.code, 0, put.stdout + put.stderr);
  const ld = JSON.parse(put.stdout);
  assert.equal(ld.actor_id, actorId);
  assert.match(ld.provider_id, /^V[A-Z2-7]{55}$/);
  assert.deepEqual(ld.warnings, []);
  // the contract may be given as the provider's name too
  const kv = await cli(home.dir, ['ctl', 'link', 'put', 'kvcounter', 'keyvalue', 'keyvalue', 'backend=memory', '-o', 'json']);
  assert.equal(kv.code, 0, kv.stdout + kv.stderr);
  assert.equal(JSON.parse(kv.stdout).contract_id, 'wasmcloud:keyvalue');
  const r = await get(`http://127.0.0.1:${port}/names`);
  assert.equal(r.status, 200, r.body);
  assert.equal(counterOf(r.body), 1);
  const links = JSON.parse((await cli(home.dir, ['ctl', 'link', 'query', '-o', 'json'])).stdout).links;
  assert.deepEqual(links.map((l: { actor_id: string }) => l.actor_id), [actorId, actorId]);
});

test('scale, link del and stop take the actor\'s name', async () => {
  const s = await cli(home.dir, ['ctl', 'scale', 'actor', 'kvcounter', '2', '-o', 'json']);
  assert.equal(s.code, 0, s.stdout + s.stderr);
  assert.equal(JSON.parse(s.stdout).id, actorId);
  const del = await cli(home.dir, ['ctl', 'link', 'del', 'kvcounter', 'wasmcloud:keyvalue']);
  assert.equal(del.code, 0, del.stdout + del.stderr);
  const links = JSON.parse((await cli(home.dir, ['ctl', 'link', 'query', '-o', 'json'])).stdout).links;
  assert.deepEqual(links.map((l: { contract_id: string }) => l.contract_id), ['wasmcloud:httpserver']);
});

test('a name that names nothing says what was expected and what there is (exit 2)', async () => {
  const actor = await cli(home.dir, ['ctl', 'link', 'put', 'hello', 'httpserver', 'wasmcloud:httpserver', '-o', 'json']);
  assert.equal(actor.code, 2, actor.stdout + actor.stderr);
  const a = JSON.parse(actor.stdout);
  assert.equal(a.code, 'BAD_REQUEST');
  assert.match(a.error, /"hello" is neither an actor id \(56 characters starting with M\) nor the name or call alias of a running actor/);
  assert.match(a.error, new RegExp(`running actors: kvcounter = ${actorId}`));
  assert.doesNotMatch(a.error, /is not running/);
  const provider = await cli(home.dir, ['ctl', 'link', 'put', 'kvcounter', 'redis', 'wasmcloud:keyvalue', '-o', 'json']);
  assert.equal(provider.code, 2, provider.stdout + provider.stderr);
  const p = JSON.parse(provider.stdout);
  assert.match(p.error, /"redis" is neither a provider id \(56 characters starting with V\) nor the name or contract id of a provider/);
  assert.match(p.error, /httpserver \(wasmcloud:httpserver\)/);
  const contract = await cli(home.dir, ['ctl', 'link', 'put', 'kvcounter', 'keyvalue', 'kv', '-o', 'json']);
  assert.equal(contract.code, 2);
  assert.match(JSON.parse(contract.stdout).error, /"kv" is not a contract id.*namespace:name/s);
});
