// Megabyte payloads on the worker lane (issue 17 §2): a large request travels in the worker's
// shared job area, a large result in a result area lent to the caller (host/lanes/loan.ts). Bytes
// must survive both byte for byte while the areas are made, grown, lent, handed back and reused,
// a lent reply must never change under its holder, and a worker that is replaced (a new channel,
// no areas yet) must serve a large request that waited for it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { signActorModule } from '../../src/claims/sign.js';
import { isLent, release } from '../../src/host/lanes/loan.js';
import { signedFixture, testHost, utf8, wat2wasm } from '../support/fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const { host } = testHost({ isolation: 'worker' });
after(() => host.shutdown());

const bytes = (n: number) => new Uint8Array(randomBytes(n));
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

test('large requests and results survive the worker lane byte for byte while its areas grow, are lent and reused', async () => {
  // one instance: every call goes through the same channel, so its areas are made, grown and reused
  const d = await host.startActor(await signedFixture('echo', { name: 'echo-areas' }), { count: 1, maxInstances: 1 });
  const kept: { sent: Uint8Array; reply: Uint8Array }[] = [];
  // 300 KiB: just over the data area; then larger than the first job area (1 MiB), smaller again, odd sizes
  for (const n of [300 * KiB, 4 * MiB, MiB, 5 * MiB + 7, 2 * KiB, 4 * MiB, 3 * MiB + 1, 300 * KiB]) {
    const sent = bytes(n);
    const reply = await host.call(d.id, 'Echo', sent);
    assert.equal(reply.length, n, `a ${n}-byte echo came back as ${reply.length} bytes`);
    assert.ok(same(reply, sent), `a ${n}-byte echo came back changed`);
    kept.push({ sent, reply });
  }
  // A result area is sized by the lane's last large result: a result that fits it arrives lent,
  // one larger than any before (and every small one) arrives as a buffer of its own.
  assert.deepEqual(kept.map((k) => isLent(k.reply)), [false, false, true, false, false, true, true, true]);
  // none of the replies held so far changed while later calls ran
  for (const k of kept) assert.ok(same(k.reply, k.sent), `a held ${k.sent.length}-byte reply changed under its holder`);
  // handed back, the areas serve further calls (and the replies still held stay intact)
  release(kept[1]!.reply);
  release(kept[2]!.reply);
  for (let i = 0; i < 4; i++) {
    const sent = bytes(2 * MiB + i);
    const reply = await host.call(d.id, 'Echo', sent);
    assert.ok(same(reply, sent), 'an echo through a reused result area came back changed');
    release(reply);
  }
  for (const k of kept.slice(3)) assert.ok(same(k.reply, k.sent), 'a reply still held changed after areas were reused');
  await host.stopActor(d.id);
});

test('a large request made while the only worker is stuck is served by its replacement, intact', async () => {
  // echoes, except that an operation starting with 'L' loops until the deadline ends the worker
  const wasm = await wat2wasm(`(module
  ;;@wasmbus
  ;;@lib
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (local $op i32) (local $p i32)
    (call $reset)
    (local.set $op (call $alloc (local.get $op_len)))
    (local.set $p (call $alloc (local.get $len)))
    (call $guest_request (local.get $op) (local.get $p))
    (if (i32.eq (i32.load8_u (local.get $op)) (i32.const 76)) (then (loop $forever (br $forever))))
    (call $guest_response (local.get $p) (local.get $len))
    (i32.const 1))
)`, 'echo-or-loop.wat');
  const d = await host.startActor(signActorModule(wasm, { name: 'echo-or-loop' }), { count: 1, maxInstances: 1 });
  // the first worker's channel gets its job and result areas
  for (let i = 0; i < 2; i++) {
    const sent = bytes(2 * MiB);
    assert.ok(same(await host.call(d.id, 'Echo', sent), sent));
  }
  const stuck = host.call(d.id, 'Loop', utf8('x'), undefined, { timeoutMs: 300 });
  const sent = bytes(4 * MiB + 3);
  const waiting = host.call(d.id, 'Echo', sent, undefined, { timeoutMs: 30_000 }); // queued behind the loop
  await assert.rejects(stuck, /timed out|deadline|did not answer/i);
  const reply = await waiting;
  assert.equal(reply.length, sent.length);
  assert.ok(same(reply, sent), 'the request that waited for the replacement worker came back changed');
  await host.stopActor(d.id);
});
