// The Stratus host: loads verified actors into worker-thread instances, routes every host call
// (builtins, providers, other actors) with capability checks, and manages providers and links.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { verifyActorModule } from '../claims/verify.js';
import { isoSeconds } from '../claims/verify.js';
import { linkDefinitionId } from '../claims/linkdef-id.js';
import { createKeyPair, fromSeed } from '../claims/nkeys.js';
import { assertPortable } from '../wasm/portability.js';
import { limitMemory } from '../wasm/memory-limit.js';
import { JWT_SECTION_NAMES, stripCustomSections } from '../wasm/custom-sections.js';
import { stratusHome } from '../home.js';
import type { ActorClaims } from '../claims/types.js';
import type { ActorDescription, HostApi, HostInventory, HostOptions, ProviderDescription, StartActorOptions } from './api.js';
import type { CapabilityProvider, LinkDefinition, ProviderHost, WasmCloudEntity } from './types.js';
import { isStratusError, LinkError, StratusError } from './errors.js';
import { InstancePool } from './instance-pool.js';
import { INLINE_SLICE_MS, InlinePool, SliceExceeded } from './inline-pool.js';
import { timeoutError } from './call-errors.js';
import { injectFuel } from '../wasm/fuel.js';
import { asyncifyModule } from '../wasm/asyncify.js';
import { parseModule } from '../wasm/sections.js';
import type { HostCallResult } from '../abi/guest.js';
import { authorizeInbound, describeActor, routeHostCall, type Route, type RoutedActor, type RouteTables } from './router.js';
import { runBuiltin } from './builtins.js';
import { WorkerReserve } from './worker-reserve.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

export const DEFAULTS = { rpcTimeoutMs: 2000, maxMemoryPages: 1024, maxInstances: 2, inlineMaxInstances: 32 } as const;

/** The host-call imports an inline instance may suspend in. */
const SUSPENDING_IMPORTS = ['wasmbus.__host_call', 'wapc.__host_call'];

type Lane = InstancePool | InlinePool;

interface ActorRecord {
  routed: RoutedActor;
  moduleHash: string;
  claims: ActorClaims;
  imageRef: string;
  pool: Lane;
  maxInstances: number;
  maxMemoryPages: number;
  /** The module as the worker lane runs it (kept for a move off the host thread). */
  workerBytes: Uint8Array;
  /** A move to worker threads in progress. */
  moving?: Promise<void>;
  /** Resolved routes by binding, then namespace (see routeFor). */
  routes: Map<string, Map<string, CachedRoute>>;
}

/** A resolved host-call route and, for providers, the provider serving it. */
interface CachedRoute { route: Route; provider?: CapabilityProvider }

interface ProviderRecord {
  provider: CapabilityProvider;
}

/** Extra per-call options (beyond HostApi). */
export interface CallOptions {
  /** Deadline override for this invocation (ms). */
  timeoutMs?: number;
}

const providerKey = (id: string, linkName: string) => `${id}\u0000${linkName}`;

function sameValues(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Host extends EventEmitter implements HostApi {
  readonly id: string;
  readonly rpcTimeoutMs: number;
  private readonly opts: HostOptions;
  private readonly actors = new Map<string, ActorRecord>();
  private readonly aliases = new Map<string, string>();
  private readonly providers = new Map<string, ProviderRecord>();
  private readonly linkTable = new Map<string, LinkDefinition>();
  private readonly startedAt = Date.now();
  private readonly log: (level: Level, text: string) => void;
  private closed = false;
  /** One spare worker booted ahead of time: actor starts and instance replacements skip the boot. */
  private readonly reserve = new WorkerReserve(1);

  private readonly tables: RouteTables = {
    actorById: (id) => this.actors.get(id)?.routed,
    actorByAlias: (alias) => {
      const id = this.aliases.get(alias);
      return id ? this.actors.get(id)?.routed : undefined;
    },
    // only on a route cache miss (routeFor), so the SHA-256 of the link id is not on the call path
    link: (actorId, contractId, linkName) => this.linkTable.get(linkDefinitionId(actorId, contractId, linkName)),
    providerRunning: (providerId, linkName) => this.providers.has(providerKey(providerId, linkName)),
  };

  constructor(opts: HostOptions = {}) {
    super();
    this.opts = opts;
    this.id = opts.hostSeed ? fromSeed(opts.hostSeed, 'server').publicKey : createKeyPair('server').publicKey;
    this.rpcTimeoutMs = opts.rpcTimeoutMs ?? DEFAULTS.rpcTimeoutMs;
    this.log = opts.log ?? ((level, text) => process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${text}\n`));
    this.reserve.fill();
  }

  // ---------------------------------------------------------------- actors

  async startActor(module: Uint8Array, opts: StartActorOptions = {}): Promise<ActorDescription> {
    this.assertOpen();
    const count = opts.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new StratusError('BAD_REQUEST', `instance count must be a whole number ≥ 1, got ${count}`);
    const verified = verifyActorModule(module, { allowUnsigned: this.opts.allowUnsigned, trustedIssuers: this.opts.trustedIssuers });
    const id = verified.publicKey;
    const existing = this.actors.get(id);
    if (existing) {
      if (existing.moduleHash !== verified.moduleHash) {
        throw new StratusError('BAD_REQUEST',
          `actor ${describeActor(existing.routed)} is already running with a different module (hash ${existing.moduleHash.slice(0, 12)}…, new ${verified.moduleHash.slice(0, 12)}…)`,
          'stop the running actor first (`stratus ctl stop actor`) to upgrade it');
      }
      // same module again: scale up, like starting more instances in wasmCloud
      return this.scaleActor(id, existing.pool.count + count);
    }
    assertPortable(module);
    const maxMemoryPages = opts.maxMemoryPages ?? this.opts.maxMemoryPages ?? DEFAULTS.maxMemoryPages;
    // The hash was checked on the original bytes; the patched bytes are what runs.
    const patched = limitMemory(module, maxMemoryPages);
    const claims = verified.claims;
    const routed: RoutedActor = {
      id,
      name: claims.wascap.name ?? id,
      caps: claims.wascap.caps ?? [],
      callAlias: claims.wascap.call_alias || undefined,
    };
    const imageRef = opts.imageRef ?? '';
    const label = describeActor(routed);
    const inline = await this.inlineModule(patched, label);
    const maxInstances = Math.max(count, opts.maxInstances ?? this.opts.maxInstances ?? (inline ? DEFAULTS.inlineMaxInstances : DEFAULTS.maxInstances));
    let rec: ActorRecord | undefined;
    const pool: Lane = inline
      ? this.newInlinePool(() => rec!, inline, label, count, maxInstances, maxMemoryPages)
      : await this.newWorkerPool(() => rec!, routed, patched, label, count, maxInstances, maxMemoryPages);
    rec = { routed, moduleHash: verified.moduleHash, claims, imageRef, pool, maxInstances, maxMemoryPages, workerBytes: patched, routes: new Map() };
    await pool.start();
    if (this.actors.has(id)) {
      // a concurrent start of the same actor won; fold this one into it
      await pool.stop();
      return this.startActor(module, opts);
    }
    this.actors.set(id, rec);
    this.forgetRoutes();
    if (routed.callAlias) {
      const holder = this.aliases.get(routed.callAlias);
      if (holder && holder !== id) this.log('warn', `call alias '${routed.callAlias}' of ${label} is already used by ${holder}; keeping the first`);
      else this.aliases.set(routed.callAlias, id);
    }
    return this.describe(rec);
  }

  /**
   * The module prepared for the host thread (fuel checks + Asyncify), or undefined when the actor
   * must run on worker threads: isolation=worker, a blocking WASI import, or a module the
   * instrumentation cannot handle (said in the log; it still runs, on workers).
   */
  private async inlineModule(patched: Uint8Array, label: string): Promise<WebAssembly.Module | undefined> {
    if ((this.opts.isolation ?? 'inline') !== 'inline') return undefined;
    if (parseModule(patched).imports.some((i) => i.module === 'wasi_snapshot_preview1' && i.name === 'poll_oneoff')) {
      this.log('info', `actor ${label} imports WASI poll_oneoff (it may sleep), so it runs on worker threads`);
      return undefined;
    }
    try {
      // Without the claims token: it changes with every signing (iat), and a re-signed but otherwise
      // identical module would miss the Asyncify cache and pay the ~1.4 s transform again.
      const bytes = await asyncifyModule(injectFuel(stripCustomSections(patched, JWT_SECTION_NAMES)), { imports: SUSPENDING_IMPORTS });
      return await WebAssembly.compile(bytes);
    } catch (e) {
      this.log('info', `actor ${label} runs on worker threads: it could not be prepared for the host thread (${errorText(e).split('\n')[0]})`);
      return undefined;
    }
  }

  private newInlinePool(rec: () => ActorRecord, module: WebAssembly.Module, label: string, count: number, maxInstances: number, maxMemoryPages: number): InlinePool {
    return new InlinePool({
      module, label, count, maxInstances, maxMemoryPages,
      hostCall: (b, n, o, p, durable) => this.serveHostCall(rec(), b, n, o, p, durable),
      sliceExceeded: (e, o, p, t, at) => this.sliceExceeded(rec(), e, o, p, t, at),
      log: (level, text) => this.log(level, `[${rec().routed.id}] ${text}`),
      instanceStarted: (iid) => this.emit('actor_started', this.actorEvent(rec(), iid)),
      instanceStopped: (iid) => this.emit('actor_stopped', { public_key: rec().routed.id, instance_id: iid, host_id: this.id }),
    });
  }

  private async newWorkerPool(rec: () => ActorRecord, routed: RoutedActor, bytes: Uint8Array, label: string, count: number, maxInstances: number, maxMemoryPages: number): Promise<InstancePool> {
    let compiled: WebAssembly.Module;
    try {
      compiled = await WebAssembly.compile(bytes);
    } catch (e) {
      throw new StratusError('INVALID_MODULE', `the module does not compile: ${errorText(e)}`, 'rebuild it with a wasm32 toolchain');
    }
    return new InstancePool({
      module: compiled,
      label,
      count,
      maxInstances,
      maxMemoryPages,
      reserve: this.reserve,
      actor: { id: routed.id, name: routed.name, caps: [...routed.caps] },
      hooks: {
        hostCall: (inst, b, n, o, p) => {
          const r = this.serveHostCall(rec(), b, n, o, p);
          if (r instanceof Promise) r.then((x) => inst.replyHostCall(x));
          else inst.replyHostCall(r);
        },
        log: (level, text, attributed) => this.log(level, attributed ? text : `[${rec().routed.id}] ${text}`),
        instanceStarted: (inst) => this.emit('actor_started', this.actorEvent(rec(), inst.id)),
        instanceStopped: (inst) => this.emit('actor_stopped', { public_key: rec().routed.id, instance_id: inst.id, host_id: this.id }),
      },
    });
  }

  /** A call held the host thread too long: serve this actor from worker threads from now on. */
  private moveToWorkers(rec: ActorRecord): Promise<void> {
    if (rec.pool.lane === 'worker') return Promise.resolve();
    rec.moving ??= (async () => {
      const old = rec.pool;
      const pool = await this.newWorkerPool(() => rec, rec.routed, rec.workerBytes, describeActor(rec.routed), old.count, Math.max(old.count, DEFAULTS.maxInstances), rec.maxMemoryPages);
      await pool.start();
      rec.pool = pool;
      rec.maxInstances = Math.max(old.count, DEFAULTS.maxInstances);
      this.log('warn', `actor ${describeActor(rec.routed)} held the host thread for over ${INLINE_SLICE_MS} ms in one call; it now runs on worker threads`);
      await old.stop();
    })().finally(() => { rec.moving = undefined; });
    return rec.moving;
  }

  async stopActor(actorId: string): Promise<void> {
    const rec = this.actorRecord(actorId);
    this.actors.delete(rec.routed.id);
    this.forgetRoutes();
    if (rec.routed.callAlias && this.aliases.get(rec.routed.callAlias) === rec.routed.id) this.aliases.delete(rec.routed.callAlias);
    await rec.pool.stop();
  }

  async scaleActor(actorId: string, count: number): Promise<ActorDescription> {
    const rec = this.actorRecord(actorId);
    if (!Number.isInteger(count) || count < 1) {
      throw new StratusError('BAD_REQUEST', `instance count must be a whole number ≥ 1, got ${count}`, 'use stopActor to remove an actor');
    }
    await rec.pool.scale(count);
    rec.maxInstances = Math.max(rec.maxInstances, count);
    return this.describe(rec);
  }

  private actorRecord(target: string): ActorRecord {
    const rec = this.actors.get(target) ?? this.actors.get(this.aliases.get(target) ?? '');
    if (!rec) {
      throw new StratusError('UNKNOWN_TARGET', `no actor ${target} is running on host ${this.id}`,
        'start it first, or check the public key / call alias (`stratus ctl get inventory`)');
    }
    return rec;
  }

  private describe(rec: ActorRecord): ActorDescription {
    const w = rec.claims.wascap;
    return {
      id: rec.routed.id,
      name: rec.routed.name,
      imageRef: rec.imageRef,
      callAlias: rec.routed.callAlias,
      caps: [...rec.routed.caps],
      issuer: rec.claims.iss,
      revision: w.rev ?? 0,
      version: w.ver,
      count: rec.pool.count,
      maxInstances: rec.maxInstances,
      lane: rec.pool.lane,
      maxMemoryPages: rec.maxMemoryPages,
      claims: rec.claims,
    };
  }

  private actorEvent(rec: ActorRecord, instanceId: string): Record<string, unknown> {
    const c = rec.claims;
    return {
      public_key: rec.routed.id,
      image_ref: rec.imageRef,
      api_version: 'n/a',
      instance_id: instanceId,
      host_id: this.id,
      annotations: {},
      claims: {
        call_alias: c.wascap.call_alias ?? '',
        caps: c.wascap.caps ?? [],
        issuer: c.iss,
        tags: c.wascap.tags ?? [],
        name: c.wascap.name ?? '',
        version: c.wascap.ver ?? '',
        revision: c.wascap.rev ?? 0,
        not_before_human: c.nbf ? isoSeconds(c.nbf) : 'immediately',
        expires_human: c.exp ? isoSeconds(c.exp) : 'never',
      },
    };
  }

  // ---------------------------------------------------------------- invocations

  call(target: string, operation: string, payload: Uint8Array, origin?: WasmCloudEntity, opts?: CallOptions): Promise<Uint8Array> {
    const rec = this.actors.get(target) ?? this.actors.get(this.aliases.get(target) ?? '');
    if (!rec) {
      return Promise.reject(new StratusError('UNKNOWN_TARGET', `no actor with public key or call alias '${target}' is running on host ${this.id}`,
        'start the actor first, or check the key/alias with `stratus ctl get inventory`'));
    }
    if (origin && origin.contract_id) {
      const denied = authorizeInbound(rec.routed, origin.contract_id);
      if (denied && denied.kind === 'denied') {
        const err = new StratusError(denied.code, denied.message);
        this.invocationFailed(origin, rec.routed.id, operation, payload.length, err.message);
        return Promise.reject(err);
      }
    }
    const timeoutMs = opts?.timeoutMs ?? this.rpcTimeoutMs;
    const p = this.invoke(rec, operation, payload, timeoutMs);
    if (this.listenerCount('invocation_failed') > 0) {
      p.catch((e) => this.invocationFailed(origin, rec.routed.id, operation, payload.length, errorText(e)));
    }
    return p;
  }

  /** call() for providers: the reply itself when an inline actor finishes at once, else a promise. */
  callNow(target: string, operation: string, payload: Uint8Array, origin?: WasmCloudEntity, opts?: CallOptions): Uint8Array | Promise<Uint8Array> {
    const rec = this.actors.get(target);
    if (!rec || rec.pool.lane !== 'inline' || rec.moving || this.listenerCount('invocation_failed') > 0) return this.call(target, operation, payload, origin, opts);
    if (origin && origin.contract_id && authorizeInbound(rec.routed, origin.contract_id)) return this.call(target, operation, payload, origin, opts);
    return rec.pool.tryInvoke(operation, payload, opts?.timeoutMs ?? this.rpcTimeoutMs);
  }

  private invoke(rec: ActorRecord, operation: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    if (rec.moving) return rec.moving.then(() => rec.pool.invoke(operation, payload, timeoutMs));
    return rec.pool.invoke(operation, payload, timeoutMs);
  }

  /** An inline call held the host thread too long: move the actor to workers; a call that made no
   *  host call has had no effect, so it runs again there with what is left of its deadline. */
  private sliceExceeded(rec: ActorRecord, e: SliceExceeded, operation: string, payload: Uint8Array, timeoutMs: number, startedAt: number): Promise<Uint8Array> {
    const moved = this.moveToWorkers(rec);
    if (!e.replayable) return moved.then(() => { throw e; });
    return moved.then(() => rec.pool.invoke(operation, payload, Math.max(1, timeoutMs - (performance.now() - startedAt)))).catch((e2: unknown) => {
      // the re-run had what was left of the deadline; report the deadline the caller set
      throw isStratusError(e2, 'TIMEOUT') ? timeoutError(describeActor(rec.routed), operation, timeoutMs) : e2;
    });
  }

  private invocationFailed(origin: WasmCloudEntity | undefined, dest: string, operation: string, bytes: number, error: string): void {
    if (this.listenerCount('invocation_failed') === 0) return;
    this.emit('invocation_failed', {
      source: origin ?? { public_key: '', contract_id: '', link_name: '' },
      dest: { public_key: dest, contract_id: '', link_name: '' },
      operation,
      bytes,
      error,
    });
  }

  /** Routes change only when actors, providers or links do: every call in between reuses them. */
  private forgetRoutes(): void {
    for (const r of this.actors.values()) r.routes.clear();
  }

  private routeFor(rec: ActorRecord, binding: string, namespace: string): CachedRoute {
    let byNs = rec.routes.get(binding);
    if (!byNs) {
      if (rec.routes.size >= 256) rec.routes.clear(); // bounded: guests choose these strings
      byNs = new Map();
      rec.routes.set(binding, byNs);
    }
    let c = byNs.get(namespace);
    if (!c) {
      const route = routeHostCall(this.tables, rec.routed, binding, namespace);
      c = { route, provider: route.kind === 'provider' ? this.providers.get(providerKey(route.link.provider_id, route.link.link_name))?.provider : undefined };
      if (byNs.size < 256) byNs.set(namespace, c);
    }
    return c;
  }

  private hostCallFailed(rec: ActorRecord, binding: string, namespace: string, operation: string, bytes: number, e: unknown): HostCallResult {
    const text = errorText(e);
    this.emitHostCallFailure({ public_key: rec.routed.id, contract_id: '', link_name: '' }, namespace, binding, operation, bytes, text);
    return { ok: false, error: text };
  }

  /**
   * A guest's __host_call: authorize, route, serve. Answers at once where it can (builtins, providers
   * with a synchronous path when `durable` is given, i.e. the caller runs on the host thread) and
   * with a promise otherwise.
   */
  private serveHostCall(rec: ActorRecord, binding: string, namespace: string, operation: string, payload: Uint8Array,
    durable?: (commit: Promise<void>) => void): HostCallResult | Promise<HostCallResult> {
    const cached = this.routeFor(rec, binding, namespace);
    const route = cached.route;
    const fail = (e: unknown): HostCallResult => this.hostCallFailed(rec, binding, namespace, operation, payload.length, e);
    switch (route.kind) {
      case 'denied':
        return fail(route.message);
      case 'builtin':
        return runBuiltin(route.contractId, operation, payload, rec.routed.id, this.log);
      case 'provider': {
        const provider = cached.provider!;
        const ctx = { actorId: rec.routed.id, link: route.link };
        let pending: Promise<Uint8Array>;
        try {
          if (durable && provider.handleSync) {
            const data = provider.handleSync(ctx, operation, payload, durable);
            if (data !== undefined) return { ok: true, data };
          }
          pending = Promise.resolve(provider.handle(ctx, operation, payload));
        } catch (e) {
          return fail(e); // a synchronous throw fails only this call
        }
        return pending.then((data): HostCallResult => {
          if (!(data instanceof Uint8Array)) return fail(new Error(`provider ${provider.name} returned no payload for ${operation} (expected bytes, got ${typeof data})`));
          return { ok: true, data };
        }, fail);
      }
      case 'actor': {
        const target = this.actors.get(route.target.id)!;
        if (target === rec && !target.pool.canServeNow()) {
          const text = `actor ${describeActor(rec.routed)} called itself (${operation}) while all of its ${rec.maxInstances} instance(s) are busy; a busy instance is never re-entered`;
          return { ok: false, error: `${text}. Raise maxInstances for this actor or avoid synchronous self-calls` };
        }
        return this.invoke(target, operation, payload, this.rpcTimeoutMs).then(
          (data): HostCallResult => ({ ok: true, data }),
          (e): HostCallResult => ({ ok: false, error: errorText(e) }),
        );
      }
    }
  }

  private emitHostCallFailure(source: WasmCloudEntity, namespace: string, binding: string, operation: string, bytes: number, error: string): void {
    if (this.listenerCount('invocation_failed') === 0) return;
    this.emit('invocation_failed', { source, dest: { public_key: '', contract_id: namespace, link_name: binding }, operation, bytes, error });
  }

  // ---------------------------------------------------------------- providers

  async startProvider(provider: CapabilityProvider): Promise<ProviderDescription> {
    this.assertOpen();
    const key = providerKey(provider.id, provider.linkName);
    if (this.providers.has(key)) return this.describeProvider(this.providers.get(key)!.provider);
    const host: ProviderHost = {
      callActor: (actorId, origin, operation, payload, o) => this.call(actorId, operation, payload, origin, o),
      callActorNow: (actorId, origin, operation, payload, o) => this.callNow(actorId, operation, payload, origin, o),
      log: (level, text) => this.log(level, `[${provider.name} ${provider.id.slice(0, 8)}] ${text}`),
      dataDir: this.opts.dataDir ?? join(stratusHome(), 'data'),
      rpcTimeoutMs: this.rpcTimeoutMs,
    };
    await provider.start(host);
    this.providers.set(key, { provider });
    this.forgetRoutes();
    this.emit('provider_started', {
      public_key: provider.id, image_ref: provider.name, link_name: provider.linkName, contract_id: provider.contractId,
      instance_id: provider.id, host_id: this.id, annotations: {}, claims: { name: provider.name },
    });
    // links put while the provider was down are re-delivered
    for (const link of this.linkTable.values()) {
      if (link.provider_id === provider.id && link.link_name === provider.linkName) {
        await provider.putLink(link).catch((e) => this.log('error', `re-delivering link ${link.id} to ${provider.name} failed: ${errorText(e)}`));
      }
    }
    return this.describeProvider(provider);
  }

  async stopProvider(providerId: string, linkName?: string): Promise<void> {
    const matches = [...this.providers.entries()].filter(([, r]) => r.provider.id === providerId && (linkName === undefined || r.provider.linkName === linkName));
    if (matches.length === 0) {
      throw new StratusError('PROVIDER_NOT_RUNNING', `provider ${providerId}${linkName ? ` (link name '${linkName}')` : ''} is not running on host ${this.id}`);
    }
    for (const [key, r] of matches) {
      this.providers.delete(key);
      this.forgetRoutes();
      try {
        await r.provider.shutdown();
      } catch (e) {
        this.log('warn', `provider ${r.provider.name} failed to shut down cleanly: ${errorText(e)}`);
      }
      this.emit('provider_stopped', { public_key: r.provider.id, link_name: r.provider.linkName, contract_id: r.provider.contractId, instance_id: r.provider.id, reason: 'normal', host_id: this.id });
    }
  }

  private describeProvider(p: CapabilityProvider): ProviderDescription {
    return { id: p.id, name: p.name, contractId: p.contractId, linkName: p.linkName };
  }

  // ---------------------------------------------------------------- links

  async putLink(input: Omit<LinkDefinition, 'id'>): Promise<LinkDefinition> {
    const linkName = input.link_name || 'default';
    for (const [field, v] of [['actor_id', input.actor_id], ['provider_id', input.provider_id], ['contract_id', input.contract_id]] as const) {
      if (typeof v !== 'string' || v === '') throw new LinkError(`link definition field ${field} is empty`, 'give actor id, provider id and contract id');
    }
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.values ?? {})) {
      if (typeof v !== 'string') throw new LinkError(`link value ${k} must be a string, got ${typeof v}`);
      values[k] = v;
    }
    const pr = this.providers.get(providerKey(input.provider_id, linkName));
    if (!pr) {
      const other = [...this.providers.values()].find((r) => r.provider.id === input.provider_id);
      throw new LinkError(
        other
          ? `provider ${input.provider_id} (${other.provider.name}) runs with link name '${other.provider.linkName}', not '${linkName}'`
          : `provider ${input.provider_id} is not running on host ${this.id}, so a link to it cannot be checked`,
        other ? `use --link-name ${other.provider.linkName}` : 'start the provider first, then put the link');
    }
    if (pr.provider.contractId !== input.contract_id) {
      throw new LinkError(`provider ${input.provider_id} (${pr.provider.name}) implements ${pr.provider.contractId}, not ${input.contract_id}`,
        `use contract id ${pr.provider.contractId}`);
    }
    const link: LinkDefinition = {
      id: linkDefinitionId(input.actor_id, input.contract_id, linkName),
      actor_id: input.actor_id,
      provider_id: input.provider_id,
      link_name: linkName,
      contract_id: input.contract_id,
      values,
    };
    const existing = this.linkTable.get(link.id);
    if (existing && existing.provider_id === link.provider_id && sameValues(existing.values, link.values)) return existing;
    try {
      await pr.provider.putLink(link);
    } catch (e) {
      if (isStratusError(e)) throw e;
      throw new LinkError(`provider ${pr.provider.name} rejected the link for ${link.actor_id}: ${errorText(e)}`);
    }
    if (existing && existing.provider_id !== link.provider_id) {
      const old = [...this.providers.values()].find((r) => r.provider.id === existing.provider_id && r.provider.linkName === existing.link_name);
      await old?.provider.deleteLink(existing).catch(() => undefined);
    }
    this.linkTable.set(link.id, link);
    this.forgetRoutes();
    this.emit('linkdef_set', { ...link });
    return link;
  }

  async deleteLink(actorId: string, contractId: string, linkName = 'default'): Promise<void> {
    const id = linkDefinitionId(actorId, contractId, linkName);
    const link = this.linkTable.get(id);
    if (!link) return;
    this.linkTable.delete(id);
    this.forgetRoutes();
    const pr = this.providers.get(providerKey(link.provider_id, link.link_name));
    if (pr) await pr.provider.deleteLink(link);
    this.emit('linkdef_deleted', { ...link });
  }

  links(): LinkDefinition[] {
    return [...this.linkTable.values()];
  }

  // ---------------------------------------------------------------- host

  inventory(): HostInventory {
    return {
      hostId: this.id,
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      actors: [...this.actors.values()].map((r) => this.describe(r)),
      providers: [...this.providers.values()].map((r) => this.describeProvider(r.provider)),
      links: this.links(),
    };
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.actors.keys()].map((id) => this.stopActor(id).catch(() => undefined)));
    for (const r of [...this.providers.values()]) {
      await this.stopProvider(r.provider.id, r.provider.linkName).catch(() => undefined);
    }
    await this.reserve.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StratusError('BAD_REQUEST', `host ${this.id} is shut down`);
  }
}
