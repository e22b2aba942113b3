// A misbehaving actor fails only its own invocation; the host and every other actor keep serving.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedFixture, testHost, utf8, text, until } from '../support/fixtures.js';
import { isStratusError } from '../../src/core/errors.js';

// Worker-thread lane (isolation: 'worker'); the host-thread lane has its own tests in inline-lane.test.ts.
const { host, logs } = testHost({ rpcTimeoutMs: 1500, isolation: 'worker' });
after(() => host.shutdown());

test('a trap fails that invocation with TRAP; the instance is replaced and serves again', async () => {
  const d = await host.startActor(await signedFixture('trap'));
  await assert.rejects(host.call(d.id, 'Trap.Now', new Uint8Array(0)), (e) => isStratusError(e, 'TRAP') && /trapped in Trap.Now: unreachable/.test(e.message));
  assert.equal(text(await host.call(d.id, 'Ok.Now', new Uint8Array(0))), 'ok');
  await host.stopActor(d.id);
});

test('an infinite loop hits the deadline: TIMEOUT, the worker is replaced, others keep serving meanwhile', async () => {
  const looper = await host.startActor(await signedFixture('loop'), { maxInstances: 1 });
  const echo = await host.startActor(await signedFixture('echo'));
  const started: string[] = [];
  host.events.on('actor_started', (e: { public_key: string }) => started.push(e.public_key));
  const stuck = host.call(looper.id, 'Loop.Forever', new Uint8Array(0));
  const stuckResult = stuck.then(() => 'answered', (e: unknown) => e);
  // while the looping instance spins on another thread, the host and another actor answer
  for (let i = 0; i < 20; i++) assert.equal(text(await host.call(echo.id, 'Echo.Say', utf8(`n${i}`))), `n${i}`);
  const err = await stuckResult;
  assert.ok(isStratusError(err, 'TIMEOUT'), String(err));
  assert.match((err as Error).message, new RegExp(`^actor ${looper.id} \\(loop\\) did not answer Loop.Forever within 1500 ms`));
  await until(() => started.includes(looper.id), 'replacement instance');
  assert.equal(text(await host.call(looper.id, 'Alive', new Uint8Array(0))), 'alive');
  await host.stopActor(looper.id);
  await host.stopActor(echo.id);
});

test('per-invocation deadline override through CallOptions', async () => {
  const looper = await host.startActor(await signedFixture('loop', { name: 'loop2' }));
  await assert.rejects(host.call(looper.id, 'Loop', new Uint8Array(0), undefined, { timeoutMs: 150 }), (e) => isStratusError(e, 'TIMEOUT') && /within 150 ms/.test(e.message));
  await host.stopActor(looper.id);
});

test('memory past the ceiling: the grow fails, the guest traps, reported as MEMORY_LIMIT', async () => {
  const d = await host.startActor(await signedFixture('grow'), { maxMemoryPages: 4 });
  assert.equal(d.maxMemoryPages, 4);
  assert.deepEqual([...await host.call(d.id, 'Size', new Uint8Array(0))], [1, 0, 0, 0]);
  await assert.rejects(host.call(d.id, 'Grow', new Uint8Array(0)), (e) => isStratusError(e, 'MEMORY_LIMIT') && /ceiling of 4 pages/.test(e.message));
  // fresh instance, back to its initial size
  assert.deepEqual([...await host.call(d.id, 'Size', new Uint8Array(0))], [1, 0, 0, 0]);
  // a grow larger than the room left (a page is still free): a plain trap, with the memory figures
  await assert.rejects(host.call(d.id, 'Big', new Uint8Array(0)),
    (e) => isStratusError(e, 'TRAP') && /trapped in Big: unreachable \(its memory was at 0\.2 of its 0\.3 MiB ceiling: an allocation larger than what is left/.test(e.message));
  await host.stopActor(d.id);
});

test('a busy instance is never re-entered: concurrent calls use more instances up to maxInstances, then queue', async () => {
  const starts: string[] = [];
  host.events.on('actor_started', (e: { public_key: string; instance_id: string }) => starts.push(e.public_key));
  const looper = await host.startActor(await signedFixture('loop', { name: 'loop3' }), { maxInstances: 2 });
  assert.equal(starts.filter((k) => k === looper.id).length, 1);
  // a and b outlive c's deadline even when spawning the second worker is slow on a loaded machine
  const a = host.call(looper.id, 'Loop', new Uint8Array(0), undefined, { timeoutMs: 6000 }).catch((e) => e);
  const b = host.call(looper.id, 'Loop', new Uint8Array(0), undefined, { timeoutMs: 6000 }).catch((e) => e);
  // the second call could not re-enter the busy instance: a second one was spawned for it
  await until(() => starts.filter((k) => k === looper.id).length === 2, 'second instance');
  // both instances are looping; a third call queues and expires with a clear message
  const c = await host.call(looper.id, 'Alive', new Uint8Array(0), undefined, { timeoutMs: 200 }).catch((e) => e);
  assert.ok(isStratusError(c, 'TIMEOUT'), String(c));
  assert.match((c as Error).message, /all 2 instance\(s\) stayed busy/);
  assert.ok(isStratusError(await a, 'TIMEOUT'));
  assert.ok(isStratusError(await b, 'TIMEOUT'));
  assert.equal(text(await host.call(looper.id, 'Alive', new Uint8Array(0))), 'alive');
  await host.stopActor(looper.id);
});

test('an actor calling itself with every instance busy gets a clear error, not a host deadlock', async () => {
  const self = await host.startActor(await signedFixture('pinger', { name: 'selfcaller', callAlias: 'test/self' }), { maxInstances: 1 });
  await assert.rejects(host.call(self.id, 'Go', utf8('test/self')), (e) => isStratusError(e, 'GUEST_ERROR') && /called itself \(Pingpong.Ping\) while all of its 1 instance\(s\) are busy/.test(e.message));
  await host.stopActor(self.id);
});

test('proc_exit ends the call with a clear error; WASI stdout/stderr reach the log with the actor id', async () => {
  const d = await host.startActor(await signedFixture('wasi'));
  const out = await host.call(d.id, 'Run', new Uint8Array(0));
  assert.equal(out.length, 16);
  const clock = Buffer.from(out.subarray(8)).readBigUInt64LE(0);
  const now = BigInt(Date.now()) * 1_000_000n;
  assert.ok(clock > now - 60_000_000_000n && clock <= now + 1_000_000_000n, `clock_time_get realtime ${clock} vs ${now}`);
  const out2 = await host.call(d.id, 'Run', new Uint8Array(0));
  assert.notDeepEqual(out2.subarray(0, 8), out.subarray(0, 8)); // random_get is random
  await until(() => logs.some((l) => l.text === `[${d.id}] hello from wasi`), 'stdout line');
  await until(() => logs.some((l) => l.level === 'warn' && l.text === `[${d.id}] warn line`), 'stderr line');
  await assert.rejects(host.call(d.id, 'Exit', new Uint8Array(0)), (e) => isStratusError(e, 'TRAP') && /proc_exit\(3\)/.test(e.message));
  assert.equal((await host.call(d.id, 'Run', new Uint8Array(0))).length, 16);
  await host.stopActor(d.id);
});
