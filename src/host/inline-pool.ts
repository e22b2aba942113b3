// The instances of one actor on the host's own thread (the "inline" lane). A call is a plain
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
import { GuestAbi, runInitExports, type HostCallResult } from '../abi/guest.js';
import { AsyncifyRuntime } from '../abi/asyncify-runtime.js';
import { ProcExit } from '../abi/wasi.js';
import { instantiateActor } from '../abi/instantiate.js';
import { FUEL_IMPORT_MODULE, FUEL_IMPORT_NAME } from '../wasm/fuel.js';
import { StratusError } from './errors.js';
import { atCeiling, callFailure, startFailure, timeoutError } from './call-errors.js';
import { expireQueued, RETIRE_IDLE_MS, SWEEP_MS } from './call-queue.js';

/** Longest a single call may hold the host thread before the actor is moved to worker threads. */
export const INLINE_SLICE_MS = 50;
/** Loop iterations / calls between two clock checks. */
const FUEL_PER_CHECK = 20_000;
/** Refuels past the slice's end before it counts as used up (see sliceRefuels). */
const MIN_SLICE_REFUELS = 16;
/** Shared empty list: most calls wait on no commit, so none is allocated for them. */
const NO_COMMITS: Promise<void>[] = [];

/** Thrown by refuel (as a JS exception it unwinds the guest): the call passed its deadline. */
class DeadlineTrap extends Error {}
/** Thrown by refuel: the call held the host thread longer than INLINE_SLICE_MS. */
class SliceTrap extends Error {}

/** A call stopped because it ran too long for the host thread; `replayable` if it made no host call. */
export class SliceExceeded extends StratusError {
  constructor(label: string, operation: string, readonly replayable: boolean) {
    super('TIMEOUT', `actor ${label} ran ${operation} for over ${INLINE_SLICE_MS} ms on the host thread${replayable ? '' : ' after making host calls, so it could not be re-run'}; the actor now runs on worker threads`,
      replayable ? undefined : 'retry the call; long-running actors are served from worker threads from now on');
  }
}

export interface InlinePoolConfig {
  /** Compiled module, fuel-instrumented and Asyncify-transformed. */
  module: WebAssembly.Module;
  label: string;
  count: number;
  maxInstances: number;
  maxMemoryPages: number;
  /** Serve a host call; may answer synchronously, or with a promise (the instance suspends). */
  hostCall(binding: string, namespace: string, operation: string, payload: Uint8Array, durable: (commit: Promise<void>) => void): HostCallResult | Promise<HostCallResult>;
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
  instanceStarted(id: string): void;
  instanceStopped(id: string): void;
  /** A call held the thread too long: settle it another way (the host moves the actor to workers).
   *  startedAt is performance.now() when the call was made. */
  sliceExceeded?(err: SliceExceeded, operation: string, payload: Uint8Array, timeoutMs: number, startedAt: number): Promise<Uint8Array>;
}

interface Job {
  operation: string;
  payload: Uint8Array;
  timeoutMs: number;
  /** performance.now() when the call was made, and its deadline (one clock read per call). */
  startedAt: number;
  deadline: number;
  resolve(v: Uint8Array): void;
  reject(e: Error): void;
  /** Where tryInvoke's job keeps an outcome reached at once (no closures per call). */
  out?: Uint8Array;
  failed?: Error;
}

function keepReply(this: Job, v: Uint8Array): void { this.out = v; }
function keepFailure(this: Job, e: Error): void { this.failed = e; }

class InlineInstance {
  readonly id = randomUUID();
  job: Job | null = null;
  dead = false;
  /** performance.now() when its last call began: the sweeper retires spare instances by it. */
  lastCallAt = 0;
  /** performance.now() limits for the running call. */
  deadlineAt = 0;
  sliceEnd = 0;
  /** Refuels since the slice began: a slice counts as used up only when the guest really computed
   *  (a process descheduled by a busy machine passes the wall-clock limit without burning fuel). */
  sliceRefuels = 0;
  hostCalls = 0;
  /** Commits the call's writes wait on; the reply is released after them. */
  durable: Promise<void>[] = NO_COMMITS;
  readonly abi: GuestAbi;
  readonly memory: WebAssembly.Memory;
  readonly rt: AsyncifyRuntime;
  readonly guestCall: (opLen: number, payloadLen: number) => number;

  constructor(cfg: InlinePoolConfig) {
    const durable = (p: Promise<void>) => {
      if (this.durable === NO_COMMITS) this.durable = [p];
      else if (!this.durable.includes(p)) this.durable.push(p);
    };
    this.abi = new GuestAbi((b, n, o, p) => {
      this.hostCalls++;
      return cfg.hostCall(b, n, o, p, durable); // a promise suspends the instance (see resumed())
    }, (text) => cfg.log('info', text));
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
      extra: { [FUEL_IMPORT_MODULE]: { [FUEL_IMPORT_NAME]: () => this.refuel() } },
      log: (stream, text) => cfg.log(stream === 'stderr' ? 'warn' : 'info', text),
    });
    const ex = live.exports;
    this.memory = live.memory;
    this.rt = new AsyncifyRuntime(ex, () => this.resumed());
    hostCall = this.rt.wrapImport(table.__host_call as (...a: number[]) => number | Promise<number>);
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
    this.sliceRefuels = 0;
  }

  private refuel(): number {
    const now = performance.now();
    if (now > this.deadlineAt) throw new DeadlineTrap('deadline passed');
    if (now > this.sliceEnd && ++this.sliceRefuels >= MIN_SLICE_REFUELS) throw new SliceTrap('time slice used up');
    return FUEL_PER_CHECK;
  }
}

export class InlinePool {
  readonly lane = 'inline' as const;
  private readonly instances = new Set<InlineInstance>();
  private readonly idle: InlineInstance[] = [];
  private queue: Job[] = [];
  private stopped = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly cfg: InlinePoolConfig) {}

  get size(): number { return this.instances.size; }
  get count(): number { return this.cfg.count; }

  async start(): Promise<void> {
    for (let i = 0; i < this.cfg.count; i++) this.idle.push(this.spawn());
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  canServeNow(): boolean {
    return this.idle.length > 0 || this.instances.size < this.cfg.maxInstances;
  }

  invoke(operation: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.stopped) return Promise.reject(new StratusError('ACTOR_NOT_RUNNING', `actor ${this.cfg.label} is stopping`));
    return new Promise<Uint8Array>((resolve, reject) => {
      const now = performance.now();
      const job: Job = { operation, payload, timeoutMs, startedAt: now, deadline: now + timeoutMs, resolve, reject };
      let inst = this.idle.pop();
      if (!inst && this.instances.size < this.cfg.maxInstances) {
        try { inst = this.spawn(); } catch (e) { return reject(e as Error); }
      }
      if (inst) this.run(inst, job);
      else this.queue.push(job);
    });
  }

  /**
   * invoke() without a promise when the call completes at once: with an idle instance, no suspension
   * and no commit to wait for (the common case for actors on synchronous providers), the reply is
   * returned directly. Otherwise the promise invoke() would have returned.
   */
  tryInvoke(operation: string, payload: Uint8Array, timeoutMs: number): Uint8Array | Promise<Uint8Array> {
    const inst = this.idle.length > 0 && this.queue.length === 0 && !this.stopped ? this.idle.pop()! : undefined;
    if (!inst) return this.invoke(operation, payload, timeoutMs);
    const now = performance.now();
    const job: Job = { operation, payload, timeoutMs, startedAt: now, deadline: now + timeoutMs, resolve: keepReply, reject: keepFailure };
    this.run(inst, job, now); // a call that finishes now settles through keepReply/keepFailure
    if (job.out !== undefined) return job.out;
    if (job.failed !== undefined) return Promise.reject(job.failed);
    // still running (suspended, or waiting on a commit): it settles later, through a promise
    return new Promise<Uint8Array>((res, rej) => { job.resolve = res; job.reject = rej; });
  }

  async scale(count: number): Promise<void> {
    this.cfg.count = count;
    if (count > this.cfg.maxInstances) this.cfg.maxInstances = count;
    while (this.instances.size < count) this.idle.push(this.spawn());
    while (this.instances.size > count && this.idle.length > 0) this.retire(this.idle.pop()!);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const err = new StratusError('ACTOR_NOT_RUNNING', `actor ${this.cfg.label} was stopped`);
    for (const j of this.queue) j.reject(err);
    this.queue = [];
    for (const inst of [...this.instances]) {
      inst.job?.reject(err);
      inst.job = null;
      this.retire(inst);
    }
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
    this.cfg.instanceStarted(inst.id);
    return inst;
  }

  private retire(inst: InlineInstance): void {
    if (inst.dead) return;
    inst.dead = true;
    const i = this.idle.indexOf(inst);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.instances.delete(inst)) this.cfg.instanceStopped(inst.id);
  }

  private run(inst: InlineInstance, job: Job, now = performance.now()): void {
    inst.job = job;
    inst.hostCalls = 0;
    inst.durable = NO_COMMITS;
    inst.lastCallAt = now;
    inst.deadlineAt = now + job.timeoutMs;
    inst.sliceEnd = now + INLINE_SLICE_MS;
    inst.sliceRefuels = 0;
    inst.abi.begin(job.operation, job.payload);
    let rc: number | Promise<number>;
    try {
      rc = inst.rt.call2(inst.guestCall, inst.abi.opLength, job.payload.length);
    } catch (e) {
      return this.trapped(inst, job, e);
    }
    if (typeof rc === 'number') return this.finish(inst, job, rc);
    rc.then((v) => this.finish(inst, job, v), (e) => this.trapped(inst, job, e));
  }

  private finish(inst: InlineInstance, job: Job, rc: number): void {
    if (inst.job !== job) return; // timed out or stopped while suspended
    const r = inst.abi.finish(rc, job.operation);
    inst.abi.end();
    const durable = inst.durable;
    inst.job = null;
    inst.durable = NO_COMMITS;
    this.release(inst);
    if (!r.ok) return job.reject(callFailure('guest', r.error, this.cfg.label, job.operation, this.cfg.maxMemoryPages));
    if (durable.length === 0) return job.resolve(r.data);
    // the reply leaves only once the writes it reports are committed
    const data = r.data;
    (durable.length === 1 ? durable[0]! : Promise.all(durable)).then(() => job.resolve(data), (e: Error) => job.reject(e));
  }

  private trapped(inst: InlineInstance, job: Job, e: unknown): void {
    inst.abi.end();
    this.retire(inst); // its state is undefined now
    if (inst.job === job) {
      inst.job = null;
      const text = e instanceof Error ? e.message : String(e);
      let err: StratusError;
      if (e instanceof DeadlineTrap) err = timeoutError(this.cfg.label, job.operation, job.timeoutMs);
      else if (e instanceof SliceTrap) {
        const slice = new SliceExceeded(this.cfg.label, job.operation, inst.hostCalls === 0);
        if (this.cfg.sliceExceeded) {
          // arrows: tryInvoke may swap job.resolve/reject after this line has run
          this.cfg.sliceExceeded(slice, job.operation, job.payload, job.timeoutMs, job.startedAt).then((v) => job.resolve(v), (e: Error) => job.reject(e));
          this.refill();
          return;
        }
        err = slice;
      }
      else if (e instanceof ProcExit) err = callFailure('exit', text, this.cfg.label, job.operation, this.cfg.maxMemoryPages);
      else if (atCeiling(inst.memory)) err = callFailure('memory', text, this.cfg.label, job.operation, this.cfg.maxMemoryPages);
      else err = callFailure('trap', text, this.cfg.label, job.operation, this.cfg.maxMemoryPages);
      job.reject(err);
    }
    this.refill();
  }

  private release(inst: InlineInstance): void {
    if (inst.dead || this.stopped) return;
    this.idle.push(inst);
    this.drain();
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
      try { inst = this.spawn(); } catch (e) { this.cfg.log('error', (e as Error).message); return; }
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
      const job = inst.job;
      if (job && job.deadline <= now && inst.rt.suspended) {
        inst.job = null;
        this.retire(inst); // never rewound: its host call's late answer is dropped
        job.reject(timeoutError(this.cfg.label, job.operation, job.timeoutMs));
        this.refill();
      }
    }
    if (this.queue.length > 0) this.queue = expireQueued(this.queue, now, this.cfg.label, this.instances.size);
  }
}
