// The RPC part of a lattice member (src/lattice/types.ts): serves this host's actors and providers
// on their subjects (server.ts) and sends invocations for targets elsewhere (sender.ts) as the
// dispatcher's RemoteRoute. What runs here is followed through the host's events: a subscription
// per actor while it has instances here, per provider while it runs.
import type { RemoteRoute } from '../../host/dispatcher.js';
import type { LatticeComponent, LatticeContext } from '../types.js';
import { InvocationSigner } from './antiforgery.js';
import { ChunkStore } from './chunks.js';
import { RpcSender } from './sender.js';
import { RpcServer } from './server.js';
import { isSubjectToken } from './subjects.js';
import { StratusError } from '../../core/errors.js';

export interface RpcComponent extends LatticeComponent {
  /** The route registered with the host while started (undefined before start and after stop). */
  readonly route: RemoteRoute | undefined;
  /** Subjects this host serves now. */
  subjects(): string[];
  /** Resolves once NATS has every subscription made so far (a round trip on the RPC connection). */
  flushed(): Promise<void>;
}

export function rpcComponent(): RpcComponent {
  let ctx: LatticeContext | undefined;
  let server: RpcServer | undefined;
  let sender: RpcSender | undefined;
  const unwatch: (() => void)[] = [];

  return {
    name: 'rpc',
    get route() {
      return sender;
    },
    subjects: () => server?.subjects() ?? [],
    flushed: () => ctx ? ctx.rpc.flush() : Promise.resolve(),

    async start(c: LatticeContext): Promise<void> {
      if (ctx) throw new StratusError('BAD_REQUEST', 'the rpc component is already started');
      const prefix = c.config.prefix;
      if (!isSubjectToken(prefix)) {
        throw new StratusError('BAD_REQUEST', `lattice prefix '${prefix}' cannot be a NATS subject token`, 'use letters, digits, - and _ (no dots, spaces, * or >)');
      }
      ctx = c;
      const host = c.host;
      const issuers = new Set([...c.config.clusterIssuers, c.clusterKey.publicKey]);
      const chunks = new ChunkStore(c.rpc, prefix, c.config.jsDomain);
      const srv = new RpcServer({ nc: c.rpc, prefix, host, issuers, chunks, log: c.log });
      server = srv;
      sender = new RpcSender({
        nc: c.rpc, prefix, rpcTimeoutMs: c.config.rpcTimeoutMs, signer: new InvocationSigner(c.clusterKey), directory: c.directory, chunks,
      });
      // follow what starts and stops here from now on, then take what already runs
      unwatch.push(
        host.events.on('actor_started', (e) => srv.serveActor(e.public_key)),
        host.events.on('actor_stopped', (e) => {
          // an instance stopped; the actor leaves the queue group only with its last one
          if (!host.runsActor(e.public_key)) srv.unserveActor(e.public_key);
        }),
        // a provider process serves its own subject (reference §5.2): serving it here too would split its queue group
        host.events.on('provider_started', (e) => { if (!host.providerServedOverLattice(e.public_key, e.link_name)) srv.serveProvider(e.public_key, e.link_name); }),
        host.events.on('provider_stopped', (e) => srv.unserveProvider(e.public_key, e.link_name)),
      );
      const inv = host.inventory();
      for (const a of inv.actors) srv.serveActor(a.id);
      for (const p of inv.providers) if (!host.providerServedOverLattice(p.id, p.linkName)) srv.serveProvider(p.id, p.linkName);
      await c.rpc.flush();
      host.setRemoteRoute(sender);
    },

    async drain(): Promise<void> {
      await server?.drain();
    },

    async stop(): Promise<void> {
      if (!ctx) return;
      for (const u of unwatch.splice(0)) u();
      ctx.host.setRemoteRoute(undefined);
      server?.stop();
      server = undefined;
      sender?.close();
      sender = undefined;
      ctx = undefined;
    },
  };
}
