// Fuel instrumentation: loops and recursion become stoppable via stratus.refuel, and everything else
// about the module (results, memory, tables, start function, real compiled actors) stays the same.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileWat, type WatFeatures } from '../support/wat.js';
import { buildC } from '../support/fixtures.js';
import { injectFuel, FuelError, FUEL_IMPORT_MODULE, FUEL_IMPORT_NAME, bulkCost, growCost, tableCost, CHEAP_BULK_BYTES } from '../../src/wasm/fuel.js';
import { CodeReader, DecodeError } from '../../src/wasm/instructions.js';
import { parseModule, WASM_HEADER } from '../../src/wasm/sections.js';
import { GuestAbi, type HostCallResult } from '../../src/abi/guest.js';
import { compileProject, loadConfig } from '../../src/toolchain/index.js';
import { KeyValueCodec } from '../../src/codec/interfaces/keyvalue.js';
import { encodeHttpRequest, decodeHttpResponse } from '../../src/codec/interfaces/httpserver.js';

const REPO = resolve(fileURLToPath(import.meta.url), '../../../..');

class Deadline extends Error {}

const wat = (text: string, features: WatFeatures = {}, debugNames = false) =>
  compileWat(text, 'fuel.wat', { validate: true, debugNames, features });

/** A refuel import that hands out `budget` per call and throws Deadline after `limit` calls. */
function refueler(budget: number, limit = Infinity) {
  const r = {
    calls: 0,
    refuel: () => {
      r.calls++;
      if (r.calls > limit) throw new Deadline(`out of fuel after ${r.calls - 1} refuels`);
      return budget;
    },
  };
  return r;
}

async function instantiate(bytes: Uint8Array, imports: WebAssembly.Imports = {}) {
  return (await WebAssembly.instantiate(bytes, imports)).instance;
}

const LOOPS = `(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "sum") (param $n i32) (result i64) (local $i i32) (local $s i64)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $s (i64.add (local.get $s) (i64.extend_i32_u (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l)))
    (local.get $s)))`;

test('an infinite loop is stopped by a refuel that throws; the error is ours and refuel ran', async () => {
  const fuel = injectFuel(await wat(LOOPS), { initialFuel: 100 });
  assert.ok(WebAssembly.validate(fuel));
  const r = refueler(100, 5);
  const inst = await instantiate(fuel, { [FUEL_IMPORT_MODULE]: { [FUEL_IMPORT_NAME]: r.refuel } });
  assert.throws(() => (inst.exports.spin as () => void)(), Deadline);
  assert.equal(r.calls, 6); // 5 refills, then the throwing call
});

test('a bounded loop gives the same result and refuels about once per budget', async () => {
  const plain = await wat(LOOPS);
  const r = refueler(1000);
  const inst = await instantiate(injectFuel(plain), { stratus: { refuel: r.refuel } });
  const base = await instantiate(plain);
  const n = 1_000_000;
  const got = (inst.exports.sum as (n: number) => bigint)(n);
  assert.equal(got, (base.exports.sum as (n: number) => bigint)(n));
  assert.equal(got, BigInt(n) * BigInt(n - 1) / 2n);
  // 1e6 loop headers minus the initial 10_000, at 1001 checks per refuel
  assert.ok(r.calls >= 950 && r.calls <= 1050, `refuel called ${r.calls} times`);
});

test('recursion without loops is caught at function entry, including endless tail calls', async () => {
  const src = `(module
    (func $down (export "down") (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
        (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
    (func $forever (export "forever") (call $forever))
    (func $tail (export "tail") (param i32) (result i32) (return_call $tail (i32.add (local.get 0) (i32.const 1)))))`;
  const plain = await wat(src, { tail_call: true });
  const fuel = injectFuel(plain, { initialFuel: 50 });
  const r = refueler(50);
  const inst = await instantiate(fuel, { stratus: { refuel: r.refuel } });
  assert.equal((inst.exports.down as (n: number) => number)(1000), 1000);
  assert.ok(r.calls >= 15 && r.calls <= 25, `refuel called ${r.calls} times for 1001 entries`);

  const stop = refueler(50, 3);
  const inst2 = await instantiate(fuel, { stratus: { refuel: stop.refuel } });
  assert.throws(() => (inst2.exports.forever as () => void)(), Deadline); // not a stack overflow RangeError
  const stop2 = refueler(1000, 100);
  const inst3 = await instantiate(fuel, { stratus: { refuel: stop2.refuel } });
  assert.throws(() => (inst3.exports.tail as (n: number) => number)(0), Deadline); // would never end uninstrumented
  assert.equal(stop2.calls, 101);
});

// Every construct that carries a function index, plus the instruction families the decoder must skip.
const RICH = `(module
  (type $i2i (func (param i32) (result i32)))
  (import "env" "add" (func $hadd (param i32 i32) (result i32)))
  (import "env" "base" (global $base i32))
  (import "env" "twice" (func $htwice (param i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 8 funcref)
  (global $fref funcref (ref.func $triple))
  (global $started (mut i32) (i32.const 0))
  (elem (table $t) (i32.const 0) func $double $triple $sq)
  (elem $pe funcref (ref.func $sq) (ref.func $double) (ref.null func))
  (elem declare func $inc)
  (data $pd "\\01\\02\\03\\04\\05\\06\\07\\08")
  (func $double (type $i2i) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (type $i2i) (i32.mul (local.get 0) (i32.const 3)))
  (func $sq (type $i2i) (i32.mul (local.get 0) (local.get 0)))
  (func $inc (type $i2i) (i32.add (local.get 0) (i32.const 1)))
  (func $init
    (global.set $started (i32.add (global.get $base) (i32.const 7)))
    (i32.store (i32.const 64) (i32.const 0x11223344)))
  (start $init)
  (func (export "started") (result i32) (global.get $started))
  (func (export "direct") (param i32) (result i32) (call $sq (call $triple (local.get 0))))
  (func (export "indirect") (param i32 i32) (result i32) (call_indirect (type $i2i) (local.get 1) (local.get 0)))
  (func (export "viaGlobal") (param i32) (result i32) (table.set $t (i32.const 5) (global.get $fref))
    (call_indirect (type $i2i) (local.get 0) (i32.const 5)))
  (func (export "viaRefFunc") (param i32) (result i32) (table.set $t (i32.const 6) (ref.func $inc))
    (call_indirect (type $i2i) (local.get 0) (i32.const 6)))
  (func (export "tableInit") (param i32) (result i32)
    (table.init $t $pe (i32.const 3) (i32.const 0) (i32.const 2)) (elem.drop $pe)
    (i32.add (call_indirect (type $i2i) (local.get 0) (i32.const 3)) (call_indirect (type $i2i) (local.get 0) (i32.const 4))))
  (func (export "imports") (param i32) (result i32) (call $htwice (call $hadd (local.get 0) (global.get $base))))
  (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
  (func (export "multi") (param i32 i32) (result i32)
    (call $swap (local.get 0) (local.get 1))
    (block $b (param i32 i32) (result i32) (i32.sub)))
  (func (export "bulk") (param i32) (result i32)
    (memory.fill (i32.const 100) (local.get 0) (i32.const 16))
    (memory.init $pd (i32.const 120) (i32.const 2) (i32.const 4))
    (memory.copy (i32.const 104) (i32.const 120) (i32.const 4))
    (i32.add (i32.load (i32.const 100)) (i32.load (i32.const 104))))
  (func (export "simd") (param i32) (result i32) (local v128)
    (local.set 1 (i32x4.add (i32x4.splat (local.get 0)) (v128.const i32x4 1 2 3 4)))
    (v128.store (i32.const 200) (local.get 1))
    (local.set 1 (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get 1) (v128.load (i32.const 200))))
    (local.set 1 (v128.load32_lane 3 (i32.const 64) (local.get 1)))
    (i32.add (i32x4.extract_lane 0 (local.get 1)) (i32x4.extract_lane 3 (local.get 1))))
  (func (export "numeric") (param i32) (result i32)
    (i32.add (i32.extend8_s (local.get 0)) (i32.trunc_sat_f64_s (f64.mul (f64.convert_i32_s (local.get 0)) (f64.const 1e12)))))
  (func (export "loops") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (block $done
      (loop $outer
        (br_if $done (i32.ge_u (local.get $i) (i32.and (local.get $n) (i32.const 63))))
        (local.set $acc (i32.add (local.get $acc) (call_indirect (type $i2i) (local.get $i) (i32.rem_u (local.get $i) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_table $outer $done (i32.const 0))))
    (local.get $acc))
  (func $tailTo (param i32) (result i32) (return_call $double (local.get 0)))
  (func (export "tail") (param i32) (result i32)
    (i32.add (call $tailTo (local.get 0)) (return_call_indirect (type $i2i) (local.get 0) (i32.const 1)))))`;

const EH = `(module
  (tag $e (param i32))
  (memory 1 1) ;; not shared: wabt.js rejects shared memories even with threads on; atomics work without
  (func $thrower (param i32) (throw $e (local.get 0)))
  (func (export "eh") (param i32) (result i32)
    (try (result i32)
      (do (try (result i32) (do (call $thrower (local.get 0)) (i32.const -1)) (delegate 0)))
      (catch $e (i32.add (i32.const 1000)))
      (catch_all (i32.const -2))))
  (func (export "rethrow") (param i32) (result i32)
    (try (result i32)
      (do (try (do (call $thrower (local.get 0))) (catch $e (drop) (rethrow 0))) (i32.const -1))
      (catch $e)))
  (func (export "atomics") (param i32) (result i32)
    (drop (i32.atomic.rmw.add (i32.const 8) (local.get 0)))
    (atomic.fence)
    (i32.add (i32.atomic.load (i32.const 8)) (memory.atomic.notify (i32.const 8) (i32.const 0)))))`;

function runAll(inst: WebAssembly.Instance, args: number[]): unknown[] {
  const out: unknown[] = [];
  for (const [name, fn] of Object.entries(inst.exports).sort(([a], [b]) => a.localeCompare(b))) {
    if (typeof fn !== 'function') continue;
    for (const a of args) {
      try {
        out.push([name, a, (fn as (...x: number[]) => unknown)(a, a + 1)]);
      } catch (e) {
        out.push([name, a, 'threw', e instanceof Error ? e.constructor.name : String(e)]);
      }
    }
  }
  return out;
}

test('a module using every index-carrying construct behaves the same after instrumentation', async () => {
  const plain = await wat(RICH, { simd: true, reference_types: true, multi_value: true, tail_call: true }, true);
  const fuel = injectFuel(plain, { initialFuel: 3 });
  assert.ok(WebAssembly.validate(fuel));
  const env = { add: (a: number, b: number) => a + b, base: 5, twice: (a: number) => a * 2 };
  const r = refueler(3);
  const a = await instantiate(plain, { env });
  const b = await instantiate(fuel, { env, stratus: { refuel: r.refuel } });
  const args = [0, 1, 7, -3, 1000];
  const before = runAll(a, args);
  assert.deepEqual(runAll(b, args), before);
  assert.ok(r.calls > 0);
  // sanity: the answers depend on the right function being called (not all equal / zero)
  assert.deepEqual(before.filter((x) => (x as unknown[])[0] === 'direct').map((x) => (x as unknown[])[2]), [0, 9, 441, 81, 9_000_000]);
  assert.deepEqual(new Uint8Array((a.exports.memory as WebAssembly.Memory).buffer), new Uint8Array((b.exports.memory as WebAssembly.Memory).buffer));

  // the import is appended after the existing function imports; the name section is gone
  const info = parseModule(fuel);
  assert.deepEqual(info.imports.map((i) => `${i.module}.${i.name}:${i.kind}`), ['env.add:func', 'env.base:global', 'env.twice:func', 'stratus.refuel:func']);
  assert.ok(parseModule(plain).customSections.includes('name'));
  assert.ok(!info.customSections.includes('name'));
});

test('exception handling (legacy) and atomics survive instrumentation', async () => {
  const plain = await wat(EH, { exceptions: true, threads: true });
  const fuel = injectFuel(plain, { initialFuel: 1 });
  assert.ok(WebAssembly.validate(fuel));
  const r = refueler(1);
  const a = await instantiate(plain);
  const b = await instantiate(fuel, { stratus: { refuel: r.refuel } });
  const before = runAll(a, [0, 5, -9]);
  assert.deepEqual(before.filter((x) => (x as unknown[])[0] === 'eh').map((x) => (x as unknown[])[2]), [1000, 1005, 991]);
  assert.deepEqual(runAll(b, [0, 5, -9]), before);
  assert.ok(r.calls > 0);
});

test('types, imports and globals are added where missing and reused where present', async () => {
  // no sections at all except a custom one: all three get created, in canonical order
  const bare = Uint8Array.from([...WASM_HEADER, 0, 4, 3, 0x61, 0x62, 0x63]);
  const out = injectFuel(bare);
  assert.ok(WebAssembly.validate(out));
  const info = parseModule(out);
  assert.deepEqual(info.sections.map((s) => s.id), [0, 1, 2, 6]);
  assert.deepEqual(info.customSections, ['abc']);
  assert.equal(WebAssembly.Module.imports(new WebAssembly.Module(out))[0]!.name, 'refuel');

  // an existing (i32) -> i32 type is reused; the new global follows imported and defined globals
  const src = `(module (import "m" "g" (global $g i32)) (global $h (mut i32) (i32.const 4))
    (func (export "f") (result i32) (global.get $h)) (func (export "fuel") (param i32) (result i32) (local.get 0))
    (func (export "callsF") (result i32) (call 0)))`;
  const plain = await wat(src);
  const fuel = injectFuel(plain, { initialFuel: 1234 });
  assert.equal(parseModule(fuel).types.length, parseModule(plain).types.length);
  const inst = await instantiate(fuel, { m: { g: 1 }, stratus: { refuel: () => 0 } });
  assert.equal((inst.exports.f as () => number)(), 4);
  // read back the fuel global by exporting it: index 2 = 1 imported + 1 defined
  const withExport = exportGlobal(fuel, 'fuelGlobal', 2);
  const inst2 = await instantiate(withExport, { m: { g: 1 }, stratus: { refuel: () => 77 } });
  assert.equal((inst2.exports.fuelGlobal as WebAssembly.Global).value, 1234);
  // f is a leaf (no calls, no loops): bounded without an entry check, so it spends nothing
  (inst2.exports.f as () => number)();
  assert.equal((inst2.exports.fuelGlobal as WebAssembly.Global).value, 1234);
  // a function that calls is checked on entry (the call could recurse)
  assert.equal((inst2.exports.callsF as () => number)(), 4);
  assert.equal((inst2.exports.fuelGlobal as WebAssembly.Global).value, 1233);
});

// Weighed instructions: with no fuel to start with and a refuel that hands out none, every charge
// shows up as one refuel call whose argument is minus the charge (leaf functions spend nothing else).
const WEIGHED = `(module
  (memory (export "memory") 1 100)
  (table $t 4 100 funcref)
  (data $d "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
  (elem $e func $f $f $f)
  (func $f)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "fill") (param i32) (memory.fill (i32.const 0) (i32.const 7) (local.get 0)))
  (func (export "copy") (param i32) (memory.copy (i32.const 0) (i32.const 4096) (local.get 0)))
  (func (export "init") (param i32) (memory.init $d (i32.const 0) (i32.const 0) (local.get 0)))
  (func (export "fillSmallConst") (memory.fill (i32.const 0) (i32.const 1) (i32.const ${CHEAP_BULK_BYTES})))
  (func (export "fillBigConst") (memory.fill (i32.const 0) (i32.const 1) (i32.const 40000)))
  (func (export "tfill") (param i32) (table.fill $t (i32.const 0) (ref.null func) (local.get 0)))
  (func (export "tcopy") (param i32) (table.copy $t $t (i32.const 0) (i32.const 1) (local.get 0)))
  (func (export "tinit") (param i32) (table.init $t $e (i32.const 0) (i32.const 0) (local.get 0)))
  (func (export "tgrow") (param i32) (result i32) (table.grow $t (ref.null func) (local.get 0)))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0))))`;

async function weighedInstance() {
  const plain = await wat(WEIGHED, { reference_types: true });
  const charges: number[] = [];
  const inst = await instantiate(injectFuel(plain, { initialFuel: 0 }), { stratus: { refuel: (left: number) => { charges.push(-left); return 0; } } });
  const ex = inst.exports as Record<string, (...a: number[]) => number>;
  /** What calling `name(...args)` spent, and its result. */
  const spend = (name: string, ...args: number[]) => {
    charges.length = 0;
    const result = ex[name]!(...args);
    return { charged: [...charges], result };
  };
  return { spend, memory: inst.exports.memory as WebAssembly.Memory };
}

test('memory.grow spends fuel for the pages it leaves (now + asked), checked at once', async () => {
  const { spend, memory } = await weighedInstance();
  assert.deepEqual(spend('grow', 3), { charged: [growCost(1, 3)], result: 1 });
  assert.equal(memory.buffer.byteLength, 4 * 65536, 'the grow itself still happens');
  assert.deepEqual(spend('grow', 10), { charged: [growCost(4, 10)], result: 4 });
  assert.ok(growCost(4, 10) > growCost(1, 3));
  // a grow that fails (past the maximum) is charged too, with the asked-for pages capped
  assert.deepEqual(spend('grow', -1), { charged: [growCost(14, 0xffffffff)], result: -1 });
  assert.equal(growCost(0, 0xffffffff), 65536 * growCost(0, 1), 'pages asked are capped at 65 536');
});

test('memory.fill, memory.copy and memory.init spend fuel in proportion to their length', async () => {
  const { spend, memory } = await weighedInstance();
  assert.deepEqual(spend('fill', 4096).charged, [bulkCost(4096)]);
  assert.equal(new Uint8Array(memory.buffer)[4095], 7, 'the fill itself still happens');
  assert.deepEqual(spend('copy', 60000).charged, [bulkCost(60000)]);
  assert.deepEqual(spend('init', 64).charged, [bulkCost(64)]);
  assert.ok(bulkCost(60000) > bulkCost(4096) && bulkCost(4096) > bulkCost(64));
  // a constant length up to CHEAP_BULK_BYTES is not weighed; a larger constant is
  assert.deepEqual(spend('fillSmallConst').charged, []);
  assert.deepEqual(spend('fillBigConst').charged, [bulkCost(40000)]);
  // an out-of-bounds length traps as before, after being charged (it cannot wrap the i32 counter)
  const huge = spend.bind(null, 'fill', -1);
  assert.throws(huge, WebAssembly.RuntimeError);
  assert.equal(bulkCost(0xffffffff), 2 ** 30 - 1, 'at most 2^30: the i32 fuel cannot wrap');
});

test('table.fill, table.copy, table.init and table.grow spend fuel per element', async () => {
  const { spend } = await weighedInstance();
  assert.deepEqual(spend('tfill', 3).charged, [tableCost(3)]);
  assert.deepEqual(spend('tcopy', 2).charged, [tableCost(2)]);
  assert.deepEqual(spend('tinit', 3).charged, [tableCost(3)]);
  assert.deepEqual(spend('tgrow', 5), { charged: [tableCost(5)], result: 4 });
  assert.ok(tableCost(3) > tableCost(2));
  assert.ok(tableCost(0xffffffff) < 2 ** 31, 'the charge stays an i32');
});

test('a blocking memory.atomic.wait and 64-bit memories are refused (the actor runs on a worker thread)', async () => {
  const waits = await wat(`(module (memory 1 1)
    (func (export "w") (result i32) (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1))))`, { threads: true });
  assert.ok(WebAssembly.validate(waits));
  assert.throws(() => injectFuel(waits), (e: unknown) => e instanceof FuelError && /memory\.atomic\.wait .*block the host thread/.test(e.message));
  const notify = await wat(`(module (memory 1 1)
    (func (export "n") (result i32) (memory.atomic.notify (i32.const 0) (i32.const 1))))`, { threads: true });
  assert.ok(WebAssembly.validate(injectFuel(notify)), 'notify does not block');
  const mem64 = await wat('(module (memory i64 1) (func (export "g") (result i64) (memory.grow (i64.const 1))))', { memory64: true });
  assert.throws(() => injectFuel(mem64), (e: unknown) => e instanceof FuelError && /64-bit memory/.test(e.message));
});

/** Append a global export to a module's export section (test helper; the module must have one). */
function exportGlobal(bytes: Uint8Array, name: string, index: number): Uint8Array {
  const info = parseModule(bytes);
  const s = info.sections.find((x) => x.id === 7)!;
  const r = new CodeReader(bytes, s.payloadStart, s.end);
  const n = r.u32();
  const payload = [n + 1, ...bytes.subarray(r.pos, s.end), name.length, ...Buffer.from(name), 3, index];
  assert.ok(n + 1 < 128 && payload.length < 128);
  return Uint8Array.from([...bytes.subarray(0, s.start), 7, payload.length, ...payload, ...bytes.subarray(s.end)]);
}

test('unknown opcodes and malformed modules are FuelErrors naming what and where', () => {
  // (func) whose body is [0 locals] <opcode bytes> end
  const withBody = (...code: number[]) => {
    const body = [0, ...code, 0x0b];
    return Uint8Array.from([...WASM_HEADER, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, body.length + 2, 1, body.length, ...body]);
  };
  assert.ok(WebAssembly.validate(injectFuel(withBody(0x01))));
  assert.throws(() => injectFuel(withBody(0xff)), (e: unknown) => e instanceof FuelError && /unknown opcode 0xff at byte offset 23/.test(e.message));
  assert.throws(() => injectFuel(withBody(0xfc, 18)), (e: unknown) => e instanceof FuelError && /0xfc 18/.test(e.message));
  assert.throws(() => injectFuel(withBody(0xfe, 0x04)), (e: unknown) => e instanceof FuelError && /0xfe 4/.test(e.message));
  assert.throws(() => injectFuel(withBody(0x02, 0x40)), (e: unknown) => e instanceof FuelError && /without a final end/.test(e.message));
  // malformed: truncated, not wasm, body size past the section, trailing bytes after the final end
  const ok = withBody(0x01);
  assert.throws(() => injectFuel(ok.subarray(0, ok.length - 2)), FuelError);
  assert.throws(() => injectFuel(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])), FuelError);
  const badSize = ok.slice();
  badSize[badSize.length - 4] = 9;
  assert.throws(() => injectFuel(badSize), FuelError);
  assert.throws(() => injectFuel(withBody(0x0b, 0x01)), (e: unknown) => e instanceof FuelError && /after its final end/.test(e.message));
  // a table with an init expression (function references) is refused rather than left with stale indices
  const tableInit = Uint8Array.from([...WASM_HEADER, 4, 9, 1, 0x40, 0x00, 0x70, 0x00, 1, 0xd0, 0x70, 0x0b]);
  assert.throws(() => injectFuel(tableInit), (e: unknown) => e instanceof FuelError && /init expression/.test(e.message));
  const table = Uint8Array.from([...WASM_HEADER, 4, 4, 1, 0x70, 0x00, 1]);
  assert.ok(WebAssembly.validate(injectFuel(table)));
});

test('the decoder finds instruction boundaries for prefixed, lane, memarg and try_table forms', () => {
  const cases: [string, number[]][] = [
    ['v128.const', [0xfd, 12, ...new Array(16).fill(0xaa)]],
    ['i8x16.shuffle', [0xfd, 13, ...new Array(16).fill(0x0b)]],
    ['i16x8.replace_lane', [0xfd, 26, 7]],
    ['v128.load64_lane (memarg + lane)', [0xfd, 87, 3, 0x80, 0x01, 1]],
    ['v128.load32_zero', [0xfd, 92, 2, 0]],
    ['relaxed madd (two-byte subop)', [0xfd, 0x85, 0x02]],
    ['i64.atomic.rmw.cmpxchg', [0xfe, 0x49, 3, 8]],
    ['atomic.fence', [0xfe, 0x03, 0x00]],
    ['memory.init', [0xfc, 8, 1, 0]],
    ['table.copy', [0xfc, 14, 0, 1]],
    ['multi-memory load', [0x28, 0x42, 1, 0x10]],
    ['br_table', [0x0e, 2, 0, 1, 0x80, 0x01]],
    ['select t*', [0x1c, 1, 0x7b]],
    ['ref.null func', [0xd0, 0x70]],
    ['i64.const', [0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]],
    ['f64.const', [0x44, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b]],
    ['call_indirect', [0x11, 0x81, 0x01, 0]],
    ['throw_ref', [0x0a]],
  ];
  for (const [what, instr] of cases) {
    const bytes = Uint8Array.from([...instr, 0x01]);
    const r = new CodeReader(bytes, 0, bytes.length);
    r.next();
    assert.equal(r.pos, instr.length, what);
    r.next();
    assert.equal(r.op, 0x01, what);
  }
  // try_table with a type-index block type and catch clauses; nesting is tracked to the final end
  const tt = Uint8Array.from([0x1f, 0x05, 3, 0x00, 1, 0, 0x01, 2, 1, 0x03, 0, 0x0b, 0x0b]);
  const r = new CodeReader(tt, 0, tt.length);
  r.next();
  assert.equal(r.pos, 11);
  assert.equal(r.depth, 2);
  r.next();
  r.next();
  assert.equal(r.depth, 0);
  assert.throws(() => new CodeReader(Uint8Array.of(0x1f, 0x40, 1, 0x04), 0, 4).next(), DecodeError);
});

test('the AssemblyScript kvcounter instruments, validates and answers HandleRequest like the original', async (t) => {
  const dir = join(REPO, 'examples/kvcounter');
  const plain = (await compileProject(dir, loadConfig(dir))).wasm;
  let t0 = performance.now();
  let fuel = injectFuel(plain, { initialFuel: 50 });
  const cold = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < 20; i++) fuel = injectFuel(plain, { initialFuel: 50 });
  t.diagnostic(`kvcounter ${plain.length} bytes -> ${fuel.length} bytes, injectFuel ${cold.toFixed(2)} ms first run, ${((performance.now() - t0) / 20).toFixed(2)} ms avg of the next 20 (see bench/fuel for warmed-up numbers)`);
  assert.ok(WebAssembly.validate(fuel));
  const r = refueler(50);
  const before = await serveRequests(plain);
  const after = await serveRequests(fuel, { refuel: r.refuel });
  assert.deepEqual(after, before);
  assert.deepEqual(before.map((x) => x.body), ['{"counter": 1}', '{"counter": 2}', '{"counter": 1}']);
  assert.ok(r.calls > 0, 'refuel ran with a tiny budget');
});

// buildC fails with an install hint when clang is missing: like every other C fixture, never a skip
test('the C kvcounter (clang) behaves the same instrumented', async () => {
  const plain = buildC('kvcounter');
  const fuel = injectFuel(plain, { initialFuel: 5 });
  assert.ok(WebAssembly.validate(fuel));
  const r = refueler(5);
  const before = await serveRequests(plain);
  assert.deepEqual(await serveRequests(fuel, { refuel: r.refuel }), before);
  assert.equal(before[1]!.status, 200);
  assert.ok(r.calls > 0);
});

/** Three HandleRequest calls through GuestAbi with an in-memory KeyValue.Increment behind __host_call. */
async function serveRequests(bytes: Uint8Array, stratus?: { refuel: () => number }) {
  const store = new Map<string, number>();
  const hostCall = (_b: string, ns: string, op: string, payload: Uint8Array): HostCallResult => {
    if (ns !== 'wasmcloud:keyvalue' || op !== 'KeyValue.Increment') return { ok: false, error: `unexpected ${ns} ${op}` };
    const req = KeyValueCodec.Increment.decodeInput(payload);
    const v = (store.get(req.key) ?? 0) + req.value;
    store.set(req.key, v);
    return { ok: true, data: KeyValueCodec.Increment.encodeOutput(v) };
  };
  const abi = new GuestAbi(hostCall, () => undefined);
  const table = abi.imports();
  const imports: Record<string, unknown> = { wasmbus: table, wapc: table };
  if (stratus) imports.stratus = stratus;
  const inst = await instantiate(bytes, imports as WebAssembly.Imports);
  abi.bindMemory(inst.exports.memory as WebAssembly.Memory);
  const call = inst.exports.__guest_call as (a: number, b: number) => number;
  const out: { status: number; body: string }[] = [];
  for (const path of ['/a', '/a', '/b/c']) {
    const req = encodeHttpRequest({ method: 'GET', path, queryString: '', header: {}, body: new Uint8Array(0) });
    const res = abi.invoke(call, 'HttpServer.HandleRequest', req);
    assert.ok(res.ok, res.ok ? '' : res.error);
    const http = decodeHttpResponse(res.data);
    out.push({ status: http.statusCode, body: Buffer.from(http.body).toString('utf8') });
  }
  return out;
}
