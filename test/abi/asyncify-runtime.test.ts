import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncifyRuntime, ASYNCIFY_REGION_BYTES } from '../../src/abi/asyncify-runtime.js';
import { GuestAbi, type HostCallResult } from '../../src/abi/guest.js';
import { compileProject, loadConfig } from '../../src/toolchain/index.js';
import { decode, encode } from '../../src/codec/msgpack.js';
import { decodeHttpResponse, encodeHttpRequest } from '../../src/providers/httpserver/codec.js';
import { Asyncifier } from '../../src/wasm/asyncify.js';
import { compileWat } from '../support/wat.js';

const repo = resolve(fileURLToPath(import.meta.url), '../../../..');
const asyncifier = new Asyncifier();

// `run` keeps locals live across the import inside a loop and a nested frame ($inner), writes memory,
// and its result depends on every value the import returned. `tail` keeps a value where the borrowed
// region's Asyncify header goes, across the call; `grow` grows memory between two calls;
// `deep` recurses n frames before calling the import.
const WAT = `(module
  (import "env" "sleep_value" (func $sleep (param i32) (result i32)))
  (memory (export "memory") 1)
  (func $inner (param $x i32) (result i32)
    (local $k i32)
    (local.set $k (i32.mul (local.get $x) (i32.const 7)))
    (i32.add (call $sleep (local.get $x)) (local.get $k)))
  (func (export "run") (param $n i32) (param $base i32) (result i32)
    (local $i i32) (local $acc i32) (local $v i32)
    (local.set $acc (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $v (call $inner (i32.add (local.get $i) (local.get $base))))
        (i32.store (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 2))) (local.get $v))
        (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func (export "tail") (param $x i32) (result i32)
    (local $end i32)
    (local.set $end (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const ${ASYNCIFY_REGION_BYTES})))
    (i32.store (local.get $end) (local.get $x))
    (i32.add (call $sleep (local.get $x)) (i32.load (local.get $end))))
  (func (export "grow") (param $x i32) (result i32)
    (local $a i32) (local $end i32)
    (local.set $a (call $sleep (local.get $x)))
    (drop (memory.grow (i32.const 1)))
    (local.set $end (i32.sub (i32.shl (memory.size) (i32.const 16)) (i32.const 4)))
    (i32.store (local.get $end) (local.get $a))
    (i32.add (i32.add (call $sleep (local.get $a)) (i32.load (local.get $end))) (memory.size)))
  (func $deep (export "deep") (param $n i32) (result i32)
    (local $a i32) (local $b i32) (local $c i32)
    (local.set $a (i32.mul (local.get $n) (i32.const 3)))
    (local.set $b (i32.add (local.get $n) (i32.const 11)))
    (local.set $c (i32.xor (local.get $a) (local.get $b)))
    (if (result i32) (i32.eqz (local.get $n))
      (then (call $sleep (i32.const 5)))
      (else (i32.add (call $deep (i32.sub (local.get $n) (i32.const 1)))
                     (i32.add (local.get $c) (i32.sub (local.get $a) (local.get $b))))))))`;

type Fn = (...a: number[]) => number;

let plain: Uint8Array | undefined;
let asyncified: Uint8Array | undefined;
async function modules(): Promise<{ plain: Uint8Array; asyncified: Uint8Array }> {
  plain ??= await compileWat(WAT, 'sleep.wat', { validate: true, debugNames: false });
  asyncified ??= await asyncifier.transform(plain, ['env.sleep_value']);
  return { plain, asyncified };
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0));
const doubleLater = async (x: number) => { await tick(); return x * 2; };

/** The plain module with an import that answers synchronously: the reference results. */
async function syncRun(name: string, ...args: number[]): Promise<{ result: number; memory: Uint8Array }> {
  const { plain } = await modules();
  const inst = new WebAssembly.Instance(new WebAssembly.Module(plain), { env: { sleep_value: (x: number) => x * 2 } });
  const result = (inst.exports[name] as Fn)(...args);
  return { result, memory: new Uint8Array((inst.exports.memory as WebAssembly.Memory).buffer).slice() };
}

/** The asyncified module; `impl` may return a Promise. */
async function asyncInstance(impl: (x: number) => number | Promise<number>, beforeResume?: () => void) {
  const { asyncified } = await modules();
  let calls = 0;
  let rt: AsyncifyRuntime | undefined;
  const sleep = (x: number) => { calls++; return impl(x); };
  const inst = new WebAssembly.Instance(new WebAssembly.Module(asyncified), {
    env: { sleep_value: (x: number) => (rt as AsyncifyRuntime).wrapImport(sleep)(x) },
  });
  rt = new AsyncifyRuntime(inst.exports, beforeResume);
  const memory = inst.exports.memory as WebAssembly.Memory;
  return { rt, inst, memory, fn: (n: string) => inst.exports[n] as Fn, calls: () => calls };
}

function fillTail(memory: WebAssembly.Memory): Uint8Array {
  const buf = new Uint8Array(memory.buffer);
  const start = buf.length - ASYNCIFY_REGION_BYTES;
  for (let i = start; i < buf.length; i++) buf[i] = (i * 131 + 7) & 0xff;
  return buf.slice(start);
}

test('a loop with live locals, nested frames and memory writes gives the same result as a sync run', async () => {
  const ref = await syncRun('run', 6, 10);
  const a = await asyncInstance(doubleLater);
  const pattern = fillTail(a.memory);
  const p = a.rt.call(a.fn('run'), 6, 10);
  assert.ok(p instanceof Promise, 'the call suspended');
  assert.equal(a.rt.suspended, true);
  assert.throws(() => a.rt.call(a.fn('run'), 1, 1), /suspended/);
  const result = await p;
  assert.equal(a.rt.suspended, false);
  assert.equal(result, ref.result);
  assert.equal(a.calls(), 6, 'six suspensions in one call');
  const mem = new Uint8Array(a.memory.buffer);
  assert.deepEqual(mem.slice(256, 256 + 24), ref.memory.slice(256, 256 + 24));
  assert.deepEqual(mem.slice(mem.length - ASYNCIFY_REGION_BYTES), pattern, 'borrowed region restored');
  assert.equal(a.rt.call(a.fn('run'), 0, 0), 1, 'no import call: plain number');
});

test('sync imports take the fast path: call() returns a number, not a Promise', async () => {
  const ref = await syncRun('run', 5, 3);
  const a = await asyncInstance((x) => x * 2);
  const r = a.rt.call(a.fn('run'), 5, 3);
  assert.equal(typeof r, 'number');
  assert.equal(r, ref.result);
  assert.equal(a.rt.suspended, false);
});

test('mixing sync and async answers in one call', async () => {
  const ref = await syncRun('run', 8, 1);
  const a = await asyncInstance((x) => (x % 3 === 0 ? doubleLater(x) : x * 2));
  assert.equal(await a.rt.call(a.fn('run'), 8, 1), ref.result);
});

test('the guest sees its own bytes in the borrowed region across a suspension', async () => {
  const a = await asyncInstance(doubleLater);
  assert.equal(await a.rt.call(a.fn('tail'), 1234), 1234 * 3);
  const ref = await syncRun('tail', 99);
  assert.equal(await a.rt.call(a.fn('tail'), 99), ref.result);
});

test('memory growing between two suspensions', async () => {
  const ref = await syncRun('grow', 21);
  const a = await asyncInstance(doubleLater);
  const before = a.memory.buffer.byteLength;
  assert.equal(await a.rt.call(a.fn('grow'), 21), ref.result);
  assert.equal(a.memory.buffer.byteLength, before + 65536);
  assert.equal(a.calls(), 2);
});

test('deep recursion suspends and rewinds every frame', async () => {
  const ref = await syncRun('deep', 200);
  const a = await asyncInstance(doubleLater);
  assert.equal(await a.rt.call(a.fn('deep'), 200), ref.result);
});

test('a rejected promise traps in the guest with the rejection; the runtime stays usable', async () => {
  let fail = true;
  const a = await asyncInstance(async (x) => {
    await tick();
    if (fail) throw new Error(`backend down for ${x}`);
    return x * 2;
  });
  const pattern = fillTail(a.memory);
  await assert.rejects(Promise.resolve(a.rt.call(a.fn('run'), 3, 40)), /backend down for 40/);
  assert.equal(a.rt.suspended, false);
  assert.equal((a.inst.exports.asyncify_get_state as () => number)(), 0);
  const mem = new Uint8Array(a.memory.buffer);
  assert.deepEqual(mem.slice(mem.length - ASYNCIFY_REGION_BYTES), pattern);
  fail = false;
  const ref = await syncRun('run', 3, 40);
  assert.equal(await a.rt.call(a.fn('run'), 3, 40), ref.result, 'same instance works after the trap');
});

test('a rejection on the second suspension of a call', async () => {
  let n = 0;
  const a = await asyncInstance(async (x) => {
    await tick();
    if (++n === 2) throw new Error('second one fails');
    return x * 2;
  });
  await assert.rejects(Promise.resolve(a.rt.call(a.fn('run'), 4, 0)), /second one fails/);
  assert.equal(n, 2);
  assert.equal(a.rt.suspended, false);
});

test('an import that throws synchronously propagates; nothing is left borrowed', async () => {
  const a = await asyncInstance(() => { throw new Error('sync failure'); });
  const pattern = fillTail(a.memory);
  assert.throws(() => a.rt.call(a.fn('run'), 2, 0), /sync failure/);
  const mem = new Uint8Array(a.memory.buffer);
  assert.deepEqual(mem.slice(mem.length - ASYNCIFY_REGION_BYTES), pattern);
});

test('a stack too deep for the region fails clearly and leaves the runtime normal', async () => {
  const a = await asyncInstance(doubleLater);
  const pattern = fillTail(a.memory);
  assert.throws(() => a.rt.call(a.fn('deep'), 5000), /actor stack too deep to suspend/);
  assert.equal(a.rt.suspended, false);
  assert.equal((a.inst.exports.asyncify_get_state as () => number)(), 0);
  const mem = new Uint8Array(a.memory.buffer);
  assert.deepEqual(mem.slice(mem.length - ASYNCIFY_REGION_BYTES), pattern, 'region restored after the overflow');
  const ref = await syncRun('run', 3, 2);
  assert.equal(await a.rt.call(a.fn('run'), 3, 2), ref.result, 'reusable after the overflow');
});

test('beforeResume runs once per fulfilled suspension, before the guest runs on; if it throws, the guest traps with that error', async () => {
  const events: string[] = [];
  const a = await asyncInstance(async (x) => { await tick(); events.push(`answer ${x}`); return x * 2; }, () => events.push('resume'));
  const ref = await syncRun('run', 2, 5);
  assert.equal(await a.rt.call(a.fn('run'), 2, 5), ref.result);
  assert.deepEqual(events, ['answer 5', 'resume', 'answer 6', 'resume'], 'each answer is followed by its resume hook');
  // the host abandoned the call meanwhile (its deadline passed): the instance must not run on
  let abandoned = false;
  const b = await asyncInstance(async (x) => { await tick(); abandoned = true; return x; }, () => {
    if (abandoned) throw new Error('the call was abandoned at its deadline');
  });
  const pattern = fillTail(b.memory);
  await assert.rejects(Promise.resolve(b.rt.call(b.fn('run'), 2, 5)), /abandoned at its deadline/);
  assert.equal(b.rt.suspended, false);
  const mem = new Uint8Array(b.memory.buffer);
  assert.deepEqual(mem.slice(mem.length - ASYNCIFY_REGION_BYTES), pattern);
  // a rejected import is not resumed: the hook does not run, the rejection traps the guest as before
  let hooked = 0;
  const c = await asyncInstance(async () => { await tick(); throw new Error('backend down'); }, () => hooked++);
  await assert.rejects(Promise.resolve(c.rt.call(c.fn('run'), 1, 1)), /backend down/);
  assert.equal(hooked, 0);
});

test('an async import outside call() is refused', async () => {
  const a = await asyncInstance(doubleLater);
  assert.throws(() => a.fn('run')(1, 1), /outside AsyncifyRuntime\.call/);
});

test('constructor rejects a module that was not asyncified', async () => {
  const { plain } = await modules();
  const inst = new WebAssembly.Instance(new WebAssembly.Module(plain), { env: { sleep_value: (x: number) => x } });
  assert.throws(() => new AsyncifyRuntime(inst.exports), /asyncify_start_unwind.*Asyncifier\.transform/);
});

// --- the real AssemblyScript kvcounter through GuestAbi, with __host_call answered asynchronously ---

/** kvcounter (asyncified) behind GuestAbi; `async` answers __host_call through a promise. */
function kvcounterInstance(bytes: Uint8Array, async: boolean) {
  const counters = new Map<string, number>();
  const hostCall = (_bd: string, ns: string, op: string, payload: Uint8Array): HostCallResult => {
    if (ns !== 'wasmcloud:keyvalue' || op !== 'KeyValue.Increment') return { ok: false, error: `unexpected ${ns} ${op}` };
    const req = decode<{ key: string; value: number }>(payload);
    const next = (counters.get(req.key) ?? 0) + req.value;
    counters.set(req.key, next);
    return { ok: true, data: encode(next) };
  };
  const abi = new GuestAbi(hostCall, () => undefined);
  const table = abi.imports();
  let rt: AsyncifyRuntime | undefined;
  let memory: WebAssembly.Memory | undefined;
  let suspensions = 0;
  let response: Uint8Array | undefined;
  // Emulated async backend: the original (sync) host call runs later, while the guest is unwound;
  // the promise resolves to its return code once the host response is in place.
  const asyncHostCall = (...a: number[]) => new Promise<number>((res) => setTimeout(() => {
    suspensions++;
    assert.equal(rt?.suspended, true);
    res(table.__host_call(...a) as number);
  }, 0));
  let wrapped: (...a: number[]) => number | void = () => { throw new Error('not bound'); };
  const imports = {
    ...table,
    __host_call: (...a: number[]) => wrapped(...a),
    // GuestAbi keeps the guest's response private; copy it on the way (invoke() returns before it exists).
    __guest_response: (ptr: number, len: number) => {
      table.__guest_response(ptr, len);
      response = new Uint8Array((memory as WebAssembly.Memory).buffer, ptr, len).slice();
    },
  };
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { wasmbus: imports, wapc: imports } as unknown as WebAssembly.Imports);
  memory = inst.exports.memory as WebAssembly.Memory;
  abi.bindMemory(memory);
  const runtime = new AsyncifyRuntime(inst.exports);
  rt = runtime;
  wrapped = runtime.wrapImport(async ? asyncHostCall : (...a: number[]) => table.__host_call(...a));
  const guestCall = inst.exports.__guest_call as Fn;
  const request = encodeHttpRequest({ method: 'GET', path: '/hits', queryString: '', header: {}, body: new Uint8Array(0) });

  // GuestAbi.invoke is synchronous: it hands the request to the guest (__guest_request runs before the
  // host call) and sees a suspended call as "not done"; the real outcome arrives through the promise.
  async function handle(): Promise<string> {
    response = undefined;
    let pending = 0 as number | Promise<number>;
    abi.invoke((opLen, payloadLen) => {
      pending = runtime.call(guestCall, opLen, payloadLen);
      return typeof pending === 'number' ? pending : 0;
    }, 'HttpServer.HandleRequest', request);
    assert.equal(pending instanceof Promise, async, async ? 'the guest suspended in __host_call' : 'sync path');
    assert.equal(await pending, 1, '__guest_call returned success');
    assert.ok(response, 'the guest answered');
    const res = decodeHttpResponse(response);
    assert.equal(res.statusCode, 200);
    return new TextDecoder().decode(res.body);
  }
  return { handle, memory, counters, suspensions: () => suspensions };
}

test('kvcounter (AssemblyScript) suspends in __host_call and answers {"counter": 1} then 2', async () => {
  const dir = join(repo, 'examples/kvcounter');
  const wasm = (await compileProject(dir, loadConfig(dir))).wasm;
  const bytes = await asyncifier.transform(wasm, ['wasmbus.__host_call', 'wapc.__host_call']);

  const a = kvcounterInstance(bytes, true);
  const s = kvcounterInstance(bytes, false);
  assert.equal(await a.handle(), '{"counter": 1}');
  assert.equal(await s.handle(), '{"counter": 1}');
  assert.equal(await a.handle(), '{"counter": 2}');
  assert.equal(await s.handle(), '{"counter": 2}');
  assert.equal(a.suspensions(), 2);
  assert.equal(a.counters.get('_hits'), 2);
  // Same module, same requests: the suspending instance must end with exactly the memory of the
  // never-suspended one (the borrowed region at the end of the AS heap was given back intact).
  assert.equal(a.memory.buffer.byteLength, s.memory.buffer.byteLength);
  assert.ok(Buffer.from(a.memory.buffer).equals(Buffer.from(s.memory.buffer)), 'linear memories identical');
});
