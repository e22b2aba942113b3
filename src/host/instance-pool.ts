// The instances of one actor: one worker thread per instance, so a looping instance can be
// terminated without touching others. A busy instance is never re-entered: calls go to an idle
// instance, spawn a new one (up to maxInstances), or wait in a FIFO queue.
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import { StratusError } from './errors.js';
import { callFailure, startFailure, timeoutError, type FailureKind } from './call-errors.js';
import { expireQueued, RETIRE_IDLE_MS, SWEEP_MS } from './call-queue.js';
import { MSG, type WorkerInit, type WorkerMessage } from '../abi/protocol.js';
import { Channel, createChannelBuffer, CTL, KIND } from '../abi/channel.js';
import type { HostCallResult } from '../abi/guest.js';

import { WORKER_URL, type WorkerReserve } from './worker-reserve.js';

export interface PoolConfig {
  module: WebAssembly.Module;
  /** `M... (name)`, used in messages. */
  label: string;
  count: number;
  maxInstances: number;
  maxMemoryPages: number;
  hooks: PoolHooks;
  /** Pre-booted workers to draw from (optional). */
  reserve?: WorkerReserve;
  /** Lets the worker serve builtins itself (claims checked there with the router's rule). */
  actor?: WorkerInit['actor'];
}

export interface PoolHooks {
  /** A guest made a host call; answer with `inst.replyHostCall(...)` (sync or later). */
  hostCall(inst: ActorInstance, binding: string, namespace: string, operation: string, payload: Uint8Array): void;
  /** `attributed`: the text already names the actor (builtin logging). */
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string, attributed?: boolean): void;
  instanceStarted(inst: ActorInstance): void;
  instanceStopped(inst: ActorInstance): void;
}

interface Pending {
  operation: string;
  payload: Uint8Array;
  timeoutMs: number;
  deadline: number;
  resolve(v: Uint8Array): void;
  reject(e: Error): void;
}

/** What a worker reported back: a result, or a host call to serve. */
export type Outcome = { ok: true; d: Uint8Array } | { ok: false; k: number; e: string };

/**
 * Picks up worker signals by polling the channels once per event-loop turn while calls are in
 * flight. Each Atomics.waitAsync wake-up costs the main thread a cross-thread task post (~10+ µs
 * on a VM); under load a poll finds the signal without one. After a run of empty polls (the main
 * thread has nothing else to do) the instances park in waitAsync, so an idle host does not spin.
 */
class SignalPoller {
  private readonly watched = new Set<ActorInstance>();
  private scheduled = false;
  private emptyPolls = 0;
  private static readonly MAX_EMPTY_POLLS = 64;

  watch(inst: ActorInstance): void {
    this.watched.add(inst);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.poll);
    }
  }

  private readonly poll = (): void => {
    this.scheduled = false;
    let fired = 0;
    for (const inst of this.watched) {
      if (inst.dead) { this.watched.delete(inst); continue; }
      if (!inst.signalled()) continue;
      this.watched.delete(inst);
      fired++;
      inst.onSignal();
    }
    if (this.watched.size === 0) { this.emptyPolls = 0; return; }
    if (fired > 0) this.emptyPolls = 0;
    else if (++this.emptyPolls > SignalPoller.MAX_EMPTY_POLLS) {
      this.emptyPolls = 0;
      // clear first: a park that finds its signal already set re-arms (re-watches) synchronously
      const parking = [...this.watched];
      this.watched.clear();
      for (const inst of parking) inst.park();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.poll);
    }
  };
}

const signalPoller = new SignalPoller();

export class ActorInstance {
  readonly id = randomUUID();
  busy: Pending | null = null;
  dead = false;
  /** When it last went idle (for retiring surplus instances). */
  idleSince = 0;
  private readonly ctl: Int32Array;

  constructor(
    readonly worker: Worker,
    private readonly ch: Channel,
    private readonly onResult: (inst: ActorInstance, o: Outcome) => void,
    private readonly onHostCall: (inst: ActorInstance, b: string, n: string, o: string, p: Uint8Array) => void,
  ) {
    this.ctl = ch.ctl;
  }

  /** Hand a job to the (idle, blocked) worker and wait asynchronously for its signal. */
  run(operation: string, payload: Uint8Array): void {
    const ctl = this.ctl;
    Atomics.store(ctl, CTL.SIGNAL, 0);
    this.ch.write(KIND.JOB, [operation, payload]);
    Atomics.store(ctl, CTL.JOB, 1);
    Atomics.notify(ctl, CTL.JOB);
    this.arm();
  }

  private arm(): void {
    signalPoller.watch(this);
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
      this.onResult(this, { ok: true, d: this.ch.readBytes(1)[0]! });
    } else {
      this.onResult(this, { ok: false, k: kind!, e: this.ch.readStrings(1)[0]! });
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
}

export class InstancePool {
  readonly lane = 'worker' as const;
  private readonly instances = new Set<ActorInstance>();
  private readonly idle: ActorInstance[] = [];
  private queue: Pending[] = [];
  private spawning = 0;
  private stopped = false;
  /** Set by scale() down: surplus instances are retired as soon as they finish their call. */
  private shrinking = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly cfg: PoolConfig) {}

  get size(): number {
    return this.instances.size;
  }

  get count(): number {
    return this.cfg.count;
  }

  /** Start `count` warm instances; rejects if the module cannot be instantiated. */
  async start(): Promise<void> {
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_MS);
    this.sweeper.unref();
    try {
      await Promise.all(Array.from({ length: this.cfg.count }, () => this.spawn()));
    } catch (e) {
      await this.stop();
      throw e;
    }
  }

  /** True when a call could start now without waiting (idle instance or room to spawn). */
  canServeNow(): boolean {
    return this.idle.length > 0 || this.instances.size + this.spawning < this.cfg.maxInstances;
  }

  invoke(operation: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (this.stopped) return Promise.reject(new StratusError('ACTOR_NOT_RUNNING', `actor ${this.cfg.label} is stopping`));
    return new Promise<Uint8Array>((resolve, reject) => {
      const p: Pending = { operation, payload, timeoutMs, deadline: Date.now() + timeoutMs, resolve, reject };
      const inst = this.idle.pop();
      if (inst) return this.dispatch(inst, p);
      this.queue.push(p);
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
    while (this.instances.size > count && this.idle.length > 0) this.kill(this.idle.pop()!);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const err = new StratusError('ACTOR_NOT_RUNNING', `actor ${this.cfg.label} was stopped`);
    for (const p of this.queue) p.reject(err);
    this.queue = [];
    const all = [...this.instances];
    for (const inst of all) {
      inst.busy?.reject(err);
      inst.busy = null;
    }
    await Promise.all(all.map((i) => this.kill(i)));
  }

  private spawn(): Promise<ActorInstance> {
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
    const inst = new ActorInstance(worker, new Channel(sab, bulk.port1),
      (i, o) => this.onResult(i, o),
      (i, b, n, o, p) => this.cfg.hooks.hostCall(i, b, n, o, p));
    return new Promise<ActorInstance>((resolve, reject) => {
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
            this.cfg.hooks.instanceStarted(inst);
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

  private dispatch(inst: ActorInstance, p: Pending): void {
    inst.busy = p;
    inst.run(p.operation, p.payload);
  }

  private release(inst: ActorInstance): void {
    if (inst.dead) return;
    if (this.shrinking && this.queue.length === 0 && !this.stopped) {
      if (this.instances.size > this.cfg.count) {
        void this.kill(inst);
        return;
      }
      this.shrinking = false;
    }
    const next = this.queue.shift();
    if (next) this.dispatch(inst, next);
    else {
      inst.idleSince = Date.now();
      this.idle.push(inst);
    }
  }

  private onResult(inst: ActorInstance, m: Outcome): void {
    const p = inst.busy;
    inst.busy = null;
    if (p) {
      if (m.ok) p.resolve(m.d);
      else p.reject(this.failure(m.k, m.e, p.operation));
    }
    this.release(inst);
  }

  private failure(kind: number, text: string, operation: string): StratusError {
    const k: FailureKind = kind === KIND.GUEST_ERROR ? 'guest' : kind === KIND.MEMORY_LIMIT ? 'memory' : kind === KIND.PROC_EXIT ? 'exit' : 'trap';
    return callFailure(k, text, this.cfg.label, operation, this.cfg.maxMemoryPages);
  }

  /** A worker ended: expected after kill(), or a crash that needs a replacement. */
  private onExit(inst: ActorInstance): void {
    const unexpected = this.instances.delete(inst);
    inst.dead = true;
    const i = this.idle.indexOf(inst);
    if (i >= 0) this.idle.splice(i, 1);
    if (inst.busy) {
      inst.busy.reject(new StratusError('INTERNAL', `actor ${this.cfg.label} instance stopped while serving ${inst.busy.operation}`));
      inst.busy = null;
    }
    if (unexpected) {
      this.cfg.hooks.instanceStopped(inst);
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
  private kill(inst: ActorInstance): Promise<number> {
    if (inst.dead) return Promise.resolve(0);
    inst.dead = true;
    const i = this.idle.indexOf(inst);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.instances.delete(inst)) this.cfg.hooks.instanceStopped(inst);
    return inst.worker.terminate();
  }

  /** Enforce deadlines: terminate looping instances, expire queued calls; retire long-idle surplus instances. */
  private sweep(now: number): void {
    // idle is used LIFO, so its front holds the instances idle the longest
    while (this.instances.size > this.cfg.count && this.idle.length > 0 && now - this.idle[0]!.idleSince >= RETIRE_IDLE_MS) {
      void this.kill(this.idle[0]!);
    }
    for (const inst of this.instances) {
      const p = inst.busy;
      if (p && p.deadline <= now && !inst.dead) {
        inst.busy = null;
        p.reject(timeoutError(this.cfg.label, p.operation, p.timeoutMs));
        void this.kill(inst);
        this.refill();
      }
    }
    if (this.queue.length > 0) this.queue = expireQueued(this.queue, now, this.cfg.label, this.instances.size);
  }
}
