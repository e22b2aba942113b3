// The actors running on this host, by public key and by call alias, and the routing generation
// that tells every actor's cached host-call routes when they went stale.
import type { ActorClaims } from '../claims/types.js';
import type { WasmCloudEntity } from '../core/wire.js';
import type { CapabilityProvider } from './provider-contract.js';
import type { Route, RoutedActor } from './router.js';
import type { ActorLanes } from './lanes/actor-lanes.js';

/** A resolved host-call route and, for a provider route, its target and (when here) the provider. */
export interface CachedRoute {
  route: Route;
  provider?: CapabilityProvider;
  /** The provider as an invocation target (contract and link name filled in). */
  target?: WasmCloudEntity;
}

/** Routes already resolved for one actor, valid while `generation` matches the table's. */
export interface RouteCache {
  generation: number;
  /** By binding, then namespace: guests choose these strings, so both levels are bounded. */
  byBinding: Map<string, Map<string, CachedRoute>>;
}

export interface ActorRecord {
  readonly routed: RoutedActor;
  /** The actor as an invocation origin or target. */
  readonly entity: WasmCloudEntity;
  readonly moduleHash: string;
  readonly claims: ActorClaims;
  readonly imageRef: string;
  readonly maxMemoryPages: number;
  readonly lanes: ActorLanes;
  readonly routes: RouteCache;
}

export class ActorTable {
  private readonly byId = new Map<string, ActorRecord>();
  private readonly aliases = new Map<string, string>();
  /**
   * Bumped whenever actors, providers or links change. A cached route older than it is resolved
   * again on its next use: invalidating is O(1), not a walk over every actor (which made each
   * actor start cost grow with the actors already loaded).
   */
  private gen = 0;

  get generation(): number {
    return this.gen;
  }

  /** Routes may have changed: every actor's cache is stale from now on. */
  invalidateRoutes(): void {
    this.gen++;
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): ActorRecord | undefined {
    return this.byId.get(id);
  }

  byAlias(alias: string): ActorRecord | undefined {
    const id = this.aliases.get(alias);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** By public key, else by call alias. */
  resolve(idOrAlias: string): ActorRecord | undefined {
    return this.byId.get(idOrAlias) ?? this.byAlias(idOrAlias);
  }

  /** Adds the actor; returns the id of another actor already holding its call alias, if any. */
  add(rec: ActorRecord): string | undefined {
    this.byId.set(rec.routed.id, rec);
    this.invalidateRoutes();
    const alias = rec.routed.callAlias;
    if (!alias) return undefined;
    const holder = this.aliases.get(alias);
    if (holder && holder !== rec.routed.id) return holder;
    this.aliases.set(alias, rec.routed.id);
    return undefined;
  }

  remove(rec: ActorRecord): void {
    if (this.byId.get(rec.routed.id) !== rec) return;
    this.byId.delete(rec.routed.id);
    const alias = rec.routed.callAlias;
    if (alias && this.aliases.get(alias) === rec.routed.id) this.aliases.delete(alias);
    this.invalidateRoutes();
  }

  all(): IterableIterator<ActorRecord> {
    return this.byId.values();
  }
}

/** A fresh, empty route cache. */
export function newRouteCache(): RouteCache {
  return { generation: -1, byBinding: new Map() };
}
