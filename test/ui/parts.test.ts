// The dashboard's pure parts: its address, the action argument checks (the CLI's texts), the
// token comparison and the invocation rates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseUiAddress, uiUrl } from '../../src/ui/address.js';
import { parseCount, parseValues, isAction } from '../../src/ui/actions.js';
import { newToken, tokenMatches } from '../../src/ui/token.js';
import { TrafficMeter } from '../../src/ui/traffic.js';
import { CallStats } from '../../src/observe/metrics/call-stats.js';
import { isStratusError } from '../../src/core/errors.js';

test('dashboard addresses: loopback by default, every form wash users type', () => {
  assert.deepEqual(parseUiAddress(true), { host: '127.0.0.1', port: 3030 });
  assert.deepEqual(parseUiAddress('4000'), { host: '127.0.0.1', port: 4000 });
  assert.deepEqual(parseUiAddress(':4000'), { host: '127.0.0.1', port: 4000 });
  assert.deepEqual(parseUiAddress('0.0.0.0:4000'), { host: '0.0.0.0', port: 4000 });
  assert.deepEqual(parseUiAddress('[::1]:4000'), { host: '::1', port: 4000 });
  assert.equal(uiUrl({ host: '::1', port: 4000 }), 'http://[::1]:4000/');
  for (const bad of ['70000', 'localhost', '::1:4000', 'a b:1']) {
    assert.throws(() => parseUiAddress(bad), (e: unknown) => isStratusError(e) && e.code === 'BAD_REQUEST' && /--ui/.test(e.message) && /hint:/.test(e.message));
  }
});

test('action arguments are checked with the CLI\'s words', () => {
  assert.equal(parseCount('3', 'count'), 3);
  assert.equal(parseCount(2, 'count'), 2);
  assert.throws(() => parseCount('0', 'count'), /count must be a whole number >= 1, got "0"\n  hint: to remove an actor, stop it/);
  assert.throws(() => parseCount('1.5', 'count'), /got "1.5"/);
  assert.throws(() => parseCount('', 'count'), /whole number/);
  assert.deepEqual(parseValues('address=127.0.0.1:8080\n\n URL = redis://x:1/0 \n'), { address: '127.0.0.1:8080', URL: 'redis://x:1/0' });
  assert.deepEqual(parseValues(undefined), {});
  assert.throws(() => parseValues('port8080'), /value "port8080" must look like KEY=VALUE/);
  assert.throws(() => parseValues('=x'), /KEY=VALUE/);
  assert.equal(isAction('put-link'), true);
  assert.equal(isAction('toString'), false, 'only the actions themselves, not what objects inherit');
});

test('tokens: random per start, compared whole', () => {
  const a = newToken(), b = newToken();
  assert.notEqual(a, b);
  assert.ok(a.length >= 32);
  assert.equal(tokenMatches(a, a), true);
  assert.equal(tokenMatches(a, a.slice(0, -1)), false);
  assert.equal(tokenMatches(a, b), false);
  assert.equal(tokenMatches(a, undefined), false);
  assert.equal(tokenMatches(a, [a]), false);
});

test('invocation rates are the difference between two ticks; errors count every failed outcome', () => {
  const calls = new CallStats();
  const meter = new TrafficMeter(calls);
  calls.invocation('MA', 'Op', 'ok', 0.001);
  const first = meter.tick(1_000);
  assert.equal(first.operations[0]!.perSecond, 0, 'no rate before a second tick');
  for (let i = 0; i < 10; i++) calls.invocation('MA', 'Op', 'ok', 0.002);
  calls.invocation('MA', 'Op', 'TIMEOUT', 2);
  calls.hostCall('MA', 'wasmcloud:keyvalue', 'ok');
  calls.hostCall('MA', 'wasmcloud:keyvalue', 'MISSING_LINK');
  const second = meter.tick(3_000);
  const op = second.operations[0]!;
  assert.equal(op.count, 12);
  assert.equal(op.errors, 1);
  assert.equal(op.perSecond, 11 / 2);
  assert.deepEqual(op.outcomes, { ok: 11, TIMEOUT: 1 });
  assert.ok(op.p99Ms >= op.p50Ms);
  assert.deepEqual(second.hostCalls, [{ actor: 'MA', contract: 'wasmcloud:keyvalue', count: 2, errors: 1, perSecond: 0, outcomes: { ok: 1, MISSING_LINK: 1 } }]);
});
