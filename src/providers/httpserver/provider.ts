// wasmcloud:httpserver: one HTTP listener per linked actor, configured by the link's values.
import type { CapabilityProvider, ProviderHost } from '../../host/provider-contract.js';
import type { Invocation } from '../../core/wire.js';
import type { LinkDefinition } from '../../core/wire.js';
import { LinkError, StratusError } from '../../core/errors.js';
import { unknownKeys } from '../link-values.js';
import { HttpListener } from './listener.js';
import { KNOWN_KEYS, parseHttpServerSettings, sameSettings, type HttpServerSettings } from './settings.js';
import { PORT_REGISTRY, type PortRegistry } from './port-registry.js';
import { findPortOwner } from './port-owner.js';
import { SerialQueue } from '../serial-queue.js';

export const HTTPSERVER_CONTRACT = 'wasmcloud:httpserver';

interface Bound {
  link: LinkDefinition;
  listener: HttpListener;
}

export class HttpServerProvider implements CapabilityProvider {
  readonly contractId = HTTPSERVER_CONTRACT;
  readonly name = 'httpserver';
  private host?: ProviderHost;
  /** Ports held by this host's httpserver links (shared with its other httpserver providers). */
  private ports?: PortRegistry;
  /** Set by drain(): the host is shutting down, no new link is served. */
  private draining = false;
  /** Listeners by actor id: a provider instance serves one link name, so one link per actor. */
  private readonly bound = new Map<string, Bound>();
  /** Link changes apply one at a time (see SerialQueue). */
  private readonly links = new SerialQueue();

  constructor(readonly id: string, readonly linkName: string = 'default') {}

  async start(host: ProviderHost): Promise<void> {
    this.host = host;
    this.ports = host.scope.use(PORT_REGISTRY);
  }

  putLink(link: LinkDefinition): Promise<void> {
    return this.links.run(() => this.applyLink(link));
  }

  deleteLink(link: LinkDefinition): Promise<void> {
    return this.links.run(() => this.closeFor(link.actor_id));
  }

  async handle(inv: Invocation): Promise<Uint8Array> {
    const operation = inv.operation;
    throw new StratusError('BAD_REQUEST', `wasmcloud:httpserver has no operation "${operation}" for actors to call`,
      'the httpserver provider calls actors (HttpServer.HandleRequest); actors do not call it');
  }

  async health(): Promise<{ healthy: boolean; message?: string }> {
    const down = [...this.bound.values()].filter((b) => !b.listener.server.listening);
    if (down.length > 0) {
      return { healthy: false, message: `not listening: ${down.map((b) => `${b.listener.settings.host}:${b.listener.settings.port} (actor ${b.link.actor_id})`).join(', ')}` };
    }
    return { healthy: true, message: `${this.bound.size} listener(s)` };
  }

  /**
   * Before the host stops its actors: every listener stops accepting and finishes the requests in
   * flight (see HttpListener.drain), within `withinMs` (a duration: the host passes its RPC
   * timeout). Links put afterwards are refused; shutdown() then closes what is left.
   */
  drain(withinMs: number): Promise<void> {
    this.draining = true;
    return this.links.run(async () => {
      await Promise.all([...this.bound.values()].map((b) => b.listener.drain(withinMs)));
    });
  }

  async shutdown(): Promise<void> {
    await this.links.run(async () => {
      for (const actorId of [...this.bound.keys()]) await this.closeFor(actorId);
    });
  }

  /** Where each linked actor is served (port is the bound one, useful with port 0). */
  listeners(): { actorId: string; host: string; port: number; connections: number }[] {
    return [...this.bound.entries()].map(([actorId, b]) => ({
      actorId, host: b.listener.settings.host, port: b.listener.boundPort() ?? b.listener.settings.port, connections: b.listener.connections,
    }));
  }


  private async applyLink(link: LinkDefinition): Promise<void> {
    const host = this.host;
    if (!host) throw new StratusError('PROVIDER_NOT_RUNNING', 'httpserver provider received a link before start()');
    if (this.draining) {
      throw new StratusError('PROVIDER_NOT_RUNNING', `httpserver provider is shutting down; the link for actor ${link.actor_id} is not served`,
        'put the link again once the host is back up');
    }
    // STRATUS_DEV_ERRORS=1: full error texts in failure bodies for links that do not set debug_errors.
    const settings = parseHttpServerSettings(link.values, host.rpcTimeoutMs, { debugErrors: process.env.STRATUS_DEV_ERRORS === '1' });
    const extra = unknownKeys(link.values, KNOWN_KEYS);
    if (extra.length > 0) host.log('warn', `httpserver: ignoring unknown link value(s) ${extra.join(', ')} for actor ${link.actor_id}`);

    const existing = this.bound.get(link.actor_id);
    if (existing && sameSettings(existing.listener.settings, settings)) {
      existing.link = link; // idempotent re-put
      return;
    }
    this.checkPortFree(settings, link.actor_id);
    // A corrected re-put replaces the old listener (wasmCloud#266 ignored it as a duplicate).
    if (existing) await this.closeFor(link.actor_id);
    try {
      await this.open(link, settings);
    } catch (e) {
      if (existing) await this.open(existing.link, existing.listener.settings).catch(() => undefined);
      throw e;
    }
  }

  private checkPortFree(settings: HttpServerSettings, actorId: string): void {
    if (settings.port === 0) return;
    const holder = this.ports!.holder(settings.port);
    if (holder && holder.actorId !== actorId) {
      throw new LinkError(
        `port ${settings.port} is already used by the httpserver link for actor ${holder.actorId} (link name "${holder.linkName}", ${holder.address})`,
        'choose another port for this link, or delete the other link first');
    }
  }

  private async open(link: LinkDefinition, settings: HttpServerSettings): Promise<void> {
    const host = this.host!;
    const listener = new HttpListener({
      actorId: link.actor_id,
      origin: { public_key: this.id, contract_id: this.contractId, link_name: link.link_name || this.linkName },
      host,
      settings,
    });
    const address = `${settings.host}:${settings.port}`;
    try {
      await listener.listen();
    } catch (e) {
      throw listenError(e as NodeJS.ErrnoException, settings);
    }
    const port = listener.boundPort() ?? settings.port;
    // Errors after binding (rare) must not crash the host.
    listener.server.on('error', (e) => host.log('error', `httpserver ${address}: ${e.message}`));
    this.ports!.claim(port, { actorId: link.actor_id, linkName: link.link_name || this.linkName, address: `${settings.host}:${port}` });
    this.bound.set(link.actor_id, { link, listener });
    host.log('info', `httpserver: serving actor ${link.actor_id} on http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`);
  }

  private async closeFor(actorId: string): Promise<void> {
    const b = this.bound.get(actorId);
    if (!b) return;
    this.bound.delete(actorId);
    const port = b.listener.boundPort() ?? b.listener.settings.port;
    await b.listener.close();
    this.ports!.release(port, actorId);
  }
}

function listenError(e: NodeJS.ErrnoException, s: HttpServerSettings): Error {
  const where = `${s.host}:${s.port}`;
  switch (e.code) {
    case 'EADDRINUSE': {
      const owner = findPortOwner(s.port);
      return new LinkError(`port ${s.port} is already in use${owner ? ` by ${owner}` : ' by another process'}; cannot listen on ${where}`,
        'choose a free port in the link values (port=... or address=HOST:PORT), or stop the process holding it');
    }
    case 'EACCES':
      return new LinkError(`permission denied to listen on ${where}`, 'ports below 1024 need privileges; use a port of 1024 or above');
    case 'EADDRNOTAVAIL':
      return new LinkError(`cannot listen on ${where}: ${s.host} is not an address of this machine`, 'use 127.0.0.1, 0.0.0.0 or an address of a local interface');
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new LinkError(`cannot listen on ${where}: host name ${s.host} does not resolve`, 'use an IP address such as 127.0.0.1 or 0.0.0.0');
    default:
      return new LinkError(`cannot listen on ${where}: ${e.message}`);
  }
}
