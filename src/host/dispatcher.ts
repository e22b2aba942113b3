// Where every invocation goes: an actor's host call (to a builtin, a provider or another actor),
// and a provider's or the CLI's invocation of an actor. Routing rules live in router.ts (pure);
// this file applies them to this host's tables and serves the call. When both ends are in this
// process it uses the synchronous shortcuts (an inline actor answering at once, a provider
// answering a host call at once): those are an optimisation applied here, never part of the
// provider contract. A target that is not here goes to the remote route (the lattice), when the
// host has one.
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { isStratusError, notStartedError, StratusError, errorText } from '../core/errors.js';
import { actorEntity, providerEntity, type Invocation, type InvokeOptions, type WasmCloudEntity } from '../core/wire.js';
import type { HostCallResult } from '../abi/guest.js';
import { authorizeInbound, describeActor, routeHostCall, type Route, type RoutedActor, type RouteTables } from './router.js';
import { runBuiltin } from './builtins.js';
import type { ActorRecord, ActorTable, CachedRoute } from './actor-table.js';
import type { ProviderTable } from './provider-table.js';
import { borrowsPayloads, handlesSync } from './provider-contract.js';
import type { LinkStore } from './links/link-store.js';
import type { CallTrace, EventBus, HostEventMap, LogFields, Outcome, TelemetrySink } from './events.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** A host call's result, with the failure's code for telemetry (the guest sees only `error`). */
type Served = HostCallResult & { code?: Outcome };

/**
 * Where invocations go when their target is not in this process: the lattice implements it
 * (src/lattice). Without one, a target that is not here is an error.
 */
export interface RemoteRoute {
  /** An actor elsewhere in the lattice, by public key or call alias (from the lattice's claims). */
  actor(idOrAlias: string): RoutedActor | undefined;
  /** Send the invocation to whoever serves its target (an actor, or a provider on a link name). */
  invoke(inv: Invocation, opts?: InvokeOptions): Promise<Uint8Array>;
}

export interface DispatcherDeps {
  hostId: string;
  rpcTimeoutMs: number;
  actors: ActorTable;
  providers: ProviderTable;
  links: LinkStore;
  events: EventBus<HostEventMap>;
  log(level: Level, text: string, fields?: LogFields): void;
  /** Put the full explanation (actor keys, the fix) into texts callers see. Development only. */
  devErrors: boolean;
  telemetry?: TelemetrySink;
  /** Set once the host joins a lattice. */
  remote?: RemoteRoute;
}

/** Marks a target served elsewhere (see RemoteRoute). */
const REMOTE = Symbol('remote');

/** Routes a guest may create are bounded per actor (guests choose the strings). */
const MAX_CACHED = 256;

/** A short id that ties the text a caller saw to the full explanation in the log and events. */
export function newRef(): string {
  return randomBytes(4).toString('hex');
}

export class Dispatcher {
  private readonly tables: RouteTables;

  constructor(private readonly d: DispatcherDeps) {
    this.tables = {
      actorById: (id) => d.actors.get(id)?.routed ?? d.remote?.actor(id),
      actorByAlias: (alias) => d.actors.byAlias(alias)?.routed ?? d.remote?.actor(alias),
      // only on a route cache miss (routeFor), so the SHA-256 of the link id is not on the call path
      link: (actorId, contractId, linkName) => d.links.find(actorId, contractId, linkName),
      // in a lattice a provider may run on any host: the remote call says so if none does
      providerRunning: (providerId, linkName) => d.providers.has(providerId, linkName) || d.remote !== undefined,
    };
  }

  /** Join a lattice: targets not in this process go through `remote` from now on. */
  setRemote(remote: RemoteRoute | undefined): void {
    this.d.remote = remote;
    this.d.actors.invalidateRoutes();
  }

  // ------------------------------------------------------------ invocations of actors

  /** An invocation of an actor (from a provider, the CLI, or another actor). */
  invoke(inv: Invocation, opts?: InvokeOptions): Promise<Uint8Array> {
    const rec = this.target(inv);
    const t = this.d.telemetry;
    if (rec === REMOTE) return this.observe(inv, inv.target.public_key, this.d.remote!.invoke(inv, opts), t ? performance.now() : 0, undefined);
    if (rec instanceof StratusError) return this.rejected(inv, rec);
    return this.run(inv, rec, opts);
  }

  /**
   * invoke() for in-process callers: the reply itself when an inline actor finishes at once,
   * otherwise a promise (the same errors, as a rejected promise).
   */
  invokeNow(inv: Invocation, opts?: InvokeOptions): Uint8Array | Promise<Uint8Array> {
    const rec = this.target(inv);
    if (rec === REMOTE) return this.invoke(inv, opts);
    if (rec instanceof StratusError) return this.rejected(inv, rec);
    return this.runNow(inv, rec, opts);
  }

  /**
   * An invocation that arrived from the lattice for an actor here: never sent on to another host
   * (the sender already chose this one), so a target that is not here is UNKNOWN_TARGET.
   */
  invokeHere(inv: Invocation, opts?: InvokeOptions): Promise<Uint8Array> {
    const rec = this.target(inv, true);
    if (rec instanceof StratusError) return this.rejected(inv, rec);
    if (rec === REMOTE) throw new Error('unreachable');
    return this.run(inv, rec, opts);
  }

  /**
   * invokeHere() that answers without a promise when an inline actor finishes at once, as
   * invokeNow() does for in-process callers: the lattice then replies within the NATS callback,
   * and replies to a burst of messages leave in one socket write.
   */
  invokeHereNow(inv: Invocation, opts?: InvokeOptions): Uint8Array | Promise<Uint8Array> {
    const rec = this.target(inv, true);
    if (rec instanceof StratusError) return this.rejected(inv, rec);
    if (rec === REMOTE) throw new Error('unreachable');
    return this.runNow(inv, rec, opts);
  }

  /** Runs an invocation on a local actor. */
  private run(inv: Invocation, rec: ActorRecord, opts?: InvokeOptions): Promise<Uint8Array> {
    const t = this.d.telemetry;
    const started = t ? performance.now() : 0;
    const trace = t?.traceInvocation?.(inv, rec.routed.id, rec.routed.name);
    const p = rec.lanes.invoke(inv.operation, inv.msg, opts?.timeoutMs ?? this.d.rpcTimeoutMs, opts?.maxResponseBytes, trace);
    return this.observe(inv, rec.routed.id, p, started, trace);
  }

  /** run() answering without a promise when an inline actor finishes at once. */
  private runNow(inv: Invocation, rec: ActorRecord, opts?: InvokeOptions): Uint8Array | Promise<Uint8Array> {
    const t = this.d.telemetry;
    const started = t ? performance.now() : 0;
    const trace = t?.traceInvocation?.(inv, rec.routed.id, rec.routed.name);
    const r = rec.lanes.invokeNow(inv.operation, inv.msg, opts?.timeoutMs ?? this.d.rpcTimeoutMs, opts?.maxResponseBytes, trace);
    if (r instanceof Uint8Array) {
      if (t) t.invocation?.(rec.routed.id, inv.operation, 'ok', (performance.now() - started) / 1000, trace);
      return r;
    }
    return this.observe(inv, rec.routed.id, r, started, trace);
  }

  /**
   * An invocation from an actor on another host for a provider here. As a wasmbus-rpc provider
   * does, it is served only for an actor linked to that provider on that link name.
   */
  invokeProviderHere(inv: Invocation): Promise<Uint8Array> {
    const provider = this.d.providers.get(inv.target.public_key, inv.target.link_name);
    if (!provider) {
      return Promise.reject(notStartedError('PROVIDER_NOT_RUNNING', `provider ${inv.target.public_key} (link name '${inv.target.link_name}') is not running on host ${this.d.hostId}`));
    }
    const link = this.d.links.find(inv.origin.public_key, provider.contractId, inv.target.link_name);
    if (!link || link.provider_id !== provider.id) {
      return Promise.reject(notStartedError('MISSING_LINK', `unlinked actor: '${inv.origin.public_key}'`,
        `link it with \`stratus ctl link put ${inv.origin.public_key} ${provider.id} ${provider.contractId} --link-name ${inv.target.link_name}\``));
    }
    try {
      return Promise.resolve(provider.handle(inv));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The local actor an invocation targets, after the inbound claims check; or the refusal. */
  private target(inv: Invocation, hereOnly = false): ActorRecord | StratusError | typeof REMOTE {
    const rec = this.d.actors.resolve(inv.target.public_key);
    if (!rec) {
      if (this.d.remote && !hereOnly) return REMOTE;
      return notStartedError('UNKNOWN_TARGET', `no actor with public key or call alias '${inv.target.public_key}' is running on host ${this.d.hostId}`,
        'start the actor first, or check the key/alias with `stratus ctl get inventory`');
    }
    if (inv.origin.contract_id !== '') {
      const denied = authorizeInbound(rec.routed, inv.origin.contract_id);
      if (denied) {
        // the caller is a provider: it reports the error under its own reference (never to clients)
        const e = notStartedError(denied.code, `${denied.message}: ${denied.detail}`);
        return e;
      }
    }
    return rec;
  }

  private rejected(inv: Invocation, e: StratusError): Promise<never> {
    this.failed(inv.origin, inv.target, inv.operation, inv.msg.length, e);
    return Promise.reject(e);
  }

  /** Failure events and telemetry for an invocation that did not finish at once. `id`: the
   *  actor's key (the target may name it by call alias). */
  private observe(inv: Invocation, id: string, p: Promise<Uint8Array>, started: number, trace: CallTrace | undefined): Promise<Uint8Array> {
    const t = this.d.telemetry;
    if (t?.invocation) {
      p.then(() => t.invocation!(id, inv.operation, 'ok', (performance.now() - started) / 1000, trace),
        (e: unknown) => t.invocation!(id, inv.operation, isStratusError(e) ? e.code : 'INTERNAL', (performance.now() - started) / 1000, trace));
    }
    if (this.d.events.wants('invocation_failed')) p.catch((e: unknown) => this.failed(inv.origin, inv.target, inv.operation, inv.msg.length, e));
    return p;
  }

  private failed(source: WasmCloudEntity, dest: WasmCloudEntity, operation: string, bytes: number, e: unknown, ref?: string): void {
    if (!this.d.events.wants('invocation_failed')) return;
    this.d.events.emit('invocation_failed', {
      source, dest, operation, bytes, error: errorText(e), code: isStratusError(e) ? e.code : 'INTERNAL', ...(ref ? { ref } : {}),
    });
  }

  // ------------------------------------------------------------ host calls of actors

  /**
   * A guest's __host_call: authorize, route, serve. Answers at once where it can (builtins, and
   * providers with a synchronous path when `durable` is given, i.e. the caller runs on the host
   * thread) and with a promise otherwise.
   */
  hostCall(rec: ActorRecord, binding: string, namespace: string, operation: string, payload: Uint8Array,
    durable?: (commit: Promise<void>) => void, trace?: CallTrace): HostCallResult | Promise<HostCallResult> {
    const t = this.d.telemetry;
    if (t === undefined) return this.serveHostCall(rec, binding, namespace, operation, payload, durable, undefined);
    const started = performance.now();
    const own = trace !== undefined && t.traceHostCall !== undefined ? t.traceHostCall(trace, rec.routed.id, binding, namespace, operation) : undefined;
    const r = this.serveHostCall(rec, binding, namespace, operation, payload, durable, own);
    if (r instanceof Promise) return r.then((x) => this.hostCallEnded(t, rec, binding, namespace, operation, x, started, own));
    return this.hostCallEnded(t, rec, binding, namespace, operation, r, started, own);
  }

  /**
   * hostCall() for a payload borrowed from guest memory (valid only until this returns), tried first
   * by the host-thread lane: served only by a provider's borrowing path (handleBorrowed, e.g. a
   * Messaging.Publish copied into a NATS frame); undefined otherwise, with nothing done, and the lane
   * copies the payload and calls hostCall(). Not with telemetry: its spans and counters are there.
   */
  hostCallBorrowing(rec: ActorRecord, binding: string, namespace: string, operation: string, view: Uint8Array): HostCallResult | undefined {
    if (this.d.telemetry !== undefined) return undefined;
    const cached = this.routeFor(rec, binding, namespace);
    const provider = cached.provider;
    if (cached.route.kind !== 'provider' || provider === undefined || !borrowsPayloads(provider)) return undefined;
    const data = provider.handleBorrowed({ origin: rec.entity, target: cached.target!, operation, msg: view, id: '' });
    return data === undefined ? undefined : { ok: true, data };
  }

  private hostCallEnded(t: TelemetrySink, rec: ActorRecord, binding: string, namespace: string, operation: string, r: Served,
    started: number, trace: CallTrace | undefined): HostCallResult {
    t.hostCall?.(rec.routed.id, namespace, operation, r.ok ? 'ok' : r.code ?? 'INTERNAL', binding, (performance.now() - started) / 1000, trace);
    return r;
  }

  /** `trace`: this host call's own trace; what it invokes carries its context. */
  private serveHostCall(rec: ActorRecord, binding: string, namespace: string, operation: string, payload: Uint8Array,
    durable: ((commit: Promise<void>) => void) | undefined, trace: CallTrace | undefined): Served | Promise<Served> {
    const cached = this.routeFor(rec, binding, namespace);
    const route = cached.route;
    switch (route.kind) {
      case 'denied':
        return this.denied(rec, binding, namespace, operation, payload.length, route, trace);
      case 'builtin': {
        const r: Served = runBuiltin(route.contractId, operation, payload, rec.routed.id,
          (level, text) => this.d.log(level, text, actorFields(rec, trace)));
        if (!r.ok) r.code = 'BAD_REQUEST';
        return r;
      }
      case 'provider':
        return this.callProvider(rec, cached, binding, namespace, operation, payload, durable, trace);
      case 'actor':
        return this.callActor(rec, route.target.id, operation, payload, trace);
    }
  }

  private callProvider(rec: ActorRecord, cached: CachedRoute, binding: string, namespace: string, operation: string, payload: Uint8Array,
    durable: ((commit: Promise<void>) => void) | undefined, trace: CallTrace | undefined): Served | Promise<Served> {
    const provider = cached.provider;
    const inv: Invocation = { origin: rec.entity, target: cached.target!, operation, msg: payload, id: '' };
    if (trace !== undefined) inv.traceContext = trace.traceContext;
    if (provider && durable && handlesSync(provider)) {
      // a provider's synchronous path (e.g. Messaging.Publish): no closure or promise for it
      try {
        const data = provider.handleSync(inv, durable);
        if (data !== undefined) return { ok: true, data };
      } catch (e) {
        return this.hostCallFailed(rec, binding, namespace, operation, payload.length, e);
      }
    }
    const fail = (e: unknown): Served => this.hostCallFailed(rec, binding, namespace, operation, payload.length, e);
    if (!provider) {
      // served by a provider on another host of the lattice
      return this.d.remote!.invoke(inv).then((data): Served => ({ ok: true, data }), fail);
    }
    let pending: Promise<Uint8Array>;
    try {
      pending = Promise.resolve(provider.handle(inv));
    } catch (e) {
      return fail(e); // a synchronous throw fails only this call
    }
    return pending.then((data): Served => {
      if (!(data instanceof Uint8Array)) return fail(new Error(`provider ${provider.name} returned no payload for ${operation} (expected bytes, got ${typeof data})`));
      return { ok: true, data };
    }, fail);
  }

  private callActor(rec: ActorRecord, targetId: string, operation: string, payload: Uint8Array, trace: CallTrace | undefined): Served | Promise<Served> {
    const target = this.d.actors.get(targetId);
    if (target === rec && !target.lanes.canServeNow()) {
      const text = `actor ${describeActor(rec.routed)} called itself (${operation}) while all of its ${target.lanes.current.maxInstances} instance(s) are busy; a busy instance is never re-entered`;
      return { ok: false, error: `${text}. Raise maxInstances for this actor or avoid synchronous self-calls`, code: 'BAD_REQUEST' };
    }
    // a target not here is an actor on another host of the lattice
    const inv: Invocation = { origin: rec.entity, target: target ? target.entity : actorEntity(targetId), operation, msg: payload, id: '' };
    if (trace !== undefined) inv.traceContext = trace.traceContext;
    return this.invoke(inv).then(
      (data): Served => ({ ok: true, data }),
      (e): Served => ({ ok: false, error: errorText(e), code: isStratusError(e) ? e.code : 'INTERNAL' }),
    );
  }

  /** A refused host call: the actor gets wasmCloud's words; the log and events get everything under one reference. */
  private denied(rec: ActorRecord, binding: string, namespace: string, operation: string, bytes: number, route: Route & { kind: 'denied' },
    trace: CallTrace | undefined): Served {
    const ref = newRef();
    const full = `${route.message}: ${route.detail}`;
    this.d.log('warn', `[ref ${ref}] host call ${operation} on ${namespace} denied: ${full}`, actorFields(rec, trace));
    this.failed(rec.entity, { public_key: '', contract_id: namespace, link_name: binding }, operation, bytes, new StratusError(route.code, full), ref);
    return { ok: false, error: this.d.devErrors ? full : route.message, code: route.code };
  }

  private hostCallFailed(rec: ActorRecord, binding: string, namespace: string, operation: string, bytes: number, e: unknown): Served {
    this.failed(rec.entity, { public_key: '', contract_id: namespace, link_name: binding }, operation, bytes, e);
    return { ok: false, error: errorText(e), code: isStratusError(e) ? e.code : 'INTERNAL' };
  }

  /** Routes change only when actors, providers or links do: every call in between reuses them. */
  private routeFor(rec: ActorRecord, binding: string, namespace: string): CachedRoute {
    const cache = rec.routes;
    if (cache.generation !== this.d.actors.generation) {
      cache.byBinding.clear();
      cache.generation = this.d.actors.generation;
    }
    let byNs = cache.byBinding.get(binding);
    if (!byNs) {
      if (cache.byBinding.size >= MAX_CACHED) cache.byBinding.clear();
      byNs = new Map();
      cache.byBinding.set(binding, byNs);
    }
    let c = byNs.get(namespace);
    if (!c) {
      const route = routeHostCall(this.tables, rec.routed, binding, namespace);
      c = route.kind === 'provider'
        ? { route, provider: this.d.providers.get(route.link.provider_id, route.link.link_name), target: providerEntity(route.link.provider_id, route.link.contract_id, route.link.link_name) }
        : { route };
      // In a lattice an actor unknown now may be started on another host at any moment (its claims
      // reach the remote route's directory, not this host's tables): such a refusal is not kept.
      const expires = route.kind === 'denied' && route.code === 'UNKNOWN_TARGET' && this.d.remote !== undefined;
      if (byNs.size < MAX_CACHED && !expires) byNs.set(namespace, c);
    }
    return c;
  }
}

/** Log fields for a line about `rec`'s call (trace id from the W3C traceparent `00-<trace id>-...`). */
function actorFields(rec: ActorRecord, trace: CallTrace | undefined): LogFields {
  const tp = trace?.traceContext.traceparent;
  return { actor: rec.routed.id, actorName: rec.routed.name, ...(tp ? { traceId: tp.slice(3, 35) } : {}), ...(trace?.invocationId ? { invocation: trace.invocationId } : {}) };
}

