// tier: full — runs the stratus CLI as processes
// `stratus call` as a user runs it (a real child process), and the JSON<->msgpack bridge.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signedFixture, signedC, fixture, utf8 } from '../support/fixtures.js';
import { jsonToMsgpack, msgpackToJson } from '../../src/codec/json-bridge.js';

const BIN = join(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'bin', 'stratus.js');
const dir = mkdtempSync(join(tmpdir(), 'stratus-call-'));
const file = (name: string) => join(dir, name);

function stratus(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, STRATUS_HOME: dir } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  writeFileSync(file('echo.wasm'), await signedFixture('echo'));
  writeFileSync(file('unsigned.wasm'), await fixture('echo'));
  writeFileSync(file('foreign.wasm'), await signedFixture('foreign'));
  writeFileSync(file('kv.wasm'), await signedC('kvcounter', { caps: ['wasmcloud:keyvalue'] }));
  writeFileSync(file('kv-noclaim.wasm'), await signedC('kvcounter', { caps: ['wasmcloud:httpserver'] }));
  writeFileSync(file('loop.wasm'), await signedFixture('loop'));
});

test('calls an actor and prints the decoded reply (text and -o json)', () => {
  const t = stratus('call', file('echo.wasm'), 'Echo.Say', '--data', '{"n":300,"s":"x","l":[1,-5]}');
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(JSON.parse(t.stdout), { n: 300, s: 'x', l: [1, -5] });
  const j = stratus('call', file('echo.wasm'), 'Echo.Say', '--data', '"hi"', '-o', 'json');
  assert.equal(j.code, 0, j.stderr);
  const out = JSON.parse(j.stdout);
  assert.equal(out.reply, 'hi');
  assert.equal(out.bytes, 3);
  assert.match(out.actor, /^M/);
});

test('HttpServer.HandleRequest: defaults filled, keyvalue auto-linked in memory, bin reply shown as text', () => {
  const first = stratus('call', file('kv.wasm'), 'HttpServer.HandleRequest', '--data', '{"path":"/bloggo"}', '-o', 'json');
  assert.equal(first.code, 0, first.stderr);
  const reply = JSON.parse(first.stdout).reply;
  // the throwaway host links the actor to an in-memory keyvalue provider: a fresh counter each run
  assert.equal(reply.statusCode, 200);
  assert.equal(reply.body, '{"counter":1}');
  const again = JSON.parse(stratus('call', file('kv.wasm'), 'HttpServer.HandleRequest', '--data', '{"path":"/bloggo"}', '-o', 'json').stdout);
  assert.equal(again.reply.body, '{"counter":1}', 'nothing persists between throwaway hosts');
});

test('HttpServer.HandleRequest without --data sends the documented default request (GET /)', () => {
  const r = stratus('call', file('kv.wasm'), 'HttpServer.HandleRequest', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const reply = JSON.parse(r.stdout).reply;
  assert.equal(reply.statusCode, 200, JSON.stringify(reply));
  assert.equal(reply.body, '{"counter":1}');
});

test('the HTTP request defaults: for both operation names, with no --data, {} or some fields given', () => {
  const full = { method: 'GET', path: '/', queryString: '', header: {}, body: '' };
  for (const op of ['HttpServer.HandleRequest', 'HandleRequest']) {
    assert.deepEqual(msgpackToJson(op, jsonToMsgpack(op, undefined)), full, `${op} without --data`);
    assert.deepEqual(msgpackToJson(op, jsonToMsgpack(op, '')), full, `${op} with empty --data`);
    assert.deepEqual(msgpackToJson(op, jsonToMsgpack(op, '{"path":"/x","body":"hi"}')), { ...full, path: '/x', body: 'hi' }, `${op} with fields`);
  }
  // operations without input still get a 0-byte payload
  assert.equal(jsonToMsgpack('Echo.Say', undefined).length, 0);
});

test('without the keyvalue claim nothing is auto-linked and the denied host call names the missing claim', () => {
  const r = stratus('call', file('kv-noclaim.wasm'), 'HttpServer.HandleRequest', '--data', '{"path":"/bloggo"}', '-o', 'json');
  assert.equal(r.code, 0, r.stderr);
  const reply = JSON.parse(r.stdout).reply;
  assert.equal(reply.statusCode, 500);
  assert.match(reply.body, /^\{"error":"Host send error Invocation not authorized: missing capability claim for wasmcloud:keyvalue/);
});

test('exit codes: 1 for actor errors and timeouts, 3 for refused modules, 2 for bad arguments', () => {
  const guest = stratus('call', file('echo.wasm'), 'Fail.Now', '-o', 'json', '--data', '{"$base64":"' + Buffer.from('broken').toString('base64') + '"}');
  assert.equal(guest.code, 1);
  const ge = JSON.parse(guest.stdout);
  assert.equal(ge.code, 'GUEST_ERROR');
  assert.ok(ge.error.endsWith('broken')); // the echo actor fails with its (msgpack bin) payload as text
  const loop = stratus('call', file('loop.wasm'), 'Loop', '--timeout', '300');
  assert.equal(loop.code, 1);
  assert.match(loop.stderr, /did not answer Loop within 300 ms/);
  const unsigned = stratus('call', file('unsigned.wasm'), 'X');
  assert.equal(unsigned.code, 3);
  assert.match(unsigned.stderr, /no claims/);
  assert.equal(stratus('call', file('unsigned.wasm'), 'X', '--allow-unsigned', '--data', '"ok"').stdout.trim(), 'ok');
  const foreign = stratus('call', file('foreign.wasm'), 'X', '-o', 'json');
  assert.equal(foreign.code, 3);
  assert.equal(JSON.parse(foreign.stdout).code, 'NOT_PORTABLE');
  assert.equal(stratus('call', file('echo.wasm'), 'X', '--data', '{nope').code, 2);
  assert.equal(stratus('call', file('missing.wasm'), 'X').code, 2);
  assert.equal(stratus('call', '--help').code, 0);
});

test('json bridge conversions', () => {
  assert.equal(jsonToMsgpack('X', undefined).length, 0);
  assert.equal(Buffer.from(jsonToMsgpack('KeyValue.Increment', '{"key":"counter::bloggo","value":1}')).toString('hex'), '82a36b6579af636f756e7465723a3a626c6f67676fa576616c756501');
  // §6.2 exact request bytes; a minimal JSON gets the same fields by default (map order aside)
  assert.deepEqual(msgpackToJson('X', jsonToMsgpack('HttpServer.HandleRequest', '{"path":"/bloggo"}')), { path: '/bloggo', method: 'GET', queryString: '', header: {}, body: '' });
  assert.equal(Buffer.from(jsonToMsgpack('HttpServer.HandleRequest', '{"method":"GET","path":"/bloggo","queryString":"","header":{},"body":""}')).toString('hex'),
    '85a66d6574686f64a3474554a470617468a72f626c6f67676fab7175657279537472696e67a0a668656164657280a4626f6479c400');
  assert.deepEqual(msgpackToJson('X', Buffer.from('83a4626f6479c40d7b22636f756e746572223a317da668656164657280aa737461747573436f6465ccc8', 'hex')),
    { body: '{"counter":1}', header: {}, statusCode: 200 });
  assert.deepEqual(msgpackToJson('X', Uint8Array.from([0xc4, 2, 0xff, 0xfe])), { $base64: Buffer.from([0xff, 0xfe]).toString('base64') });
  assert.equal(msgpackToJson('X', utf8('plain text')), 'plain text'); // not msgpack: raw text
  assert.equal(msgpackToJson('X', new Uint8Array(0)), null);
  assert.equal(msgpackToJson('X', Buffer.from('cfffffffffffffffff', 'hex')), '18446744073709551615');
});
