// The Stratus host: composes the actor table, the provider table, the link store with its
// delivery, the dispatcher and the lanes, and owns their lifecycle. It holds no routing rules
// (router.ts, dispatcher.ts), no lane policy (lanes/) and no module preparation (actor-loader.ts).
import { join } from 'node:path';
import { isoSeconds } from '../claims/verify.js';
import { createKeyPair, fromSeed } from '../claims/nkeys.js';
import { stratusHome } from '../core/home.js';
import { HostScope } from '../core/scope.js';
import { isStratusError, LinkError, notStartedError, StratusError, errorText } from '../core/errors.js';
import { actorEntity, CLI_ORIGIN, type Invocation, type InvokeOptions, type LinkDefinition, type WasmCloudEntity } from '../core/wire.js';
import type { PolicyGate } from './policy-gate.js';
import type { ActorDescription, HostApi, HostInventory, HostOptions, LinkPutResult, LinkView, ProviderDescription, StartActorOptions } from './api.js';
import type { CapabilityProvider, ProviderHealth, ProviderHost } from './provider-contract.js';
import { describeActor, type RoutedActor } from './router.js';
import { ActorTable, newRouteCache, type ActorRecord } from './actor-table.js';
import { ProviderTable } from './provider-table.js';
import { Dispatcher, type RemoteRoute } from './dispatcher.js';
import { EventBus, type HostEventMap, type LinkStatus, type LogFields } from './events.js';
import { MemoryLinkStore, sameLink, type LinkStore } from './links/link-store.js';
import { LinkDelivery } from './links/link-delivery.js';
import { normalizeLink, unknownValueWarnings, type LinkInput } from './links/link-input.js';
import { inlineObstacle, loadActor, prepareInline, startsOnWorkers, SUSPENDING_IMPORTS, withoutClaims, type LoadedActor } from './actor-loader.js';
import { limitMemory } from '../wasm/memory-limit.js';
import { hasPreparedCode } from '../wasm/host-thread.js';
import { sharedBytes } from './module-memo.js';
import { ActorLanes } from './lanes/actor-lanes.js';
import { InlineLane, INLINE_SLICE_MS } from './lanes/inline-lane.js';
import { WorkerLane } from './lanes/worker-lane.js';
import type { Lane, LaneHooks } from './lanes/lane.js';
import { WorkerReserve } from './lanes/worker/reserve.js';
import { SIGNAL_POLLER } from './lanes/worker/signal-poller.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

export const DEFAULTS = { rpcTimeoutMs: 2000, maxMemoryPages: 1024, maxInstances: 2, inlineMaxInstances: 32 } as const;

/** A module served on workers while its code for the host thread is prepared. */
interface Later { module: Promise<WebAssembly.Module>; release: () => void }

export class Host implements HostApi {
  readonly id: string;
  readonly rpcTimeoutMs: number;
  /** What this host's providers and lanes share (see core/scope.ts). */
  readonly scope = new HostScope();
  readonly events: EventBus<HostEventMap>;
  private readonly opts: HostOptions;
  private readonly actors = new ActorTable();
  private readonly providers = new ProviderTable();
  private readonly linkStore: LinkStore;
  private readonly delivery: LinkDelivery;
  private readonly dispatcher: Dispatcher;
  private readonly startedAt = Date.now();
  private readonly log: (level: Level, text: string, fields?: LogFields) => void;
  private closed = false;
  /** One spare worker, booted once a worker lane first needs one (reserve.ts): later actor starts and instance replacements skip the boot. */
  private readonly reserve = new WorkerReserve(1);
  private readonly unwatchLinks: () => void;

  constructor(opts: HostOptions = {}) {
    this.opts = opts;
    this.id = opts.hostSeed ? fromSeed(opts.hostSeed, 'server').publicKey : createKeyPair('server').publicKey;
    this.rpcTimeoutMs = opts.rpcTimeoutMs ?? DEFAULTS.rpcTimeoutMs;
    this.log = opts.log ?? ((level, text) => process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} ${text}\n`));
    this.events = new EventBus<HostEventMap>((type, e) => this.log('warn', `a listener of ${String(type)} events failed: ${errorText(e)}`));
    this.linkStore = opts.linkStore ?? new MemoryLinkStore();
    this.delivery = new LinkDelivery({
      providers: this.providers,
      log: this.log,
      statusChanged: (link, status) => {
        if (this.events.wants('link_status')) this.events.emit('link_status', { link, status, host_id: this.id });
      },
    });
    this.dispatcher = new Dispatcher({
      hostId: this.id,
      rpcTimeoutMs: this.rpcTimeoutMs,
      actors: this.actors,
      providers: this.providers,
      links: this.linkStore,
      events: this.events,
      log: this.log,
      devErrors: opts.devErrors ?? false,
      telemetry: opts.telemetry,
    });
    this.unwatchLinks = this.linkStore.watch((change) => {
      this.actors.invalidateRoutes();
      this.events.emit(change.kind === 'put' ? 'linkdef_set' : 'linkdef_deleted', { ...change.link });
      this.delivery.changed(change).catch((e) => this.log('error', `delivering a link change failed: ${errorText(e)}`));
    });
    // links already in the store wait for their providers
    for (const link of this.linkStore.list()) void this.delivery.changed({ kind: 'put', link });
  }

  // ---------------------------------------------------------------- actors

  async startActor(module: Uint8Array, opts: StartActorOptions = {}): Promise<ActorDescription> {
    this.assertOpen();
    const count = opts.count ?? 1;
    checkCount(count);
    const maxMemoryPages = opts.maxMemoryPages ?? this.opts.maxMemoryPages ?? DEFAULTS.maxMemoryPages;
    const loaded = loadActor(module, { allowUnsigned: this.opts.allowUnsigned, trustedIssuers: this.opts.trustedIssuers, maxMemoryPages });
    const { verified, routed } = loaded;
    await this.askPolicy(verified);
    const existing = this.actors.get(routed.id);
    if (existing) {
      if (existing.moduleHash !== verified.moduleHash) {
        throw new StratusError('BAD_REQUEST',
          `actor ${describeActor(existing.routed)} is already running with a different module (hash ${existing.moduleHash.slice(0, 12)}…, new ${verified.moduleHash.slice(0, 12)}…)`,
          'stop the running actor first (`stratus ctl stop actor`) to upgrade it');
      }
      // same module again: scale up, like starting more instances in wasmCloud
      return this.scaleActor(routed.id, existing.lanes.current.count + count);
    }
    const rec = await this.newActorRecord(loaded, count, opts, maxMemoryPages);
    if (this.actors.has(routed.id)) {
      // a concurrent start of the same actor won; fold this one into it
      await rec.lanes.stop();
      return this.startActor(module, opts);
    }
    const holder = this.actors.add(rec);
    if (holder) this.log('warn', `call alias '${routed.callAlias}' of ${describeActor(routed)} is already used by ${holder}; keeping the first`);
    return this.describe(rec);
  }

  /**
   * The start of `module` is near (HostApi.expectStart). On a host that serves a module missing
   * from the code cache on worker threads while it is prepared, a miss boots the spare worker now,
   * alongside the rest of the deploy (providers, outbound links), rather than when the start asks
   * for it: the worker's boot was ~50 ms of an empty-cache `stratus up` that the host thread spent
   * waiting (docs/coldstart.md, "Fifth pass"). A hint for a module never started, or that its start
   * refuses, costs one idle spare thread.
   */
  async expectStart(module: Uint8Array, opts: Pick<StartActorOptions, 'maxMemoryPages'> = {}): Promise<void> {
    if (this.closed || !this.opts.serveWhilePreparing || this.opts.prepareMissing === false || (this.opts.isolation ?? 'inline') !== 'inline') return;
    let input: Uint8Array;
    try {
      const patched = limitMemory(module, opts.maxMemoryPages ?? this.opts.maxMemoryPages ?? DEFAULTS.maxMemoryPages);
      if (inlineObstacle(patched)) {
        this.reserve.fill();
        return;
      }
      input = withoutClaims(patched);
    } catch {
      return; // not a module it can patch: the start says what is wrong
    }
    const cached = await hasPreparedCode(this.scope, input, { imports: SUSPENDING_IMPORTS });
    if (!cached && !this.closed) this.reserve.fill();
  }

  /** A record for a loaded actor with its first lane started (not yet in the actor table). */
  private async newActorRecord(loaded: LoadedActor, count: number, opts: StartActorOptions, maxMemoryPages: number): Promise<ActorRecord> {
    const { verified, routed, patched } = loaded;
    const label = describeActor(routed);
    // Without the claims section: the input of host-thread preparation (its code cache key), and what
    // is kept for a move to worker threads (the worker is told the claims), so every copy of a
    // module holds the same bytes (module-memo.ts) rather than its own.
    const workerBytes = sharedBytes(this.scope, withoutClaims(patched));
    // a miss served on workers meanwhile is transformed once its worker lane is up (transformAfter
    // in host-thread.ts), whether that start worked or not: the gate opens when this try ends
    let open!: () => void;
    const gate = { after: new Promise<void>((r) => { open = r; }), open: () => open() };
    let later: Later | undefined;
    let rec!: ActorRecord;
    try {
      let inline: WebAssembly.Module | undefined;
      ({ inline, later } = await this.inlineModule(patched, workerBytes, label, gate));
      const maxInstances = Math.max(count, opts.maxInstances ?? this.opts.maxInstances ?? (inline || later ? DEFAULTS.inlineMaxInstances : DEFAULTS.maxInstances));
      const lanes = new ActorLanes({
        label,
        startWorkerLane: async (n) => {
          const lane = await this.workerLane(rec, workerBytes, n, Math.max(n, DEFAULTS.maxInstances), maxMemoryPages);
          await lane.start();
          return lane;
        },
        startInlineLane: inline || later ? async (n) => {
          const module = inline ?? await later!.module;
          const lane = this.inlineLane(rec, module, n, maxInstances, maxMemoryPages);
          await lane.start();
          return lane;
        } : undefined,
        returnFailed: (e) => this.log('warn', `actor ${label} stays on worker threads: starting its instances on the host thread failed (${errorText(e).split('\n')[0]})`),
        moved: (from, to, reason) => {
          if (to === 'inline') this.log('info', `actor ${label} runs on the host thread again (${reason})`);
          else this.log('warn', `actor ${label} held the host thread for over ${INLINE_SLICE_MS} ms in one call (${reason}); it now runs on worker threads`);
          this.opts.telemetry?.laneMove?.(routed.id, from, to);
          if (this.events.wants('actor_moved')) this.events.emit('actor_moved', { public_key: routed.id, from, to, reason, host_id: this.id });
        },
      });
      rec = {
        routed, entity: actorEntity(routed.id), moduleHash: verified.moduleHash, claims: verified.claims,
        imageRef: opts.imageRef ?? '', maxMemoryPages, lanes, routes: newRouteCache(),
      };
      const lane: Lane = inline
        ? this.inlineLane(rec, inline, count, maxInstances, maxMemoryPages)
        // while its host-thread code is prepared, at most what a move to workers would give it
        : await this.workerLane(rec, workerBytes, count, later ? Math.max(count, opts.maxInstances ?? this.opts.maxInstances ?? DEFAULTS.maxInstances) : maxInstances, maxMemoryPages);
      lanes.init(lane);
      await lane.start();
    } catch (e) {
      later?.release();
      throw e;
    } finally {
      gate.open();
    }
    if (later) {
      // served on workers meanwhile; to the host thread once its code is ready (ActorLanes.codeReady)
      void later.module.then(() => rec.lanes.codeReady('its code for the host thread is ready'), () => undefined).finally(later.release);
    }
    return rec;
  }

  /**
   * Live update (wasmCloud's `upd`): replace a running actor's module by a newer revision of the
   * same key. The new instances are started first; the swap in the actor table is synchronous, so
   * every call either reached the old instances before it or reaches the new ones after it; calls
   * in flight finish on the old instances, which stop once they have settled. Nothing is dropped.
   */
  async updateActor(module: Uint8Array, opts: StartActorOptions = {}): Promise<ActorDescription> {
    this.assertOpen();
    if (opts.count !== undefined) checkCount(opts.count);
    const maxMemoryPages = opts.maxMemoryPages ?? this.opts.maxMemoryPages ?? DEFAULTS.maxMemoryPages;
    const loaded = loadActor(module, { allowUnsigned: this.opts.allowUnsigned, trustedIssuers: this.opts.trustedIssuers, maxMemoryPages });
    const old = this.actorRecord(loaded.routed.id);
    const oldRev = old.claims.wascap.rev ?? 0;
    const newRev = loaded.verified.claims.wascap.rev ?? 0;
    if (newRev <= oldRev) {
      throw new StratusError('BAD_REQUEST', `the new module of actor ${describeActor(old.routed)} has revision ${newRev}, not higher than the running revision ${oldRev}`,
        'raise "revision" in its stratus.json and run `stratus build` (or sign the new build with `stratus claims sign --rev N`)');
    }
    // the new module is a start of its own: its claims (issuer, capabilities, expiry) may differ
    await this.askPolicy(loaded.verified);
    const rec = await this.newActorRecord(loaded, opts.count ?? old.lanes.current.count, { ...opts, imageRef: opts.imageRef ?? old.imageRef }, maxMemoryPages);
    if (this.actors.get(loaded.routed.id) !== old) {
      await rec.lanes.stop();
      throw new StratusError('BAD_REQUEST', `actor ${describeActor(old.routed)} was stopped or replaced while its update was being prepared`, 'run the update again');
    }
    this.actors.remove(old);
    const holder = this.actors.add(rec);
    if (holder) this.log('warn', `call alias '${rec.routed.callAlias}' of ${describeActor(rec.routed)} is already used by ${holder}; keeping the first`);
    void old.lanes.settled().catch(() => undefined).then(() => old.lanes.stop())
      .catch((e) => this.log('warn', `stopping the old instances of ${describeActor(old.routed)} after its update failed: ${errorText(e)}`));
    return this.describe(rec);
  }

  /** The policy service's word on starting this module (reference §4.10); throws when denied. */
  private async askPolicy(verified: LoadedActor['verified']): Promise<void> {
    if (!this.policy) return;
    const c = verified.claims;
    await this.policy.decide('start_actor',
      { publicKey: verified.publicKey, contractId: '', linkName: '', capabilities: [...(c.wascap?.caps ?? [])], issuer: c.iss ?? '', issuedOn: String(c.iat ?? ''),
        ...(c.exp !== undefined ? { expiresAt: c.exp } : {}), expired: c.exp !== undefined && c.exp * 1000 < Date.now() },
      { publicKey: verified.publicKey, contractId: '', linkName: '', issuer: c.iss ?? '' });
  }

  /**
   * The module prepared for the host thread, or undefined when the actor must run on worker
   * threads: isolation=worker, a blocking WASI import, or a module the instrumentation cannot
   * handle (said in the log; it still runs, on workers).
   */
  private async inlineModule(patched: Uint8Array, input: Uint8Array, label: string, gate: { after: Promise<void>; open: () => void }): Promise<{ inline?: WebAssembly.Module; later?: Later }> {
    if ((this.opts.isolation ?? 'inline') !== 'inline') return {};
    const obstacle = inlineObstacle(patched);
    if (obstacle) {
      this.log('info', `actor ${label} runs on worker threads: ${obstacle}`);
      return {};
    }
    // only a start that may serve on workers meanwhile defers a transform; any other waits for it
    const prep = prepareInline(this.scope, input, (level, text) => this.log(level, `actor ${label}: ${text}`), this.opts.prepareMissing === false,
      this.opts.serveWhilePreparing ? gate.after : undefined);
    const failed = (e: unknown) => {
      this.log('info', `actor ${label} runs on worker threads: it could not be prepared for the host thread (${errorText(e).split('\n')[0]})`);
      return undefined;
    };
    if (this.opts.serveWhilePreparing || this.opts.prepareMissing === false) {
      // a cache read is ~1 ms, a transform seconds: on a transform, serve on workers meanwhile
      const first = await Promise.race([prep.module.then(() => 'ready' as const, () => 'ready' as const), prep.slow.then(() => 'slow' as const)]);
      if (first === 'slow' && this.opts.prepareMissing === false) {
        prep.module.catch(() => undefined); // rejects: this host does not prepare
        this.log('info', `actor ${label} runs on worker threads: its code for the host thread is not in the code cache, and this host does not prepare it`);
        return {};
      }
      const release = first === 'slow' ? startsOnWorkers(this.scope) : undefined;
      if (release) {
        this.log('info', `actor ${label} serves on worker threads while its code for the host thread is prepared (not in the code cache)`);
        prep.module.catch(failed);
        return { later: { module: prep.module, release } };
      }
    }
    // this start waits for the code itself: nothing to wait for before the transform
    gate.open();
    try {
      return { inline: await prep.module };
    } catch (e) {
      return { inline: failed(e) };
    }
  }

  private laneHooks(rec: ActorRecord): LaneHooks {
    return {
      log: (level, text, attributed) => this.log(level, attributed ? text : `[${rec.routed.id}] ${text}`, { actor: rec.routed.id, actorName: rec.routed.name }),
      instanceStarted: (iid) => {
        if (this.events.wants('actor_started')) this.events.emit('actor_started', this.actorEvent(rec, iid));
      },
      instanceStopped: (iid) => {
        if (this.events.wants('actor_stopped')) this.events.emit('actor_stopped', { public_key: rec.routed.id, instance_id: iid, host_id: this.id });
      },
    };
  }

  private inlineLane(rec: ActorRecord, module: WebAssembly.Module, count: number, maxInstances: number, maxMemoryPages: number): InlineLane {
    return new InlineLane({
      module, label: describeActor(rec.routed), count, maxInstances, maxMemoryPages,
      hostCall: (b, n, o, p, durable, trace) => this.dispatcher.hostCall(rec, b, n, o, p, durable, trace),
      hostCallBorrowing: (b, n, o, view) => this.dispatcher.hostCallBorrowing(rec, b, n, o, view),
      sliceExceeded: (e, o, p, t, at, trace) => rec.lanes.sliceExceeded(e, o, p, t, at, trace),
      hooks: this.laneHooks(rec),
    });
  }

  private async workerLane(rec: ActorRecord, bytes: Uint8Array, count: number, maxInstances: number, maxMemoryPages: number): Promise<WorkerLane> {
    let compiled: WebAssembly.Module;
    try {
      compiled = await WebAssembly.compile(bytes);
    } catch (e) {
      throw new StratusError('INVALID_MODULE', `the module does not compile: ${errorText(e)}`, 'rebuild it with a wasm32 toolchain');
    }
    const routed: RoutedActor = rec.routed;
    return new WorkerLane({
      module: compiled,
      label: describeActor(routed),
      count,
      maxInstances,
      maxMemoryPages,
      reserve: this.reserve,
      poller: this.scope.use(SIGNAL_POLLER),
      actor: { id: routed.id, name: routed.name, caps: [...routed.caps] },
      hostCall: (inst, b, n, o, p) => {
        const r = this.dispatcher.hostCall(rec, b, n, o, p, undefined, inst.trace);
        if (r instanceof Promise) r.then((x) => inst.replyHostCall(x));
        else inst.replyHostCall(r);
      },
      hooks: this.laneHooks(rec),
      served: (ms) => rec.lanes.workerCallServed(ms),
    });
  }

  async stopActor(actorId: string): Promise<void> {
    const rec = this.actorRecord(actorId);
    this.actors.remove(rec);
    await rec.lanes.stop();
  }

  async scaleActor(actorId: string, count: number): Promise<ActorDescription> {
    const rec = this.actorRecord(actorId);
    checkCount(count);
    await rec.lanes.scale(count);
    return this.describe(rec);
  }

  /** Whether the actor (public key) has instances on this host. */
  runsActor(actorId: string): boolean {
    return this.actors.has(actorId);
  }

  describeActor(actorId: string): ActorDescription | undefined {
    const rec = this.actors.get(actorId);
    return rec && this.describe(rec);
  }

  private actorRecord(target: string): ActorRecord {
    const rec = this.actors.resolve(target);
    if (!rec) {
      throw new StratusError('UNKNOWN_TARGET', `no actor ${target} is running on host ${this.id}`,
        'start it first, or check the public key / call alias (`stratus ctl get inventory`)');
    }
    return rec;
  }

  private describe(rec: ActorRecord): ActorDescription {
    const w = rec.claims.wascap;
    const lane = rec.lanes.current;
    return {
      id: rec.routed.id,
      name: rec.routed.name,
      imageRef: rec.imageRef,
      callAlias: rec.routed.callAlias,
      caps: [...rec.routed.caps],
      issuer: rec.claims.iss,
      revision: w.rev ?? 0,
      version: w.ver,
      count: lane.count,
      instances: lane.size,
      maxInstances: lane.maxInstances,
      lane: lane.kind,
      maxMemoryPages: rec.maxMemoryPages,
      claims: rec.claims,
    };
  }

  private actorEvent(rec: ActorRecord, instanceId: string): HostEventMap['actor_started'] {
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

  call(target: string, operation: string, payload: Uint8Array, origin: WasmCloudEntity = CLI_ORIGIN, opts?: InvokeOptions): Promise<Uint8Array> {
    return this.dispatcher.invoke({ origin, target: actorEntity(target), operation, msg: payload, id: '' }, opts);
  }

  invoke(inv: Invocation, opts?: InvokeOptions): Promise<Uint8Array> {
    return this.dispatcher.invoke(inv, opts);
  }

  /** An invocation from another host of the lattice for an actor here (never sent on). */
  invokeHere(inv: Invocation, opts?: InvokeOptions): Promise<Uint8Array> {
    return this.dispatcher.invokeHere(inv, opts);
  }

  /** invokeHere() answering without a promise when an inline actor finishes at once. */
  invokeHereNow(inv: Invocation, opts?: InvokeOptions): Uint8Array | Promise<Uint8Array> {
    return this.dispatcher.invokeHereNow(inv, opts);
  }

  /** An invocation from another host's actor for a provider running here. */
  invokeProviderHere(inv: Invocation): Promise<Uint8Array> {
    return this.dispatcher.invokeProviderHere(inv);
  }

  /** Join a lattice (or leave it, with undefined): targets not here go through `remote`. */
  setRemoteRoute(remote: RemoteRoute | undefined): void {
    this.dispatcher.setRemote(remote);
  }

  /** call() that answers without a promise when an inline actor finishes at once. */
  callNow(target: string, operation: string, payload: Uint8Array, origin: WasmCloudEntity = CLI_ORIGIN, opts?: InvokeOptions): Uint8Array | Promise<Uint8Array> {
    return this.dispatcher.invokeNow({ origin, target: actorEntity(target), operation, msg: payload, id: '' }, opts);
  }

  // ---------------------------------------------------------------- providers

  /** The policy service asked before starts and inbound invocations (reference §4.10); none by default. */
  policy?: PolicyGate;

  /** Ask `gate` from now on (the lattice sets it when WASMCLOUD_POLICY_TOPIC is given); undefined stops asking. */
  usePolicy(gate: PolicyGate | undefined): void {
    this.policy = gate;
  }

  async startProvider(provider: CapabilityProvider): Promise<ProviderDescription> {
    this.assertOpen();
    const running = this.providers.get(provider.id, provider.linkName);
    if (running) return this.describeProvider(running);
    if (this.policy) {
      await this.policy.decide('start_provider',
        { publicKey: provider.id, contractId: provider.contractId, linkName: provider.linkName, capabilities: [provider.contractId], issuer: '', issuedOn: '', expired: false },
        { publicKey: provider.id, contractId: provider.contractId, linkName: provider.linkName, issuer: '' });
    }
    const host: ProviderHost = {
      hostId: this.id,
      invoke: (inv, o) => this.dispatcher.invoke(inv, o),
      local: { invokeNow: (inv, o) => this.dispatcher.invokeNow(inv, o) },
      log: (level, text, fields) => this.log(level, `[${provider.name} ${provider.id.slice(0, 8)}] ${text}`, { ...fields, provider: provider.id, providerName: provider.name }),
      dataDir: this.opts.dataDir ?? join(stratusHome(), 'data'),
      rpcTimeoutMs: this.rpcTimeoutMs,
      scope: this.scope,
      events: this.events,
    };
    await provider.start(host);
    this.providers.add(provider);
    this.actors.invalidateRoutes();
    if (this.events.wants('provider_started')) {
      this.events.emit('provider_started', {
        public_key: provider.id, image_ref: provider.name, link_name: provider.linkName, contract_id: provider.contractId,
        instance_id: provider.id, host_id: this.id, annotations: {}, claims: { name: provider.name },
      });
    }
    // links stored while the provider was not running reach it now
    await this.delivery.providerStarted(provider, this.linkStore.list());
    return this.describeProvider(provider);
  }

  async stopProvider(providerId: string, linkName?: string): Promise<void> {
    const matches = this.providers.withId(providerId).filter((p) => linkName === undefined || p.linkName === linkName);
    if (matches.length === 0) {
      throw new StratusError('PROVIDER_NOT_RUNNING', `provider ${providerId}${linkName ? ` (link name '${linkName}')` : ''} is not running on host ${this.id}`);
    }
    for (const p of matches) {
      this.providers.remove(p);
      this.actors.invalidateRoutes();
      this.delivery.providerStopped(p);
      try {
        await p.shutdown();
      } catch (e) {
        this.log('warn', `provider ${p.name} failed to shut down cleanly: ${errorText(e)}`);
      }
      if (this.events.wants('provider_stopped')) {
        this.events.emit('provider_stopped', { public_key: p.id, link_name: p.linkName, contract_id: p.contractId, instance_id: p.id, reason: 'normal', host_id: this.id });
      }
    }
  }

  /** Whether the provider running here serves its own lattice subject (a provider process). */
  providerServedOverLattice(providerId: string, linkName: string): boolean {
    return this.providers.get(providerId, linkName)?.servedOverLattice === true;
  }

  /** A provider's health, or undefined when it does not run here (the lattice answers `.health` with it). */
  async providerHealth(providerId: string, linkName: string): Promise<ProviderHealth | undefined> {
    return this.providers.get(providerId, linkName)?.health();
  }

  /** Each running provider's own report of its health (a provider that fails to answer is unhealthy). */
  providersHealth(): Promise<(ProviderDescription & ProviderHealth)[]> {
    return Promise.all(this.providers.all().map(async (p) => {
      const h = await p.health().catch((e: unknown): ProviderHealth => ({ healthy: false, message: `health check failed: ${errorText(e)}` }));
      return { ...this.describeProvider(p), healthy: h.healthy, ...(h.message !== undefined ? { message: h.message } : {}) };
    }));
  }

  private describeProvider(p: CapabilityProvider): ProviderDescription {
    return { id: p.id, name: p.name, contractId: p.contractId, linkName: p.linkName };
  }

  // ---------------------------------------------------------------- links

  async putLink(input: LinkInput): Promise<LinkPutResult> {
    const link = normalizeLink(input);
    const warnings: string[] = [];
    const local = this.providers.get(link.provider_id, link.link_name);
    const known = local?.linkValueKeys ?? this.opts.providerCatalog?.(link.provider_id)?.linkValueKeys;
    if (known) warnings.push(...unknownValueWarnings(link.values, known, local?.name ?? this.opts.providerCatalog?.(link.provider_id)?.name ?? 'the provider'));
    const existing = this.linkStore.get(link.id);
    if (existing && sameLink(existing, link)) return { link: existing, status: this.linkStatus(existing), warnings };
    if (local) {
      if (local.contractId !== link.contract_id) {
        throw new LinkError(`provider ${link.provider_id} (${local.name}) implements ${local.contractId}, not ${link.contract_id}`, `use contract id ${local.contractId}`);
      }
      // It runs here, so it checks the values now: a bad link is refused before it is stored.
      try {
        await local.putLink(link);
      } catch (e) {
        if (isStratusError(e)) throw e;
        throw new LinkError(`provider ${local.name} rejected the link for ${link.actor_id}: ${errorText(e)}`);
      }
      this.delivery.accepted(local, link);
    } else {
      const other = this.providers.withId(link.provider_id)[0];
      warnings.push(other
        ? `provider ${link.provider_id} (${other.name}) runs here with link name '${other.linkName}', not '${link.link_name}': the link waits for a provider with link name '${link.link_name}'`
        : `provider ${link.provider_id} is not running on this host: the link is stored and waits for it (status pending)`);
    }
    try {
      await this.linkStore.put(link);
    } catch (e) {
      // not stored: take back what the provider was given
      if (local) await (existing && existing.provider_id === local.id ? local.putLink(existing) : local.deleteLink(link)).catch(() => undefined);
      throw e;
    }
    return { link, status: this.linkStatus(link), warnings };
  }

  async deleteLink(actorId: string, contractId: string, linkName = 'default'): Promise<void> {
    const link = this.linkStore.find(actorId, contractId, linkName);
    if (link) await this.linkStore.delete(link.id);
  }

  links(): LinkView[] {
    return this.linkStore.list().map((l) => ({ ...l, status: this.linkStatus(l) }));
  }

  linkStatus(link: LinkDefinition): LinkStatus {
    return this.delivery.statusOf(link.id) ?? { state: 'pending' };
  }

  // ---------------------------------------------------------------- host

  inventory(): HostInventory {
    return {
      hostId: this.id,
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      actors: [...this.actors.all()].map((r) => this.describe(r)),
      providers: this.providers.all().map((p) => this.describeProvider(p)),
      links: this.links(),
    };
  }

  /**
   * Stop taking new work and let what is in flight finish: providers stop accepting (an HTTP
   * listener closes its socket and answers the requests it has), then every actor's calls in
   * flight complete, bounded by `deadlineMs` (default the RPC timeout).
   */
  async drain(deadlineMs = this.rpcTimeoutMs): Promise<void> {
    const until = new Promise<void>((r) => setTimeout(r, deadlineMs).unref());
    const providersDone = Promise.all(this.providers.all().map((p) => p.drain?.(deadlineMs).catch((e) => this.log('warn', `provider ${p.name} did not drain cleanly: ${errorText(e)}`))));
    const actorsDone = Promise.all([...this.actors.all()].map((r) => r.lanes.settled()));
    await Promise.race([Promise.all([providersDone, actorsDone]), until]);
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.drain();
    await Promise.all([...this.actors.all()].map((r) => this.stopActor(r.routed.id).catch(() => undefined)));
    for (const p of this.providers.all()) await this.stopProvider(p.id, p.linkName).catch(() => undefined);
    this.unwatchLinks();
    this.delivery.close();
    await this.linkStore.close();
    await this.reserve.close();
    await this.scope.close();
  }

  private assertOpen(): void {
    if (this.closed) throw notStartedError('BAD_REQUEST', `host ${this.id} is shut down`);
  }
}

/** Instance counts (start, update, scale) are whole numbers of at least one. */
function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1) {
    throw new StratusError('BAD_REQUEST', `instance count must be a whole number ≥ 1, got ${count}`, 'use stopActor to remove an actor');
  }
}
