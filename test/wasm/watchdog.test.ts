// The inline lane's watchdog against instructions that cost far more than one fuel unit: a loop of
// large memory.fill/copy used to run to completion on the host thread because fuel was only spent
// at loop headers and function entries. Such a loop must now be stopped at the 50 ms slice: the
// actor moves to worker threads and a neighbour's call is answered before the slow call's.
// memory.grow is weighed the same way, but what a grow costs in time depends on the state of V8's
// heap (2 048 one-page grows took 50 ms in one process and 1.5 s in the next), so no race with a
// neighbour can show it reliably; fuel.test.ts pins that a grow is charged for the memory it
// leaves and checked at once, which is what lets the slice stop a slow grow loop.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signActorModule } from '../../src/claims/sign.js';
import { signedFixture, testHost, utf8, text, workActor } from '../support/fixtures.js';
import { compileWat, WASMBUS_IMPORTS } from '../support/wat.js';
import { parseModule, SECTION } from '../../src/wasm/sections.js';

const { host, logs } = testHost({ rpcTimeoutMs: 20_000 });
after(() => host.shutdown());


/** Start the slow call and a neighbour's call right after it; return the order they were answered in. */
async function raceWithNeighbour(slowId: string, neighbourId: string): Promise<string[]> {
  const order: string[] = [];
  const slow = host.call(slowId, 'Work', new Uint8Array(0)).then(
    (r) => { order.push(`slow:${text(r)}`); },
    (e: unknown) => { order.push(`slow failed: ${e instanceof Error ? e.message : String(e)}`); });
  const neighbour = host.call(neighbourId, 'Echo.Say', utf8('next')).then((r) => { order.push(`neighbour:${text(r)}`); });
  await Promise.all([slow, neighbour]);
  return order;
}

const laneOf = (id: string) => host.inventory().actors.find((a) => a.id === id)?.lane;

test('a loop of 15 MiB memory.fill and memory.copy is stopped by the watchdog: moved to workers, a neighbour answers first', async () => {
  // grows to 32 MiB, then 400 rounds of fill + copy of 15 MiB each (several hundred ms of work;
  // the first page, which holds the answers, is left alone)
  const filler = await host.startActor(await workActor('filler', `
    (if (i32.lt_u (memory.size) (i32.const 512)) (then (drop (memory.grow (i32.sub (i32.const 512) (memory.size))))))
    (local.set $i (i32.const 400))
    (loop $more
      (memory.fill (i32.const 0x10000) (local.get $i) (i32.const 0xf00000))
      (memory.copy (i32.const 0x1000000) (i32.const 0x10000) (i32.const 0xf00000))
      (br_if $more (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))`), { maxMemoryPages: 1024 });
  const echo = await host.startActor(await signedFixture('echo', { name: 'fill-neighbour' }));
  assert.equal(text(await host.call(filler.id, 'Alive', new Uint8Array(0))), 'alive');
  assert.equal(filler.lane, 'inline');

  const order = await raceWithNeighbour(filler.id, echo.id);
  assert.equal(order[0], 'neighbour:next', `answered in the order ${JSON.stringify(order)}`);
  assert.equal(order[1], 'slow:done', 're-run on a worker thread, where it completes');
  assert.equal(laneOf(filler.id), 'worker');
  assert.ok(logs.some((l) => l.level === 'warn' && l.text.includes('filler') && l.text.includes('now runs on worker threads')));
  await host.stopActor(filler.id);
  await host.stopActor(echo.id);
});

test('an actor that can block in memory.atomic.wait runs on worker threads, never on the host thread', async () => {
  // memory.atomic.wait32 on a shared memory blocks the calling thread until notified or timed out
  // (here: for ever); no fuel check runs meanwhile, so it must not be given the host thread.
  const src = `(module
  ${WASMBUS_IMPORTS}
  (memory (export "memory") 1 1)
  (data (i32.const 16) "woke")
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (call $guest_request (i32.const 64) (i32.const 128))
    (if (i32.eq (i32.load8_u (i32.const 64)) (i32.const 87)) ;; 'W': wait 1 ms (the worker lane may block)
      (then (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000)))))
    (call $guest_response (i32.const 16) (i32.const 4))
    (i32.const 1)))`;
  const bytes = await compileWat(src, 'waiter.wat', { validate: true, debugNames: false, features: { threads: true } });
  const mem = parseModule(bytes).sections.find((s) => s.id === SECTION.memory)!;
  assert.equal(bytes[mem.payloadStart + 1], 0x01, 'limits flags: max present');
  bytes[mem.payloadStart + 1] = 0x03; // + shared (wabt.js refuses to write shared memories itself)
  assert.ok(WebAssembly.validate(bytes));

  const waiter = await host.startActor(signActorModule(bytes, { name: 'waiter' }));
  assert.equal(waiter.lane, 'worker');
  assert.ok(logs.some((l) => l.text.includes('waiter') && /memory\.atomic\.wait .*block the host thread/.test(l.text)), JSON.stringify(logs.slice(-3)));
  assert.equal(text(await host.call(waiter.id, 'Work', new Uint8Array(0))), 'woke');
  await host.stopActor(waiter.id);
});
