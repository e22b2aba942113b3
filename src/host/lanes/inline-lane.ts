// The instances of one actor on the host's own thread: the inline lane (see lane.ts). A call is a plain
// function call into the instance: no thread hop, no message, which is what makes Stratus fast.
// What the worker lane gets from threads is kept by other means:
//  - deadlines: the module carries a fuel counter (src/wasm/fuel.ts); every few thousand loop
//    iterations or calls it asks `refuel`, which throws once the call's deadline has passed;
//  - a responsive host: a call may hold the thread for at most INLINE_SLICE_MS. A longer one is
//    stopped and reported as SliceExceeded; the host then moves the actor to worker threads;
//  - asynchronous host calls (Redis, other actors): the module is Asyncify-transformed
//    (src/wasm/asyncify.ts), so the instance suspends while the host call is awaited. A busy or
//    suspended instance is never re-entered: other calls use another instance or wait.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DEFAULT_MAX_RESPONSE_BYTES, GuestAbi, runInitExports, type HostCallResult } from '../../abi/guest.js';
import { AsyncifyRuntime } from '../../abi/asyncify-runtime.js';
import { ProcExit } from '../../abi/wasi.js';
import { instantiateActor } from '../../abi/instantiate.js';
import { FUEL_IMPORT_MODULE, FUEL_IMPORT_NAME } from '../../wasm/fuel.js';
import { StratusError } from '../../core/errors.js';
import { atCeiling, callFailure, memoryNote, startFailure, stoppedBeforeStart, stoppedMidCall, timeoutError } from './call-errors.js';
import { expireQueued, RETIRE_IDLE_MS, Settled, Sweeper } from './call-queue.js';
import type { Lane, LaneHooks } from './lane.js';
import type { CallTrace } from '../events.js';
import { release as giveBackLoan } from './loan.js';

/** Longest a single call may hold the host thread before the actor is moved to worker threads. */
export const INLINE_SLICE_MS = 50;
/** Fuel between two clock checks: loop iterations and calls, or less when weighed instructions
 *  (memory.grow, bulk memory and table instructions; src/wasm/fuel.ts WEIGHTS) spend more. */
const FUEL_PER_CHECK = 20_000;
/** Fuel spent past the slice's end before it counts as used up (see sliceSpent). */
const MIN_SLICE_FUEL = 16 * FUEL_PER_CHECK;
/** Shared empty list: most calls wait on no commit, so none is allocated for them. */
const NO_COMMITS: Promise<void>[] = [];

/** Thrown by refuel (as a JS exception it unwinds the guest): the call passed its deadline. */
class DeadlineTrap extends Error {}
/** Thrown by refuel: the call held the host thread longer than INLINE_SLICE_MS. */
class SliceTrap extends Error {}

/** A call stopped because it ran too long for the host thread; `replayable` if it made no host call. */
export class SliceExceeded extends StratusError {
  constructor(label: string, operation: string, readonly replayable: boolean) {
    super(replayable ? 'TIMEOUT' : 'INTERRUPTED', `actor ${label} ran ${operation} for over ${INLINE_SLICE_MS} ms on the host thread${replayable ? '' : ' after making host calls, so it could not be re-run'}; the actor now runs on worker threads`,
      replayable ? undefined : 'retry the call; long-running actors are served from worker threads from now on');
  }
}

export interface InlineLaneConfig {
  /** Compiled module, fuel-instrumented and Asyncify-transformed. */
  module: WebAssembly.Module;
  label: string;
  count: number;
  maxInstances: number;
  maxMemoryPages: number;
  /** Serve a host call; may answer synchronously, or with a promise (the instance suspends).
   *  `trace` is the running call's (see Lane.invoke). */
  hostCall(binding: string, namespace: string, operation: string, payload: Uint8Array, durable: (commit: Promise<void>) => void, trace: CallTrace | undefined): HostCallResult | Promise<HostCallResult>;
  /** Tried before hostCall with the payload borrowed from guest memory (BorrowingHostCallFn in src/abi/guest.ts). */
  hostCallBorrowing?(binding: string, namespace: string, operation: string, view: Uint8Array): HostCallResult | undefined;
  hooks: LaneHooks;
  /** A call held the thread too long: settle it another way (the host moves the actor to workers).
   *  startedAt is performance.now() when the call was made. */
  sliceExceeded?(err: SliceExceeded, operation: string, payload: Uint8Array, timeoutMs: number, startedAt: number, trace?: CallTrace): Promise<Uint8Array>;
}

interface Call {
  operation: string;
  payload: Uint8Array;
  timeoutMs: number;
  maxResponseBytes: number;
  /** performance.now() when the call was made, and its deadline (one clock read per call). */
  startedAt: number;
  deadline: number;
  resolve(v: Uint8Array): void;
  reject(e: Error): void;
  trace: CallTrace | undefined;
  /** Where invokeNow's call keeps an outcome reached at once (no closures per call). */
  out?: Uint8Array;
  failed?: Error;
}

function keepReply(this: Call, v: Uint8Array): void { this.out = v; }
function keepFailure(this: Call, e: Error): void { this.failed = e; }

class InlineInstance {
  readonly id = randomUUID();
  call: Call | null = null;
  dead = false;
  /** performance.now() when its last call began: the sweeper retires spare instances by it. */
  lastCallAt = 0;
  /** performance.now() limits for the running call. */
  deadlineAt = 0;
  sliceEnd = 0;
  /** Fuel spent past the slice's end (a host call counts as FUEL_PER_CHECK): a slice counts as used
   *  up only when the guest really kept working (a process descheduled by a busy machine passes the
   *  wall-clock limit without burning fuel). */
  sliceSpent = 0;
  hostCalls = 0;
  /** Commits the call's writes wait on; the reply is released after them. */
  durable: Promise<void>[] = NO_COMMITS;
  readonly abi: GuestAbi;
  readonly memory: WebAssembly.Memory;
  readonly rt: AsyncifyRuntime;
  readonly guestCall: (opLen: number, payloadLen: number) => number;

  constructor(cfg: InlineLaneConfig) {
    const durable = (p: Promise<void>) => {
      if (this.durable === NO_COMMITS) this.durable = [p];
      else if (!this.durable.includes(p)) this.durable.push(p);
    };
    this.abi = new GuestAbi((b, n, o, p) => {
      this.hostCalls++;
      return cfg.hostCall(b, n, o, p, durable, this.call?.trace); // a promise suspends the instance (see resumed())
    }, (text) => cfg.hooks.log('info', text));
    this.abi.label = cfg.label;
    if (cfg.hostCallBorrowing !== undefined) {
      this.abi.borrowing = (b, n, o, v) => {
        const r = cfg.hostCallBorrowing!(b, n, o, v);
        if (r !== undefined) this.hostCalls++;
        return r;
      };
    }
    const table = this.abi.imports();
    // the Asyncify wrapper needs the instance's exports, so the import forwards to it once made
    let hostCall: (...a: number[]) => number | void = () => {
      throw new Error('host call during instantiation is not supported');
    };
    const live = instantiateActor(cfg.module, this.abi, {
      table: {
        ...table,
        __host_call: (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => hostCall(a, b, c, d, e, f, g, h),
      },
      extra: { [FUEL_IMPORT_MODULE]: { [FUEL_IMPORT_NAME]: (left: number) => this.refuel(left) } },
      log: (stream, text) => cfg.hooks.log(stream === 'stderr' ? 'warn' : 'info', text),
    });
    const ex = live.exports;
    this.memory = live.memory;
    this.rt = new AsyncifyRuntime(ex, () => this.resumed());
    // The watchdog sees host calls too: a loop of synchronous host calls spends almost no fuel
    // (one function entry or loop header per call) but can hold the thread for seconds.
    const serve = table.__host_call as (a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => number | Promise<number>;
    hostCall = this.rt.wrapImport((a: number, b: number, c: number, d: number, e: number, f: number, g: number, h: number) => {
      this.checkClock(FUEL_PER_CHECK);
      return serve(a, b, c, d, e, f, g, h);
    });
    this.guestCall = live.guestCall;
    // init exports run under the default deadline's fuel checks too
    this.deadlineAt = performance.now() + 2000;
    this.sliceEnd = performance.now() + 2000;
    runInitExports(ex);
  }

  /** A suspended host call was answered: the instance runs on, with a new time slice. */
  private resumed(): void {
    // an instance abandoned at its deadline must not run on: the error traps it
    if (this.dead) throw new Error('the call was abandoned at its deadline');
    this.sliceEnd = performance.now() + INLINE_SLICE_MS;
    this.sliceSpent = 0;
  }

  /** `left` is the fuel global when it ran out: zero or below, lower after a weighed instruction. */
  private refuel(left: number): number {
    // spent since the last refuel: what it handed out plus the overspend (a positive `left` can only
    // come from a guest calling the import itself, and must not earn it credit)
    this.checkClock(FUEL_PER_CHECK - (left < 0 ? left : 0));
    return FUEL_PER_CHECK;
  }

  /** At every refuel and before every host call (not on the rewind after a suspension): throws,
   *  unwinding the guest, once the call passed its deadline or used up its time slice. */
  private checkClock(spent: number): void {
    const now = performance.now();
    if (now > this.deadlineAt) throw new DeadlineTrap('deadline passed');
    if (now > this.sliceEnd && (this.sliceSpent += spent) >= MIN_SLICE_FUEL) throw new SliceTrap('time slice used up');
  }
}

export class InlineLane implements Lane {
  readonly kind = 'inline' as const;
  private readonly instances = new Set<InlineInstance>();
  private readonly idle: InlineInstance[] = [];
  private queue: Call[] = [];
  private stopped = false;
  private readonly sweeper = new Sweeper(() => this.sweep(), () => this.needsSweep());
  private readonly whenSettled = new Settled(() => this.inFlight === 0);

  constructor(private readonly cfg: InlineLaneConfig) {}

  get size(): number { return this.instances.size; }
  get count(): number { return this.cfg.count; }
  get maxInstances(): number { return this.cfg.maxInstances; }
  get inFlight(): number { return this.instances.size - this.idle.length + this.queue.length; }
  settled(): Promise<void> { return this.whenSettled.wait(); }

  async start(): Promise<void> {
    for (let i = 0; i < this.cfg.count; i++) this.idle.push(this.spawn());
  }

  /** Sweeping has work: calls waiting, instances above `count` to retire, or suspended calls whose
   *  deadlines only the sweeper enforces (a running call is stopped by its own fuel checks). */
  private needsSweep(): boolean {
    if (this.queue.length > 0 || this.instances.size > this.cfg.count) return true;
    for (const inst of this.instances) if (inst.call && inst.rt.suspended) return true;
    return false;
  }

  /** Start the sweeper if it is not running (not after stop); it stops itself once needsSweep() is false. */
  private armSweeper(): void {
    if (!this.stopped) this.sweeper.arm();
  }

  /** Whether the sweeper runs now (tests: idle actors keep no timer). */
  get sweeping(): boolean { return this.sweeper.running; }

  canServeNow(): boolean {
    return this.idle.length > 0 || this.instances.size < this.cfg.maxInstances;
  }

  invoke(operation: string, payload: Uint8Array, timeoutMs: number, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES, trace?: CallTrace): Promise<Uint8Array> {
    if (this.stopped) return Promise.reject(stoppedBeforeStart(this.cfg.label, operation));
    return new Promise<Uint8Array>((resolve, reject) => {
      const now = performance.now();
      const call: Call = { operation, payload, timeoutMs, maxResponseBytes, startedAt: now, deadline: now + timeoutMs, resolve, reject, trace };
      let inst = this.idle.pop();
      if (!inst && this.instances.size < this.cfg.maxInstances) {
        try { inst = this.spawn(); } catch (e) { return reject(e as Error); }
      }
      if (inst) this.run(inst, call);
      else {
        this.queue.push(call);
        this.armSweeper();
      }
    });
  }

  /**
   * invoke() without a promise when the call completes at once: with an idle instance, no suspension
   * and no commit to wait for (the common case for actors on synchronous providers), the reply is
   * returned directly. Otherwise the promise invoke() would have returned.
   */
  invokeNow(operation: string, payload: Uint8Array, timeoutMs: number, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES, trace?: CallTrace): Uint8Array | Promise<Uint8Array> {
    const inst = this.idle.length > 0 && this.queue.length === 0 && !this.stopped ? this.idle.pop()! : undefined;
    if (!inst) return this.invoke(operation, payload, timeoutMs, maxResponseBytes, trace);
    const now = performance.now();
    const call: Call = { operation, payload, timeoutMs, maxResponseBytes, startedAt: now, deadline: now + timeoutMs, resolve: keepReply, reject: keepFailure, trace };
    this.run(inst, call, now); // a call that finishes now settles through keepReply/keepFailure
    if (call.out !== undefined) return call.out;
    if (call.failed !== undefined) return Promise.reject(call.failed);
    // still running (suspended, or waiting on a commit): it settles later, through a promise
    return new Promise<Uint8Array>((res, rej) => { call.resolve = res; call.reject = rej; });
  }

  async scale(count: number): Promise<void> {
    this.cfg.count = count;
    if (count > this.cfg.maxInstances) this.cfg.maxInstances = count;
    while (this.instances.size < count) this.idle.push(this.spawn());
    while (this.instances.size > count && this.idle.length > 0) this.retire(this.idle.pop()!);
    if (this.instances.size > count) this.armSweeper(); // busy ones go once idle
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sweeper.stop();
    for (const j of this.queue) j.reject(stoppedBeforeStart(this.cfg.label, j.operation));
    this.queue = [];
    for (const inst of [...this.instances]) {
      inst.call?.reject(stoppedMidCall(this.cfg.label, inst.call.operation));
      inst.call = null;
      this.retire(inst);
    }
    this.whenSettled.check();
  }

  private spawn(): InlineInstance {
    let inst: InlineInstance;
    try {
      inst = new InlineInstance(this.cfg);
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      throw startFailure(this.cfg.label, text,
        (e as { code?: string }).code === 'MISSING_EXPORT' ? 'MISSING_EXPORT' : e instanceof ProcExit ? 'PROC_EXIT' : 'TRAP');
    }
    this.instances.add(inst);
    if (this.instances.size > this.cfg.count) this.armSweeper(); // a burst instance, retired after idling
    this.cfg.hooks.instanceStarted(inst.id);
    return inst;
  }

  private retire(inst: InlineInstance): void {
    if (inst.dead) return;
    inst.dead = true;
    const i = this.idle.indexOf(inst);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.instances.delete(inst)) this.cfg.hooks.instanceStopped(inst.id);
  }

  private run(inst: InlineInstance, call: Call, now = performance.now()): void {
    inst.call = call;
    inst.hostCalls = 0;
    inst.durable = NO_COMMITS;
    inst.lastCallAt = now;
    inst.deadlineAt = now + call.timeoutMs;
    inst.sliceEnd = now + INLINE_SLICE_MS;
    inst.sliceSpent = 0;
    inst.abi.begin(call.operation, call.payload, call.maxResponseBytes);
    let rc: number | Promise<number>;
    try {
      rc = inst.rt.call2(inst.guestCall, inst.abi.opLength, call.payload.length);
    } catch (e) {
      return this.trapped(inst, call, e);
    }
    if (typeof rc === 'number') return this.finish(inst, call, rc);
    this.armSweeper(); // suspended: its deadline is the sweeper's to enforce
    rc.then((v) => this.finish(inst, call, v), (e) => this.trapped(inst, call, e));
  }

  private finish(inst: InlineInstance, call: Call, rc: number): void {
    if (inst.call !== call) return; // timed out or stopped while suspended
    const r = inst.abi.finish(rc, call.operation);
    inst.abi.end();
    giveBackLoan(call.payload); // in guest memory since __guest_request: a lent request goes back (loan.ts)
    const durable = inst.durable;
    inst.call = null;
    inst.durable = NO_COMMITS;
    this.release(inst);
    if (!r.ok) return call.reject(callFailure('guest', r.error, this.cfg.label, call.operation, this.cfg.maxMemoryPages));
    if (durable.length === 0) return call.resolve(r.data);
    // the reply leaves only once the writes it reports are committed
    const data = r.data;
    (durable.length === 1 ? durable[0]! : Promise.all(durable)).then(() => call.resolve(data), (e: Error) => call.reject(e));
  }

  private trapped(inst: InlineInstance, call: Call, e: unknown): void {
    inst.abi.end();
    this.retire(inst); // its state is undefined now
    if (inst.call === call) {
      inst.call = null;
      const text = e instanceof Error ? e.message : String(e);
      const pages = inst.memory.buffer.byteLength / 65536; // before atCeiling(), which grows it
      let err: StratusError;
      if (e instanceof DeadlineTrap) err = timeoutError(this.cfg.label, call.operation, call.timeoutMs);
      else if (e instanceof SliceTrap) {
        const slice = new SliceExceeded(this.cfg.label, call.operation, inst.hostCalls === 0);
        if (this.cfg.sliceExceeded) {
          // arrows: invokeNow may swap call.resolve/reject after this line has run
          this.cfg.sliceExceeded(slice, call.operation, call.payload, call.timeoutMs, call.startedAt, call.trace).then((v) => call.resolve(v), (e: Error) => call.reject(e));
          this.refill();
          this.whenSettled.check();
          return;
        }
        err = slice;
      }
      else if (e instanceof ProcExit) err = callFailure('exit', text, this.cfg.label, call.operation, this.cfg.maxMemoryPages);
      else if (atCeiling(inst.memory)) err = callFailure('memory', text, this.cfg.label, call.operation, this.cfg.maxMemoryPages);
      else err = callFailure('trap', text + memoryNote(pages, this.cfg.maxMemoryPages), this.cfg.label, call.operation, this.cfg.maxMemoryPages);
      giveBackLoan(call.payload); // not run again (a slice overrun handed to the mover is, above: it keeps it)
      call.reject(err);
    }
    this.refill();
    this.whenSettled.check();
  }

  private release(inst: InlineInstance): void {
    if (inst.dead || this.stopped) return;
    this.idle.push(inst);
    this.drain();
    this.whenSettled.check();
  }

  /** Serve queued calls with idle instances. A loop, not recursion: a queued call that finishes at
   *  once releases its instance from inside run(), and a long queue must not deepen the stack. */
  private draining = false;
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0 && this.idle.length > 0 && !this.stopped) this.run(this.idle.pop()!, this.queue.shift()!);
    } finally {
      this.draining = false;
    }
  }

  /** Keep `count` instances, and serve the queue with fresh ones after a trap. */
  private refill(): void {
    if (this.stopped) return;
    while (this.instances.size < this.cfg.count || (this.queue.length > 0 && this.instances.size < this.cfg.maxInstances)) {
      let inst: InlineInstance;
      try { inst = this.spawn(); } catch (e) { this.cfg.hooks.log('error', (e as Error).message); return; }
      const next = this.queue.shift();
      if (next) this.run(inst, next);
      else this.idle.push(inst);
    }
  }

  /** Deadlines of suspended calls (a running call is stopped by its fuel checks) and queued ones. */
  private sweep(): void {
    const now = performance.now();
    // idle is used LIFO, so its front holds the instances released earliest
    while (this.instances.size > this.cfg.count && this.idle.length > 0 && now - this.idle[0]!.lastCallAt >= RETIRE_IDLE_MS) {
      this.retire(this.idle[0]!);
    }
    for (const inst of this.instances) {
      const call = inst.call;
      if (call && call.deadline <= now && inst.rt.suspended) {
        inst.call = null;
        this.retire(inst); // never rewound: its host call's late answer is dropped
        call.reject(timeoutError(this.cfg.label, call.operation, call.timeoutMs));
        this.refill();
      }
    }
    if (this.queue.length > 0) this.queue = expireQueued(this.queue, now, this.cfg.label, this.instances.size);
    this.whenSettled.check();
  }
}
