// The guest ABI and WASI shim in-process (no worker): exact call sequence, return codes, memory growth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestAbi, type HostCallResult } from '../../src/abi/guest.js';
import { createWasi, ERRNO, ProcExit } from '../../src/abi/wasi.js';
import { fixture, wat2wasm, hostCallPayload, utf8, text } from '../support/fixtures.js';

async function load(bytes: Uint8Array, hostCall: (b: string, n: string, o: string, p: Uint8Array) => HostCallResult = () => ({ ok: false, error: 'none' })) {
  const abi = new GuestAbi(hostCall, () => undefined);
  const table = abi.imports();
  const mod = await WebAssembly.compile(bytes);
  const inst = new WebAssembly.Instance(mod, { wasmbus: table, wapc: table } as unknown as WebAssembly.Imports);
  abi.bindMemory(inst.exports.memory as WebAssembly.Memory);
  const call = inst.exports.__guest_call as (a: number, b: number) => number;
  return { abi, call, inst };
}

test('__guest_request writes the operation at the first pointer and the payload at the second', async () => {
  const { abi, call } = await load(await wat2wasm(`(module
    ;;@wasmbus
    ;;@lib
    (func (export "__guest_call") (param $ol i32) (param $pl i32) (result i32)
      (call $guest_request (i32.const 100) (i32.const 300))
      ;; respond with op bytes [100..100+ol) then payload [300..300+pl) concatenated at 500
      (memory.copy (i32.const 500) (i32.const 100) (local.get $ol))
      (memory.copy (i32.add (i32.const 500) (local.get $ol)) (i32.const 300) (local.get $pl))
      (call $guest_response (i32.const 500) (i32.add (local.get $ol) (local.get $pl)))
      (i32.const 1)))`));
  const r = abi.invoke(call, 'Svc.Op', utf8('|data'));
  assert.deepEqual(r.ok && text(r.data), 'Svc.Op|data');
});

test('__host_call returns exactly 1 on success and 0 on failure, with response/error readable', async () => {
  const seen: string[] = [];
  const { abi, call } = await load(await fixture('hostcall'), (b, n, o, p) => {
    seen.push(`${b}|${n}|${o}|${text(p)}`);
    return n === 'good' ? { ok: true, data: utf8('fine') } : { ok: false, error: 'denied: because' };
  });
  const ok = abi.invoke(call, 'Run', hostCallPayload('default', 'good', 'X.Y', utf8('arg')));
  assert.deepEqual(ok.ok && text(ok.data), 'fine');
  const bad = abi.invoke(call, 'Run', hostCallPayload('', 'bad', 'X.Z'));
  assert.deepEqual(bad, { ok: false, error: 'denied: because' });
  assert.deepEqual(seen, ['default|good|X.Y|arg', '|bad|X.Z|']);
  // a host callback that throws is a failure (0), never a trap
  const { abi: abi2, call: call2 } = await load(await fixture('hostcall'), () => { throw new Error('exploded'); });
  assert.deepEqual(abi2.invoke(call2, 'Run', hostCallPayload('a', 'b', 'c')), { ok: false, error: 'exploded' });
});

test('rc 1 with a guest error is a failure; rc 0 without text still reports the operation', async () => {
  const { abi, call } = await load(await wat2wasm(`(module ;;@wasmbus
    ;;@lib
    (data (i32.const 16) "oops")
    (func (export "__guest_call") (param i32 i32) (result i32)
      (call $guest_error (i32.const 16) (i32.const 4)) (i32.const 1)))`));
  assert.deepEqual(abi.invoke(call, 'A.B', new Uint8Array(0)), { ok: false, error: 'oops' });
  const { abi: abi2, call: call2 } = await load(await wat2wasm(`(module ;;@wasmbus
    ;;@lib
    (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 7)))`));
  const r = abi2.invoke(call2, 'A.B', new Uint8Array(0));
  assert.ok(!r.ok && r.error.includes('A.B') && r.error.includes('return code 7'));
});

test('views follow memory.grow: payload larger than the initial memory', async () => {
  const { abi, call } = await load(await fixture('echo'));
  const big = new Uint8Array(3 * 65536 + 17).map((_, i) => (i * 7) & 0xff);
  const r = abi.invoke(call, 'Echo', big);
  assert.ok(r.ok);
  assert.deepEqual(r.data, big);
});

test('out-of-bounds guest pointers throw (a trap for that call), not silent corruption', async () => {
  const { abi, call } = await load(await wat2wasm(`(module ;;@wasmbus
    ;;@lib
    (func (export "__guest_call") (param i32 i32) (result i32)
      (call $guest_response (i32.const 65530) (i32.const 100)) (i32.const 1)))`));
  assert.throws(() => abi.invoke(call, 'X', new Uint8Array(0)), RangeError);
});

test('WASI shim: errno values, empty args/env, proc_exit', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const lines: string[] = [];
  const wasi = createWasi(() => memory, (s, t) => lines.push(`${s}:${t}`), ['fd_write', 'args_sizes_get', 'environ_sizes_get', 'proc_exit', 'poll_oneoff', 'fd_seek', 'fd_prestat_get']);
  const dv = new DataView(memory.buffer);
  new Uint8Array(memory.buffer).set(utf8('ab\ncd'), 100);
  dv.setUint32(0, 100, true); dv.setUint32(4, 5, true);
  assert.equal(wasi.fd_write!(1, 0, 1, 16), ERRNO.SUCCESS);
  assert.equal(dv.getUint32(16, true), 5);
  assert.deepEqual(lines, ['stdout:ab']); // "cd" waits for its newline
  assert.equal(wasi.fd_write!(3, 0, 1, 16), ERRNO.BADF);
  dv.setUint32(20, 99, true);
  assert.equal(wasi.args_sizes_get!(20, 24), 0);
  assert.equal(dv.getUint32(20, true), 0);
  assert.equal(wasi.environ_sizes_get!(20, 24), 0);
  assert.equal(wasi.poll_oneoff!(0, 0, 0, 0), ERRNO.INVAL);
  // a 10 s clock beside a ready stdin read: only the fd event comes back, without sleeping
  dv.setBigUint64(200, 1n, true); dv.setUint8(208, 0); dv.setUint32(216, 1, true); dv.setBigUint64(224, 10_000_000_000n, true); dv.setUint16(240, 0, true);
  dv.setBigUint64(248, 2n, true); dv.setUint8(256, 1); dv.setUint32(264, 0, true);
  assert.equal(wasi.poll_oneoff!(200, 400, 2, 500), ERRNO.SUCCESS);
  assert.equal(dv.getUint32(500, true), 1);
  assert.equal(dv.getBigUint64(400, true), 2n);
  assert.equal(dv.getUint8(410), 1);
  assert.equal(wasi.fd_seek!(1, 0n, 0, 0), ERRNO.SPIPE);
  assert.equal(wasi.fd_seek!(7, 0n, 0, 0), ERRNO.BADF);
  assert.equal(wasi.fd_prestat_get!(3, 0), ERRNO.BADF);
  assert.throws(() => wasi.proc_exit!(2), (e) => e instanceof ProcExit && e.exitCode === 2);
});

// Size caps on what the host copies out of a guest: a guest answering 60 MiB used to be copied
// whole (0.67 s on the host thread, RSS up to 715 MB), and so was any host-call payload.
const MiB = 1024 * 1024;

/** An actor answering `len` bytes from offset 0 of a memory of `pages` pages (len = the payload's first u32). */
const bigAnswer = (pages: number) => wat2wasm(`(module ;;@wasmbus
  (memory (export "memory") ${pages})
  (func (export "__guest_call") (param $ol i32) (param $pl i32) (result i32)
    (call $guest_request (i32.const 0) (i32.const 64))
    (call $guest_response (i32.const 0) (i32.load (i32.const 64)))
    (i32.const 1)))`);
const u32 = (n: number) => new Uint8Array(new Uint32Array([n]).buffer);

test('a response over the limit is refused before it is copied, with the sizes and what to do', async () => {
  const { abi, call } = await load(await bigAnswer(970)); // 60.6 MiB of memory
  abi.label = 'MABC (big)';
  const r = abi.invoke(call, 'HttpServer.HandleRequest', u32(60 * MiB));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : '', /^actor MABC \(big\) answered HttpServer\.HandleRequest with 60\.0 MiB, over the limit of 16\.0 MiB for one response/);
  assert.match(!r.ok ? r.error : '', /max_response_len/);
  // the same instance answers the next call, and a response at the limit passes
  const ok = abi.invoke(call, 'HttpServer.HandleRequest', u32(16 * MiB));
  assert.ok(ok.ok && ok.data.length === 16 * MiB);
});

test('the limit is checked before the bounds: a length past the end of memory reads as too large, not as a trap', async () => {
  const { abi, call } = await load(await bigAnswer(1));
  const r = abi.invoke(call, 'Op', u32(60 * MiB));
  assert.ok(!r.ok && /with 60\.0 MiB, over the limit of 16\.0 MiB/.test(r.error), r.ok ? `answered ${r.data.length} bytes` : r.error);
});

test('the response limit can be set per call, without changing the next call', async () => {
  const { abi, call } = await load(await bigAnswer(2));
  const small = abi.invoke(call, 'Op', u32(2000), 1000);
  assert.ok(!small.ok && /answered Op with 2000 bytes, over the limit of 1000 bytes/.test(small.error), small.ok ? `answered ${small.data.length} bytes` : small.error);
  const r = abi.invoke(call, 'Op', u32(2000));
  assert.ok(r.ok && r.data.length === 2000);
  // the split begin()/finish() form used by the inline lane takes it too
  abi.begin('Op', u32(1500), 1024);
  const rc = call(abi.opLength, 4);
  const split = abi.finish(rc, 'Op');
  abi.end();
  assert.ok(!split.ok && /1500 bytes, over the limit of 1024 bytes/.test(split.error));
});

test('a host call payload over the limit fails that host call (0) without copying or calling the host', async () => {
  const seen: number[] = [];
  const { abi, call } = await load(await fixture('hostcall'), (_b, _n, _o, p) => { seen.push(p.length); return { ok: true, data: utf8('fine') }; });
  abi.label = 'MABC (caller)';
  abi.maxHostCallBytes = 1000;
  const r = abi.invoke(call, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Set', new Uint8Array(1001)));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.error : '', /^actor MABC \(caller\) called wasmcloud:keyvalue KeyValue\.Set with a payload of 1001 bytes, over the limit of 1000 bytes/);
  assert.deepEqual(seen, [], 'the host was not called');
  const ok = abi.invoke(call, 'Run', hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Set', new Uint8Array(1000)));
  assert.ok(ok.ok && text(ok.data) === 'fine');
  assert.deepEqual(seen, [1000]);
});

test('host call payloads the host keeps are its own copies: later calls and guest writes do not change them', async () => {
  // payloads up to 1 KiB share a slab with responses (SLAB_BYTES in guest.ts); larger ones are sliced
  const kept: Uint8Array[] = [];
  const { abi, call, inst } = await load(await fixture('hostcall'), (_b, _n, _o, p) => { kept.push(p); return { ok: true, data: p }; });
  const memory = inst.exports.memory as WebAssembly.Memory;
  const sizes = [1, 63, 64, 65, 200, 1024, 1025, 5000, 8191, 300];
  const want = sizes.map((n, k) => new Uint8Array(n).map((_, i) => (i * 31 + k * 7 + 1) & 0xff));
  const answers = want.map((w) => abi.invoke(call, 'Run', hostCallPayload('default', 'ns', 'X.Y', w)));
  new Uint8Array(memory.buffer).fill(0xee); // the guest overwrites everything it passed
  assert.deepEqual(kept.map((k) => Array.from(k)), want.map((w) => Array.from(w)));
  assert.deepEqual(answers.map((a) => a.ok && Array.from(a.data)), want.map((w) => Array.from(w)));
  for (const k of kept) assert.notEqual(k.buffer, memory.buffer, 'a kept payload is never a view of guest memory');
});

test('a borrowing host call sees guest memory uncopied; undefined (or a throw) leaves the call to the general path with a copy', async () => {
  const general: string[] = [];
  const { abi, call, inst } = await load(await fixture('hostcall'), (_b, n, _o, p) => { general.push(`${n}:${text(p)}`); return { ok: true, data: utf8(`general ${n}`) }; });
  const memory = inst.exports.memory as WebAssembly.Memory;
  const borrowed: string[] = [];
  abi.borrowing = (_b, n, _o, view) => {
    borrowed.push(`${n}:${text(view)}`);
    assert.equal(view.buffer, memory.buffer, 'a view of guest memory, not a copy');
    if (n === 'throws') throw new Error('borrowing failed');
    return n === 'fast' ? { ok: true, data: utf8('borrowed') } : n === 'fastfail' ? { ok: false, error: 'refused at once' } : undefined;
  };
  const fast = abi.invoke(call, 'Run', hostCallPayload('default', 'fast', 'X.Y', utf8('abc')));
  assert.deepEqual(fast.ok && text(fast.data), 'borrowed');
  assert.deepEqual(abi.invoke(call, 'Run', hostCallPayload('default', 'fastfail', 'X.Y', utf8('q'))), { ok: false, error: 'refused at once' });
  const slow = abi.invoke(call, 'Run', hostCallPayload('default', 'slow', 'X.Y', utf8('def')));
  assert.deepEqual(slow.ok && text(slow.data), 'general slow');
  const thrown = abi.invoke(call, 'Run', hostCallPayload('default', 'throws', 'X.Y', utf8('ghi')));
  assert.deepEqual(thrown.ok && text(thrown.data), 'general throws');
  assert.deepEqual(borrowed, ['fast:abc', 'fastfail:q', 'slow:def', 'throws:ghi']);
  assert.deepEqual(general, ['slow:def', 'throws:ghi'], 'the general path ran only for what borrowing did not serve');
  // a payload over the limit is refused before either path sees it
  abi.maxHostCallBytes = 2;
  const big = abi.invoke(call, 'Run', hostCallPayload('default', 'fast', 'X.Y', utf8('abc')));
  assert.ok(!big.ok && /over the limit of 2 bytes/.test(big.error));
  assert.equal(borrowed.length, 4);
});

test('the default limits are 16 MiB for responses and host call payloads', async () => {
  const { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_HOST_CALL_BYTES } = await import('../../src/abi/guest.js');
  assert.equal(DEFAULT_MAX_RESPONSE_BYTES, 16 * MiB);
  assert.equal(DEFAULT_MAX_HOST_CALL_BYTES, 16 * MiB);
  const { abi } = await load(await bigAnswer(1));
  assert.equal(abi.maxHostCallBytes, 16 * MiB);
});

test('a huge guest error or log line is cut to its first 64 KiB, with its full size said', async () => {
  const logs: string[] = [];
  const abi = new GuestAbi(() => ({ ok: false, error: 'none' }), (t) => logs.push(t));
  const table = abi.imports();
  const inst = new WebAssembly.Instance(await WebAssembly.compile(await wat2wasm(`(module ;;@wasmbus
    (import "wasmbus" "__console_log" (func $log (param i32 i32)))
    (memory (export "memory") 64)
    (func (export "__guest_call") (param i32 i32) (result i32)
      (memory.fill (i32.const 0) (i32.const 120) (i32.const 0x300000))
      (call $log (i32.const 0) (i32.const 0x300000))
      (call $guest_error (i32.const 0) (i32.const 0x300000))
      (i32.const 0)))`)), { wasmbus: table, wapc: table } as unknown as WebAssembly.Imports);
  abi.bindMemory(inst.exports.memory as WebAssembly.Memory);
  const r = abi.invoke(inst.exports.__guest_call as (a: number, b: number) => number, 'Op', new Uint8Array(0));
  assert.ok(!r.ok);
  assert.ok(r.error.startsWith('x'.repeat(64 * 1024)) && r.error.length < 64 * 1024 + 100, `${r.error.length} chars`);
  assert.match(r.error, /\.\.\. \(3\.0 MiB in all\)$/);
  assert.equal(logs.length, 1);
  assert.match(logs[0]!, /^x{65536}\.\.\. \(3\.0 MiB in all\)$/);
});
