// Lattice members for the RPC tests, made without the metadata engineer's `Lattice` (lattice.ts):
// a real NATS connection, a LatticeContext, and the rpc component started on a Host. The actor
// directory is a simple in-memory one the test fills (the real one reads CLAIMS_ from the bucket).
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { createKeyPair, fromSeed, type KeyPair } from '../../src/claims/nkeys.js';
import type { Host } from '../../src/host/host.js';
import type { RoutedActor } from '../../src/host/router.js';
import type { ActorDirectory, LatticeConfig, LatticeContext } from '../../src/lattice/types.js';
import { rpcComponent, type RpcComponent } from '../../src/lattice/rpc/index.js';

/** Actors by key and call alias, filled by the test from hosts' inventories. */
export class MemoryDirectory implements ActorDirectory {
  private readonly byId = new Map<string, RoutedActor>();
  private readonly byAlias = new Map<string, RoutedActor>();

  add(a: RoutedActor): void {
    this.byId.set(a.id, a);
    if (a.callAlias) this.byAlias.set(a.callAlias, a);
  }

  /** Every actor `host` runs. */
  addFrom(host: Host): void {
    for (const a of host.inventory().actors) this.add({ id: a.id, name: a.name, caps: a.caps, callAlias: a.callAlias });
  }

  actor(idOrAlias: string): RoutedActor | undefined {
    return this.byId.get(idOrAlias) ?? this.byAlias.get(idOrAlias);
  }
}

export interface MemberOptions {
  prefix?: string;
  /** The cluster key this member signs with (default: a shared one the test passes, or a new one). */
  clusterKey?: KeyPair;
  /** Extra cluster issuers accepted (its own key is always accepted). */
  issuers?: string[];
  directory?: ActorDirectory;
  rpcTimeoutMs?: number;
}

export interface Member {
  host: Host;
  rpc: RpcComponent;
  nc: NatsConnection;
  ctx: LatticeContext;
  logs: string[];
  /** Drain and stop the component and close the connection (the host is the test's). */
  leave(): Promise<void>;
}

export function config(url: string, o: MemberOptions & { clusterKey: KeyPair }): LatticeConfig {
  return {
    prefix: o.prefix ?? 'default',
    rpcServers: [url],
    ctlServers: [url],
    ctlTopicPrefix: 'wasmbus.ctl',
    clusterSeed: o.clusterKey.seed,
    clusterIssuers: [o.clusterKey.publicKey, ...(o.issuers ?? [])],
    rpcTimeoutMs: o.rpcTimeoutMs ?? 2000,
    allowFileLoad: false,
    labels: {},
    dataReplicas: 1,
  };
}

/** Join `host` to the lattice on the NATS server at `url` with only the rpc component. */
export async function join(host: Host, url: string, o: MemberOptions = {}): Promise<Member> {
  const clusterKey = o.clusterKey ?? createKeyPair('cluster');
  const nc = await connect({ servers: url, name: `stratus-test-${host.id.slice(0, 8)}` });
  const logs: string[] = [];
  const ctx: LatticeContext = {
    config: config(url, { ...o, clusterKey }),
    rpc: nc,
    ctl: nc,
    host,
    hostKey: fromSeed(createKeyPair('server').seed),
    clusterKey,
    directory: o.directory ?? new MemoryDirectory(),
    log: (level, text) => logs.push(`${level} ${text}`),
  };
  const rpc = rpcComponent();
  await rpc.start(ctx);
  return {
    host, rpc, nc, ctx, logs,
    async leave() {
      await rpc.drain?.();
      await rpc.stop();
      await nc.close();
    },
  };
}
