// The instances of one actor: one worker thread per instance, so a looping instance can be
// terminated without touching others. A busy instance is never re-entered: calls go to an idle
// instance, spawn a new one (up to maxInstances), or wait in a FIFO queue.
import { Worker, MessageChannel } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { StratusError } from '../../core/errors.js';
import { callFailure, memoryNote, startFailure, stoppedBeforeStart, stoppedMidCall, timeoutError, type FailureKind } from './call-errors.js';
import { expireQueued, RETIRE_IDLE_MS, Settled, Sweeper } from './call-queue.js';
import { MSG, type WorkerInit, type WorkerMessage } from './worker/protocol.js';
import { Channel, createChannelBuffer, CTL, DEFAULT_DATA_BYTES, KIND } from './worker/channel.js';
import { ResultAreas } from './worker/result-areas.js';
import { lend, release } from './loan.js';
import { DEFAULT_MAX_RESPONSE_BYTES, type HostCallResult } from '../../abi/guest.js';
import type { SignalPoller } from './worker/signal-poller.js';
import type { Lane, LaneHooks } from './lane.js';
import type { CallTrace } from '../events.js';

import { WORKER_URL, type WorkerReserve } from './worker/reserve.js';

export interface WorkerLaneConfig {
  module: WebAssembly.Module;
  /** `M... (name)`, used in messages. */
  label: string;
  count: number;
  maxInstances: number;
  maxMemoryPages: number;
  /** A guest made a host call; answer with `inst.replyHostCall(...)` (sync or later). */
  hostCall(inst: WorkerInstance, binding: string, namespace: string, operation: string, payload: Uint8Array): void;
  hooks: LaneHooks;
  /** The host's signal poller (worker/signal-poller.ts). */
  poller: SignalPoller;
  /** Pre-booted workers to draw from (optional). */
  reserve?: WorkerReserve;
  /** Lets the worker serve builtins itself (claims checked there with the router's rule). */
  actor?: WorkerInit['actor'];
  /** A call finished after `ms` on an instance (queue wait excluded): lane placement uses it. */
  served?(ms: number): void;
}


const EMPTY = new Uint8Array(0);

interface Call {
  operation: string;
  payload: Uint8Array;
  timeoutMs: number;
  maxResponseBytes: number;
  deadline: number;
  resolve(v: Uint8Array): void;
  reject(e: Error): void;
  /** The call's trace, for its host calls (see Lane.invoke). */
  trace: CallTrace | undefined;
  /** performance.now() when an instance took it. */
  startedAt?: number;
}

/** What a worker reported back: a result, or a host call to serve. */
export type Outcome = { ok: true; d: Uint8Array } | { ok: false; k: number; e: string; pages: number };


export class WorkerInstance {
  readonly id = randomUUID();
  busy: Call | null = null;
  dead = false;
  /** When it last went idle (for retiring surplus instances). */
  idleSince = 0;
  private readonly ctl: Int32Array;

  constructor(
    readonly worker: Worker,
    private readonly ch: Channel,
    private readonly onResult: (inst: WorkerInstance, o: Outcome) => void,
    private readonly onHostCall: (inst: WorkerInstance, b: string, n: string, o: string, p: Uint8Array) => void,
    private readonly poller: SignalPoller,
    private readonly areas: ResultAreas,
  ) {
    this.ctl = ch.ctl;
  }

  /** Hand a job to the (idle, blocked) worker and wait asynchronously for its signal. */
  run(operation: string, payload: Uint8Array, maxResponseBytes: number): void {
    const ctl = this.ctl;
    Atomics.store(ctl, CTL.SIGNAL, 0);
    ctl[CTL.LIMIT] = maxResponseBytes;
    // the lane's last result was large: give the worker a result area of that size (channel.ts)
    const want = Math.min(this.areas.expected, maxResponseBytes);
    if (want > DEFAULT_DATA_BYTES) {
      const held = this.ch.resultArea;
      if (held === undefined || held.length < want) {
        if (held) this.areas.give(held);
        this.ch.giveResultArea(this.areas.take(want));
      }
    }
    this.ch.writeJob(operation, payload);
    Atomics.store(ctl, CTL.JOB, 1);
    Atomics.notify(ctl, CTL.JOB);
    this.arm();
  }

  private arm(): void {
    this.poller.watch(this);
  }

  /** True once the worker has signalled (a result or a host call is waiting in the channel). */
  signalled(): boolean {
    return Atomics.load(this.ctl, CTL.SIGNAL) === 1;
  }

  /** Stop polling: sleep until the worker's Atomics.notify (used when the main thread is idle). */
  park(): void {
    const w = Atomics.waitAsync(this.ctl, CTL.SIGNAL, 0);
    if (w.async) w.value.then(this.onSignal);
    else this.onSignal();
  }

  readonly onSignal = (): void => {
    if (this.dead) return;
    if (Atomics.load(this.ctl, CTL.SIGNAL) !== 1) return this.park(); // woken without a signal
    const kind = this.ctl[CTL.KIND];
    if (kind === KIND.HOST_CALL) {
      const { s, b } = this.ch.readMixed(3);
      try {
        this.onHostCall(this, s[0]!, s[1]!, s[2]!, b);
      } catch (e) {
        // a routing/provider bug must fail this host call, never the host process
        this.replyHostCall({ ok: false, error: `host failed to serve ${s[2]} on ${s[1]}: ${e instanceof Error ? e.message : String(e)}` });
      }
    } else if (kind === KIND.OK) {
      const { bytes, area } = this.ch.readResult();
      if (bytes.length > DEFAULT_DATA_BYTES) this.areas.expected = bytes.length;
      const areas = this.areas;
      this.onResult(this, { ok: true, d: area ? lend(bytes, () => areas.give(area)) : bytes });
    } else {
      const [e, pages] = this.ch.readStrings(2); // the failure's text, and the instance's memory pages then
      this.onResult(this, { ok: false, k: kind!, e: e!, pages: Number(pages) });
    }
  };

  /** Wake the worker blocked in __host_call with its reply. */
  replyHostCall(res: HostCallResult): void {
    if (this.dead) return;
    const ctl = this.ctl;
    Atomics.store(ctl, CTL.SIGNAL, 0);
    if (res.ok) this.ch.write(KIND.OK, [res.data]);
    else this.ch.write(KIND.ERROR, [res.error]);
    Atomics.store(ctl, CTL.REPLY, 1);
    Atomics.notify(ctl, CTL.REPLY);
    this.arm();
  }

  /** Operation being served right now (for self-call detection and messages). */
  get operation(): string | undefined {
    return this.busy?.operation;
  }

  /** The trace of the call being served (its host calls are children of it). */
  get trace(): CallTrace | undefined {
    return this.busy?.trace;
  }
}

export class WorkerLane implements Lane {
  readonly kind = 'worker' as const;
  private readonly instances = new Set<WorkerInstance>();
  private readonly idle: WorkerInstance[] = [];
  private queue: Call[] = [];
  private spawning = 0;
  private stopped = false;
  /** Set by scale() down: surplus instances are retired as soon as they finish their call. */
  private shrinking = false;
  private readonly sweeper = new Sweeper(() => this.sweep(Date.now()), () => this.needsSweep());
  private readonly whenSettled = new Settled(() => this.inFlight === 0);
  /** Shared buffers for large results, lent to callers (worker/result-areas.ts). */
  private readonly areas = new ResultAreas();

  constructor(private readonly cfg: WorkerLaneConfig) {}

  get inFlight(): number {
    let n = this.queue.length;
    for (const inst of this.instances) if (inst.busy) n++;
    return n;
  }

  settled(): Promise<void> { return this.whenSettled.wait(); }

  invokeNow(operation: string, payload: Uint8Array, timeoutMs: number, maxResponseBytes?: number, trace?: CallTrace): Promise<Uint8Array> {
    return this.invoke(operation, payload, timeoutMs, maxResponseBytes, trace);
  }

  get size(): number {
    return this.instances.size;
  }

  get count(): number {
    return this.cfg.count;
  }

  get maxInstances(): number {
    return this.cfg.maxInstances;
  }

  /** Start `count` warm instances; rejects if the module cannot be instantiated. */
  async start(): Promise<void> {
    try {
      await Promise.all(Array.from({ length: this.cfg.count }, () => this.spawn()));
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** Sweeping has work: calls waiting or running (their deadlines), or instances above `count`. */
  private needsSweep(): boolean {
    if (this.queue.length > 0 || this.instances.size > this.cfg.count) return true;
    for (const inst of this.instances) if (inst.busy) return true;
    return false;
  }

  /** Start the sweeper if it is not running (not after stop); it stops itself once needsSweep() is false. */
  private armSweeper(): void {
    if (!this.stopped) this.sweeper.arm();
  }

  /** Whether the sweeper runs now (tests: idle actors keep no timer). */
  get sweeping(): boolean { return this.sweeper.running; }

  /** True when a call could start now without waiting (idle instance or room to spawn). */
  canServeNow(): boolean {
    return this.idle.length > 0 || this.instances.size + this.spawning < this.cfg.maxInstances;
  }

  invoke(operation: string, payload: Uint8Array, timeoutMs: number, maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES, trace?: CallTrace): Promise<Uint8Array> {
    if (this.stopped) return Promise.reject(stoppedBeforeStart(this.cfg.label, operation));
    return new Promise<Uint8Array>((resolve, reject) => {
      const p: Call = { operation, payload, timeoutMs, maxResponseBytes, deadline: Date.now() + timeoutMs, resolve, reject, trace };
      const inst = this.idle.pop();
      if (inst) return this.run(inst, p);
      this.queue.push(p);
      this.armSweeper();
      if (this.instances.size + this.spawning < this.cfg.maxInstances) this.spawn().catch(() => undefined);
    });
  }

  async scale(count: number): Promise<void> {
    this.cfg.count = count;
    if (count > this.cfg.maxInstances) this.cfg.maxInstances = count;
    this.shrinking = this.instances.size > count;
    const missing = count - this.instances.size - this.spawning;
    if (missing > 0) await Promise.all(Array.from({ length: missing }, () => this.spawn()));
    // Shrink by retiring idle instances; busy ones finish first and are retired on release.
    while (this.instances.size > count && this.idle.length > 0) this.retire(this.idle.pop()!);
    if (this.instances.size > count) this.armSweeper();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.sweeper.stop();
    for (const p of this.queue) p.reject(stoppedBeforeStart(this.cfg.label, p.operation));
    this.queue = [];
    const all = [...this.instances];
    for (const inst of all) {
      inst.busy?.reject(stoppedMidCall(this.cfg.label, inst.busy.operation));
      inst.busy = null;
    }
    this.whenSettled.check();
    await Promise.all(all.map((i) => this.retire(i)));
  }

  private spawn(): Promise<WorkerInstance> {
    this.spawning++;
    const { port1, port2 } = new MessageChannel();
    const bulk = new MessageChannel();
    const sab = createChannelBuffer();
    const init: WorkerInit = { module: this.cfg.module, port: port2, bulk: bulk.port2, channel: sab, actor: this.cfg.actor };
    let worker: Worker;
    if (this.cfg.reserve) {
      worker = this.cfg.reserve.take();
      worker.postMessage(init, [port2, bulk.port2]);
    } else {
      worker = new Worker(WORKER_URL, { workerData: init, transferList: [port2, bulk.port2] });
    }
    const inst = new WorkerInstance(worker, new Channel(sab, bulk.port1),
      (i, o) => this.onResult(i, o),
      (i, b, n, o, p) => this.cfg.hostCall(i, b, n, o, p), this.cfg.poller, this.areas);
    return new Promise<WorkerInstance>((resolve, reject) => {
      let ready = false;
      port1.on('message', (m: WorkerMessage) => {
        switch (m.t) {
          case MSG.LOG: return this.cfg.hooks.log(m.l, m.s, m.r);
          case MSG.READY:
            ready = true;
            this.spawning--;
            if (this.stopped) {
              void worker.terminate();
              return reject(new StratusError('ACTOR_NOT_RUNNING', `actor ${this.cfg.label} was stopped`));
            }
            this.instances.add(inst);
            if (this.instances.size > this.cfg.count) this.armSweeper();
            this.cfg.hooks.instanceStarted(inst.id);
            this.release(inst);
            return resolve(inst);
          case MSG.FAILED: {
            const err = startFailure(this.cfg.label, m.e, m.c ?? 'TRAP');
            if (!ready) {
              ready = true;
              this.spawning--;
              this.failQueueIfHopeless(err);
              reject(err);
            } else {
              this.cfg.hooks.log('error', err.message);
            }
            return;
          }
        }
      });
      worker.on('error', (e) => this.cfg.hooks.log('error', `actor ${this.cfg.label} worker error: ${e.message}`));
      worker.on('exit', () => {
        port1.close();
        bulk.port1.close();
        if (!ready) {
          ready = true;
          this.spawning--;
          const err = new StratusError('INTERNAL', `actor ${this.cfg.label} instance exited during start`);
          this.failQueueIfHopeless(err);
          reject(err);
        }
        this.onExit(inst);
      });
    });
  }

  /** If nothing can ever serve the queue, fail it instead of letting it wait for the deadline. */
  private failQueueIfHopeless(err: Error): void {
    if (this.instances.size === 0 && this.spawning === 0) {
      for (const p of this.queue) p.reject(err);
      this.queue = [];
    }
  }

  private run(inst: WorkerInstance, p: Call): void {
    inst.busy = p;
    p.startedAt = performance.now();
    this.armSweeper(); // its deadline is the sweeper's to enforce
    inst.run(p.operation, p.payload, p.maxResponseBytes);
    release(p.payload); // copied into the channel: a lent request goes back to its lender (loan.ts)
    p.payload = EMPTY;
  }

  private release(inst: WorkerInstance): void {
    if (inst.dead) return;
    if (this.shrinking && this.queue.length === 0 && !this.stopped) {
      if (this.instances.size > this.cfg.count) {
        void this.retire(inst);
        return;
      }
      this.shrinking = false;
    }
    const next = this.queue.shift();
    if (next) this.run(inst, next);
    else {
      inst.idleSince = Date.now();
      this.idle.push(inst);
    }
  }

  private onResult(inst: WorkerInstance, m: Outcome): void {
    const p = inst.busy;
    inst.busy = null;
    if (p) {
      if (m.ok) p.resolve(m.d);
      else p.reject(this.failure(m.k, m.e, m.pages, p.operation));
    }
    this.release(inst);
    if (p?.startedAt !== undefined) this.cfg.served?.(performance.now() - p.startedAt);
    this.whenSettled.check();
  }

  private failure(kind: number, text: string, pages: number, operation: string): StratusError {
    const k: FailureKind = kind === KIND.GUEST_ERROR ? 'guest' : kind === KIND.MEMORY_LIMIT ? 'memory' : kind === KIND.PROC_EXIT ? 'exit' : 'trap';
    return callFailure(k, k === 'trap' ? text + memoryNote(pages, this.cfg.maxMemoryPages) : text, this.cfg.label, operation, this.cfg.maxMemoryPages);
  }

  /** A worker ended: expected after retire(), or a crash that needs a replacement. */
  private onExit(inst: WorkerInstance): void {
    const unexpected = this.instances.delete(inst);
    inst.dead = true;
    const i = this.idle.indexOf(inst);
    if (i >= 0) this.idle.splice(i, 1);
    if (inst.busy) {
      inst.busy.reject(new StratusError('INTERRUPTED', `actor ${this.cfg.label} instance stopped while serving ${inst.busy.operation}; the call may have had effects`));
      inst.busy = null;
      this.whenSettled.check();
    }
    if (unexpected) {
      this.cfg.hooks.instanceStopped(inst.id);
      this.refill();
    }
  }

  /** Keep `count` warm instances, and enough to serve a waiting queue. */
  private refill(): void {
    if (this.stopped) return;
    const have = this.instances.size + this.spawning;
    const want = Math.max(this.cfg.count, Math.min(this.cfg.maxInstances, have + this.queue.length));
    for (let n = have; n < want; n++) this.spawn().catch((e) => this.cfg.hooks.log('error', e.message));
  }

  /** Retire an instance now (the instance set shrinks immediately, the thread ends asynchronously). */
  private retire(inst: WorkerInstance): Promise<number> {
    if (inst.dead) return Promise.resolve(0);
    inst.dead = true;
    const i = this.idle.indexOf(inst);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.instances.delete(inst)) this.cfg.hooks.instanceStopped(inst.id);
    return inst.worker.terminate();
  }

  /** Enforce deadlines: terminate looping instances, expire queued calls; retire long-idle surplus instances. */
  private sweep(now: number): void {
    // idle is used LIFO, so its front holds the instances idle the longest
    while (this.instances.size > this.cfg.count && this.idle.length > 0 && now - this.idle[0]!.idleSince >= RETIRE_IDLE_MS) {
      void this.retire(this.idle[0]!);
    }
    for (const inst of this.instances) {
      const p = inst.busy;
      if (p && p.deadline <= now && !inst.dead) {
        inst.busy = null;
        p.reject(timeoutError(this.cfg.label, p.operation, p.timeoutMs));
        void this.retire(inst);
        this.refill();
      }
    }
    if (this.queue.length > 0) this.queue = expireQueued(this.queue, now, this.cfg.label, this.instances.size);
    this.whenSettled.check();
  }
}
