// What a host tells the world: typed events (their data shaped like wasmCloud's lattice events,
// reference §4.9) and a telemetry sink for per-call measurements. Both are built so that
// observing costs nothing when nobody observes: emitters ask `wants(type)` before building an
// event, and the hot path calls the telemetry sink only when one is set.
import type { StratusErrorCode } from '../core/errors.js';
import type { Invocation, LinkDefinition, WasmCloudEntity } from '../core/wire.js';
import type { LaneKind } from './lanes/lane.js';

export type LinkState = 'pending' | 'active' | 'failed';

/** Where a link stands on this host: stored, delivered to its provider, or refused by it. */
export interface LinkStatus {
  state: LinkState;
  /** Why it failed (for `failed`), or what it waits for (for `pending`). */
  reason?: string;
}

export interface ActorClaimsEventData {
  call_alias: string;
  caps: string[];
  issuer: string;
  tags: string[];
  name: string;
  version: string;
  revision: number;
  not_before_human: string;
  expires_human: string;
}

export interface HostEventMap {
  actor_started: {
    public_key: string; image_ref: string; api_version: string; instance_id: string; host_id: string;
    annotations: Record<string, string>; claims: ActorClaimsEventData;
  };
  actor_stopped: { public_key: string; instance_id: string; host_id: string };
  /** An actor's instances moved between lanes (e.g. it held the host thread too long). */
  actor_moved: { public_key: string; from: LaneKind; to: LaneKind; reason: string; host_id: string };
  provider_started: {
    public_key: string; image_ref: string; link_name: string; contract_id: string; instance_id: string; host_id: string;
    annotations: Record<string, string>; claims: { name: string };
  };
  provider_stopped: { public_key: string; link_name: string; contract_id: string; instance_id: string; reason: string; host_id: string };
  /** A provider process answered a health check after failing one (or for the first time). */
  health_check_passed: { public_key: string; link_name: string; host_id: string };
  /** A provider process failed a health check after passing one (or for the first time). */
  health_check_failed: { public_key: string; link_name: string; host_id: string; message: string };
  /** A health check with the same result as the one before (OTP sends it every check). */
  health_check_status: { public_key: string; link_name: string; host_id: string; healthy: boolean };
  linkdef_set: LinkDefinition;
  linkdef_deleted: LinkDefinition;
  /** A link's status on this host changed (see LinkStatus). */
  link_status: { link: LinkDefinition; status: LinkStatus; host_id: string };
  /**
   * An invocation that arrived from another host of the lattice was served here: an actor's
   * answer, or a provider's (the lattice publishes it on `wasmbus.rpcevt.{prefix}`, reference §4.9).
   */
  invocation_succeeded: { source: WasmCloudEntity; dest: WasmCloudEntity; operation: string; bytes: number };
  /**
   * An invocation or host call failed. `error` is the full explanation (actor keys, the fix);
   * `ref` correlates it with the short text an HTTP client or an actor was given.
   */
  invocation_failed: {
    source: WasmCloudEntity; dest: WasmCloudEntity; operation: string; bytes: number;
    error: string; code?: StratusErrorCode; ref?: string;
  };
}

export type HostEventType = keyof HostEventMap;
type Listener<T> = (data: T) => void;

/** A typed event emitter. A throwing listener is reported to `onListenerError`, never to the emitter. */
export class EventBus<M extends object> {
  private readonly listeners = new Map<keyof M, Listener<never>[]>();
  private readonly any: ((type: keyof M, data: M[keyof M]) => void)[] = [];

  constructor(private readonly onListenerError: (type: keyof M, e: unknown) => void = () => {}) {}

  /** Subscribe; returns the unsubscribe function. */
  on<K extends keyof M>(type: K, fn: Listener<M[K]>): () => void {
    const list = this.listeners.get(type) ?? [];
    list.push(fn as Listener<never>);
    this.listeners.set(type, list);
    return () => this.off(type, fn);
  }

  off<K extends keyof M>(type: K, fn: Listener<M[K]>): void {
    const list = this.listeners.get(type);
    if (!list) return;
    const i = list.indexOf(fn as Listener<never>);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.listeners.delete(type);
  }

  /** Every event, in order (for event sinks: the log, the control socket, later NATS). */
  onAny(fn: (type: keyof M, data: M[keyof M]) => void): () => void {
    this.any.push(fn);
    return () => {
      const i = this.any.indexOf(fn);
      if (i >= 0) this.any.splice(i, 1);
    };
  }

  /** Whether anyone listens to `type`: emitters skip building events nobody reads. */
  wants(type: keyof M): boolean {
    return this.any.length > 0 || this.listeners.has(type);
  }

  emit<K extends keyof M>(type: K, data: M[K]): void {
    const list = this.listeners.get(type);
    if (list) {
      for (const fn of [...list]) {
        try { (fn as Listener<M[K]>)(data); } catch (e) { this.onListenerError(type, e); }
      }
    }
    for (const fn of [...this.any]) {
      try { fn(type, data); } catch (e) { this.onListenerError(type, e); }
    }
  }
}

/** Outcome of an invocation or host call, for telemetry: `ok` or the failure's code. */
export type Outcome = 'ok' | StratusErrorCode;

/**
 * A traced call in flight (an invocation, or a host call inside one), made by the sink's
 * `traceInvocation` / `traceHostCall` and handed back to it when the call ends. The host only
 * carries it (through the lanes to the call's host calls) and copies `traceContext` onto the
 * invocations the call makes, so the next hop's span is a child of this one.
 */
export interface CallTrace {
  /** W3C trace context (`traceparent`, `tracestate`) for what this call calls. */
  readonly traceContext: Record<string, string>;
  /** The id of the invocation the call belongs to, when it has one (for log lines). */
  readonly invocationId?: string;
}

/** What a log line is about, where known (the log shows names next to keys). */
export interface LogFields {
  actor?: string;
  actorName?: string;
  provider?: string;
  providerName?: string;
  /** Invocation id, when the invocation has one (invocations from the lattice do). */
  invocation?: string;
  /** W3C trace id of the call the line is about. */
  traceId?: string;
}

/**
 * Per-call measurements (metrics, traces). Every method is optional and called only when a sink
 * is set, so a host without one pays a single property check per call.
 */
export interface TelemetrySink {
  /** An actor invocation ended (`seconds` of wall time, queueing included); `trace` is what
   *  `traceInvocation` returned for it. */
  invocation?(actorId: string, operation: string, outcome: Outcome, seconds: number, trace?: CallTrace): void;
  /** A guest's host call ended (`linkName`: the binding it named; `trace`: what `traceHostCall`
   *  returned for it). Builtins served inside a worker thread are not reported. */
  hostCall?(actorId: string, contractId: string, operation: string, outcome: Outcome, linkName: string, seconds: number, trace?: CallTrace): void;
  /** An actor moved between lanes. */
  laneMove?(actorId: string, from: LaneKind, to: LaneKind): void;
  /** Tracing: an invocation of an actor here begins (`inv.traceContext`, if any, is its parent).
   *  Undefined when it is not traced. */
  traceInvocation?(inv: Invocation, actorId: string, actorName: string): CallTrace | undefined;
  /** Tracing: a host call begins inside the call `parent` traces. */
  traceHostCall?(parent: CallTrace, actorId: string, linkName: string, contractId: string, operation: string): CallTrace | undefined;
}
