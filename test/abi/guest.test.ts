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
