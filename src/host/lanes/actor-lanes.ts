// The lane one actor runs on now, and its moves between lanes. The host calls an actor through
// this object only; which lane serves the call, and when the actor changes lanes, is decided here
// and in lane-policy.ts, not in the host.
import { performance } from 'node:perf_hooks';
import { isStratusError } from '../../core/errors.js';
import { timeoutError } from './call-errors.js';
import type { Lane, LaneKind } from './lane.js';
import type { CallTrace } from '../events.js';
import type { SliceExceeded } from './inline-lane.js';
import { afterSliceExceeded, afterWorkerCall, enterWorker, returnReason, type WorkerStay } from './lane-policy.js';

export interface ActorLanesConfig {
  /** `M... (name)`, for messages. */
  label: string;
  /** Build and start the worker lane this actor moves to (same count; the module is compiled once). */
  startWorkerLane(count: number): Promise<Lane>;
  /** Build and start an inline lane to return to (absent when the actor cannot run inline). */
  startInlineLane?(count: number): Promise<Lane>;
  /** A move happened (the host logs it and emits `actor_moved`). */
  moved(from: LaneKind, to: LaneKind, reason: string): void;
  /** A return to the host thread failed (the actor stays on worker threads). */
  returnFailed?(e: unknown): void;
}

export class ActorLanes {
  private lane!: Lane;
  /** A move in progress: calls wait for it instead of going to the lane being left. */
  private moving: Promise<void> | undefined;
  /** The current (or last) stay on the worker lane, for lane-policy.ts. */
  private stay: WorkerStay | undefined;
  /** A lane left behind that finishes its calls before it stops. */
  private draining: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly cfg: ActorLanesConfig) {}

  /** Set the first lane (before any call). */
  init(lane: Lane): void {
    this.lane = lane;
  }

  get current(): Lane {
    return this.lane;
  }

  invoke(operation: string, payload: Uint8Array, timeoutMs: number, maxResponseBytes?: number, trace?: CallTrace): Promise<Uint8Array> {
    if (this.moving) return this.moving.then(() => this.lane.invoke(operation, payload, timeoutMs, maxResponseBytes, trace));
    return this.lane.invoke(operation, payload, timeoutMs, maxResponseBytes, trace);
  }

  invokeNow(operation: string, payload: Uint8Array, timeoutMs: number, maxResponseBytes?: number, trace?: CallTrace): Uint8Array | Promise<Uint8Array> {
    if (this.moving) return this.invoke(operation, payload, timeoutMs, maxResponseBytes, trace);
    return this.lane.invokeNow(operation, payload, timeoutMs, maxResponseBytes, trace);
  }

  canServeNow(): boolean {
    return this.moving === undefined && this.lane.canServeNow();
  }

  scale(count: number): Promise<void> {
    return this.lane.scale(count);
  }

  /** Resolves once no call is in flight on the current lane (after any move in progress). */
  async settled(): Promise<void> {
    if (this.moving) await this.moving.catch(() => undefined);
    if (this.draining) await this.draining;
    await this.lane.settled();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.moving) await this.moving.catch(() => undefined);
    await this.lane.stop();
    if (this.draining) await this.draining;
  }

  /**
   * A call was served on the worker lane in `serviceMs` (from the worker lane): lane-policy.ts
   * decides whether the actor goes back to the host thread.
   */
  workerCallServed(serviceMs: number): void {
    const stay = this.stay;
    if (!stay || this.moving || this.lane.kind !== 'worker' || !this.cfg.startInlineLane) return;
    if (afterWorkerCall(stay, serviceMs, performance.now())) void this.returnInline(returnReason(stay));
  }

  /**
   * An actor that started on worker threads while its host-thread code was being prepared: that
   * code is ready, move it there. Resolves once moved, or once the move failed (`returnFailed`,
   * and the actor stays on workers); nothing happens if the actor stopped or is not on workers.
   */
  codeReady(reason: string): Promise<void> {
    if (this.stopped || this.lane.kind !== 'worker' || !this.cfg.startInlineLane) return Promise.resolve();
    return this.returnInline(reason);
  }

  // The inline lane is started before the switch, so no call waits for more than its instantiation;
  // calls already on the worker lane finish there, then it stops.
  private returnInline(reason: string): Promise<void> {
    this.moving ??= (async () => {
      const old = this.lane;
      let next: Lane;
      try {
        next = await this.cfg.startInlineLane!(old.count);
      } catch (e) {
        this.stay = enterWorker(this.stay, performance.now()); // back off before trying again
        this.cfg.returnFailed?.(e);
        return;
      }
      this.lane = next;
      this.cfg.moved(old.kind, next.kind, reason);
      const drained = old.settled().then(() => old.stop()).catch(() => undefined);
      this.draining = drained.finally(() => { if (this.draining === drained) this.draining = undefined; });
    })().finally(() => { this.moving = undefined; });
    return this.moving;
  }

  /**
   * An inline call held the host thread too long (inline-lane.ts): move the actor to worker
   * threads, then settle the call as lane-policy.ts says (re-run it there, or fail it).
   */
  sliceExceeded(e: SliceExceeded, operation: string, payload: Uint8Array, timeoutMs: number, startedAt: number, trace?: CallTrace): Promise<Uint8Array> {
    const decision = afterSliceExceeded(e);
    const moved = this.moveTo('worker', decision.reason);
    if (!decision.rerun) return moved.then(() => { throw e; });
    const left = Math.max(1, timeoutMs - (performance.now() - startedAt));
    return moved.then(() => this.lane.invoke(operation, payload, left, undefined, trace)).catch((e2: unknown) => {
      // the re-run had what was left of the deadline; report the deadline the caller set
      throw isStratusError(e2, 'TIMEOUT') ? timeoutError(this.cfg.label, operation, timeoutMs) : e2;
    });
  }

  private moveTo(kind: LaneKind, reason: string): Promise<void> {
    if (this.lane.kind === kind) return this.moving ?? Promise.resolve();
    this.moving ??= (async () => {
      const old = this.lane;
      const next = kind === 'worker' ? await this.cfg.startWorkerLane(old.count) : old;
      if (kind === 'worker') this.stay = enterWorker(this.stay, performance.now());
      this.lane = next;
      this.cfg.moved(old.kind, next.kind, reason);
      await old.stop();
    })().finally(() => { this.moving = undefined; });
    return this.moving;
  }
}
