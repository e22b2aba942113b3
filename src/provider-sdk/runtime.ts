// Running a CapabilityProvider (src/host/provider-contract.ts: the interface the built-in providers
// implement) as its own process on the lattice, as a wasmbus-rpc provider does (reference §5.2):
//   wasmbus.rpc.{L}.{K}.{N}                  invocations (queue group "rpc"), answered
//   wasmbus.rpc.{L}.{K}.{N}.linkdefs.put/.del links (msgpack LinkDefinition)
//   wasmbus.rpc.{L}.{K}.{N}.health           msgpack HealthCheckResponse
//   wasmbus.rpc.{L}.{K}.{N}.shutdown         JSON {"host_id"}; replies "shutting down" and stops
// Decoding, anti-forgery checks, chunking and replies are src/lattice/rpc's RpcServer; calls to
// actors go through its RpcSender, signed with HostData.invocation_seed (the cluster seed).
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { join } from 'node:path';
import { fromSeed } from '../claims/nkeys.js';
import { decodeMsgpack } from '../codec/msgpack-decoder.js';
import { notStartedError, StratusError, errorText } from '../core/errors.js';
import { stratusHome } from '../core/home.js';
import { HostScope } from '../core/scope.js';
import type { Invocation, InvokeOptions, LinkDefinition } from '../core/wire.js';
import { EventBus, type HostEventMap } from '../host/events.js';
import type { CapabilityProvider, ProviderHealth, ProviderHost } from '../host/provider-contract.js';
import { openLatticeConnection } from '../lattice/lattice.js';
import { InvocationSigner } from '../lattice/rpc/antiforgery.js';
import { ChunkStore } from '../lattice/rpc/chunks.js';
import { RpcSender } from '../lattice/rpc/sender.js';
import { RpcServer, type ServingHost } from '../lattice/rpc/server.js';
import { providerSubject } from '../lattice/rpc/subjects.js';
import { linkFromWire, type HostData } from './host-data.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<string, number> = { trace: 0, debug: 0, info: 1, warn: 2, error: 3 };

export interface RuntimeOptions {
  /** Where log lines go (default: stderr, `LEVEL text`, filtered by HostData.log_level). */
  log?(level: Level, text: string): void;
  /** Called once the provider has stopped because the lattice asked it to (`.shutdown`). */
  onShutdown?(): void;
}

/** `host:port` or a URL, as HostData.lattice_rpc_url may give it. */
function natsServers(url: string): string[] {
  return url.split(',').map((u) => u.trim()).filter(Boolean).map((u) => (u.includes('://') ? u : `nats://${u}`));
}

export class ProviderRuntime {
  /** Links by actor id (a provider serves one link name; wasmbus-rpc keys links by actor). */
  private readonly links = new Map<string, LinkDefinition>();
  private readonly subs: Subscription[] = [];
  private server!: RpcServer;
  private stopping: Promise<void> | undefined;
  readonly scope = new HostScope();

  private constructor(
    readonly provider: CapabilityProvider,
    readonly hostData: HostData,
    readonly nc: NatsConnection,
    private readonly logFn: (level: Level, text: string) => void,
    private readonly onShutdown: (() => void) | undefined,
  ) {}

  /** Connect, start the provider, apply the links HostData carries, then serve the lattice. */
  static async start(provider: CapabilityProvider, hd: HostData, o: RuntimeOptions = {}): Promise<ProviderRuntime> {
    const threshold = LEVELS[hd.log_level ?? 'info'] ?? 1;
    const log = o.log ?? ((level: Level, text: string) => {
      if (LEVELS[level]! >= threshold) process.stderr.write(`${level.toUpperCase()} ${text}\n`);
    });
    if (provider.id !== '' && hd.provider_key !== provider.id) {
      log('warn', `HostData names provider ${hd.provider_key} but this provider's id is ${provider.id}; serving as ${hd.provider_key}`);
    }
    const auth = hd.lattice_rpc_user_seed ? { seed: hd.lattice_rpc_user_seed, ...(hd.lattice_rpc_user_jwt ? { jwt: hd.lattice_rpc_user_jwt } : {}) } : undefined;
    const nc = await openLatticeConnection(natsServers(hd.lattice_rpc_url), auth, hd.lattice_rpc_tls, 'provider RPC', `provider ${provider.name}`);
    const rt = new ProviderRuntime(provider, hd, nc, log, o.onShutdown);
    try {
      await rt.begin();
    } catch (e) {
      await nc.close().catch(() => undefined);
      throw e;
    }
    return rt;
  }

  private get key(): string {
    return this.hostData.provider_key;
  }

  private get subject(): string {
    return providerSubject(this.hostData.lattice_rpc_prefix, this.key, this.hostData.link_name);
  }

  private async begin(): Promise<void> {
    const hd = this.hostData;
    const prefix = hd.lattice_rpc_prefix;
    const chunks = new ChunkStore(this.nc, prefix, hd.js_domain ?? undefined);
    const clusterKey = fromSeed(hd.invocation_seed, 'cluster');
    const rpcTimeoutMs = hd.default_rpc_timeout_ms ?? 2000;
    const sender = new RpcSender({
      nc: this.nc, prefix, rpcTimeoutMs, signer: new InvocationSigner(clusterKey), chunks,
      directory: { actor: () => undefined },
    });
    const providerHost: ProviderHost = {
      hostId: hd.host_id,
      invoke: (inv: Invocation, opts?: InvokeOptions) => sender.invoke(inv, opts),
      log: (level, text) => this.logFn(level, text),
      dataDir: join(stratusHome(), 'data'),
      rpcTimeoutMs,
      scope: this.scope,
      ...(hd.config_json ? { config: hd.config_json } : {}),
    };
    await this.provider.start(providerHost);
    for (const l of hd.link_definitions) await this.putLink(l);

    const issuers = new Set([...hd.cluster_issuers, clusterKey.publicKey]);
    this.server = new RpcServer({ nc: this.nc, prefix, host: this.servingHost(), issuers, chunks, log: this.logFn });
    this.server.serveProvider(this.key, hd.link_name);
    this.subs.push(
      this.nc.subscribe(`${this.subject}.linkdefs.put`, { callback: (err, msg) => { if (!err) void this.onLink(msg.data, 'put'); } }),
      this.nc.subscribe(`${this.subject}.linkdefs.del`, { callback: (err, msg) => { if (!err) void this.onLink(msg.data, 'del'); } }),
    );
    await this.nc.flush();
    this.logFn('info', `provider ${this.provider.name} (${this.key}) serving ${this.subject} for host ${hd.host_id}`);
  }

  /** What the shared RpcServer asks of a host, answered for this one provider. */
  private servingHost(): ServingHost {
    const noActors = (): never => {
      throw notStartedError('UNKNOWN_TARGET', `provider process ${this.key} runs no actors`);
    };
    return {
      id: this.hostData.host_id,
      events: new EventBus<HostEventMap>(),
      invokeHereNow: noActors,
      invokeProviderHere: (inv: Invocation) => this.invoke(inv),
      providerHealth: async (): Promise<ProviderHealth> => this.provider.health(),
      stopProvider: async () => this.shutdownRequested(),
    };
  }

  /** An invocation from an actor: only a linked actor is served (WELD `provider.rs`). */
  private invoke(inv: Invocation): Promise<Uint8Array> {
    if (!this.links.has(inv.origin.public_key)) {
      return Promise.reject(notStartedError('MISSING_LINK', `unlinked actor: '${inv.origin.public_key}'`,
        `link it with \`stratus ctl link put ${inv.origin.public_key} ${this.key} ${this.provider.contractId} --link-name ${this.hostData.link_name}\``));
    }
    try {
      return this.provider.handle(inv);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private async onLink(data: Uint8Array, op: 'put' | 'del'): Promise<void> {
    let link: LinkDefinition;
    try {
      link = linkFromWire(decodeMsgpack(data, `linkdefs.${op}`), `linkdefs.${op}`);
    } catch (e) {
      this.logFn('warn', `ignored a linkdefs.${op} message: ${errorText(e)}`);
      return;
    }
    if (op === 'put') await this.putLink(link);
    else await this.deleteLink(link);
  }

  private async putLink(link: LinkDefinition): Promise<void> {
    if (this.links.has(link.actor_id)) {
      this.logFn('info', `Ignoring duplicate link put for actor ${link.actor_id}`);
      return;
    }
    try {
      await this.provider.putLink(link);
      this.links.set(link.actor_id, link);
      this.logFn('info', `linked actor ${link.actor_id} (${link.contract_id}, link name '${link.link_name}')`);
    } catch (e) {
      this.logFn('error', `link put for actor ${link.actor_id} refused: ${errorText(e)}`);
    }
  }

  private async deleteLink(link: LinkDefinition): Promise<void> {
    const had = this.links.get(link.actor_id);
    this.links.delete(link.actor_id);
    try {
      await this.provider.deleteLink(had ?? link);
    } catch (e) {
      this.logFn('warn', `deleting the link of actor ${link.actor_id} failed: ${errorText(e)}`);
    }
  }

  /** Links this provider holds now, by actor id. */
  linkedActors(): string[] {
    return [...this.links.keys()];
  }

  /** `.shutdown` from the lattice: the reply is already sent; stop after this handler returns
   *  (stop() drains the server, which waits for this very handler). */
  private async shutdownRequested(): Promise<void> {
    setImmediate(() => void this.stop().then(() => this.onShutdown?.()));
  }

  /** Stop serving, shut the provider down, close the connection. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const s of this.subs.splice(0)) s.unsubscribe();
      await this.server?.drain().catch(() => undefined);
      await this.provider.shutdown().catch((e: unknown) => this.logFn('warn', `provider shutdown failed: ${errorText(e)}`));
      await this.scope.close();
      await this.nc.drain().catch(() => undefined);
    })();
    return this.stopping;
  }
}

/** A clear error when what was passed to runProvider is not a CapabilityProvider. */
export function assertProvider(p: unknown): asserts p is CapabilityProvider {
  const o = p as Partial<CapabilityProvider> | null;
  const missing = ['start', 'putLink', 'deleteLink', 'handle', 'health', 'shutdown'].filter((k) => typeof (o as Record<string, unknown> | null)?.[k] !== 'function');
  if (!o || typeof o.id !== 'string' || typeof o.contractId !== 'string' || missing.length > 0) {
    throw new StratusError('BAD_REQUEST', `not a capability provider${missing.length ? `: missing ${missing.join(', ')}` : ': id and contractId are required'}`,
      'implement CapabilityProvider (src/host/provider-contract.ts) or build one with defineProvider()');
  }
}
