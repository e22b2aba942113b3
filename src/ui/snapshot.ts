// The dashboard's picture of the host: what the page draws, as plain JSON. Built on every change
// (host events) and every few seconds (provider health, which changes without events).
import type { DashboardContext } from './context.js';
import type { LinkView } from '../host/api.js';
import type { LinkState } from '../host/events.js';

/** A link as the page shows it: a host's view (pending/active/failed), or `stored` on a lattice
 *  dashboard, which sees the lattice's links but not whether each host's provider took them. */
export type LinkRow = Omit<LinkView, 'status'> & {
  status: { state: LinkState | 'stored'; reason?: string };
  /** On a lattice dashboard: the link's status on each host that reported it (observe extension). */
  hosts?: { hostId: string; hostName: string; state: LinkState; reason?: string }[];
};

export interface ActorRow {
  id: string; name: string; imageRef: string; callAlias: string; issuer: string; caps: string[]; tags: string[];
  version: string; revision: number; expires: string; notBefore: string;
  count: number; instances: number; maxInstances: number; lane: string; maxMemoryPages: number;
  /** The host it runs on, for a dashboard of the whole lattice (`stratus ui -x`); limits and lane are then unknown (0, ''). */
  hostId?: string; hostName?: string;
  /** Lattice dashboard: false when its host did not answer the observe extension (a wasmCloud host), so lane and limits are unknown. */
  reported?: boolean;
}

export interface ProviderRow { id: string; name: string; contractId: string; linkName: string; healthy?: boolean; health?: string; hostId?: string; hostName?: string }

/** A host of the lattice, as its ping reply describes it. */
export interface LatticeHostRow {
  id: string; friendlyName: string; labels: Record<string, string>; version: string;
  /** ms since the epoch, from its uptime, rounded to 10 s so that the snapshot changes only when a host does */
  startedAt: number;
  /** Lattice dashboard: what the host's observe extension said last: `full`, `no-metrics` (no
   *  invocation figures), `none` (no answer: not a Stratus host, or away). */
  observed?: 'full' | 'no-metrics' | 'none';
}

export interface Snapshot {
  host: {
    id: string; friendlyName: string; version: string; labels: Record<string, string>; latticePrefix: string;
    /** ms since the epoch; the page counts the uptime itself (so the snapshot changes only when the host does) */
    startedAt: number; pid: number; rpcTimeoutMs: number; httpEndpoints: { url: string; actor_id: string; link_name: string }[];
  };
  actors: ActorRow[];
  providers: ProviderRow[];
  links: LinkRow[];
  /** What the start-provider form offers. */
  catalog: { name: string; id: string; contractId: string; description: string }[];
  /** Invocation figures are kept (the host has metrics on). */
  metrics: boolean;
  /** The lattice's hosts (this one included), when the host is in one; refreshed every few seconds. */
  latticeHosts?: LatticeHostRow[];
  /** Set when the dashboard shows a whole lattice through its control interface, not one host:
   *  `host` then only names the lattice, and every actor and provider row names its host. */
  lattice?: { prefix: string; server: string; connection?: 'connected' | 'reconnecting' };
}

/** Ping replies as rows; anything malformed is left out. */
export function latticeHostRows(replies: Record<string, unknown>[], now = Date.now()): LatticeHostRow[] {
  return replies.filter((h) => typeof h.id === 'string').map((h) => ({
    id: h.id as string, friendlyName: String(h.friendly_name ?? ''), version: String(h.version ?? ''),
    labels: typeof h.labels === 'object' && h.labels !== null ? h.labels as Record<string, string> : {},
    startedAt: Math.round((now - Number(h.uptime_seconds ?? 0) * 1000) / 10_000) * 10_000,
  })).sort((a, b) => a.id.localeCompare(b.id));
}

function when(seconds: number | undefined): string {
  return seconds === undefined ? '' : new Date(seconds * 1000).toISOString();
}

export async function takeSnapshot(ctx: DashboardContext, startedAt: number, latticeHosts?: LatticeHostRow[]): Promise<Snapshot> {
  const view = ctx.describe();
  const inv = ctx.controller.host.inventory();
  const health = ctx.providersHealth ? await ctx.providersHealth().catch(() => []) : [];
  return {
    host: {
      id: view.id, friendlyName: view.friendly_name, version: view.version, labels: view.labels, latticePrefix: view.lattice_prefix,
      startedAt, pid: view.pid, rpcTimeoutMs: view.rpc_timeout_ms, httpEndpoints: view.http_endpoints,
    },
    actors: inv.actors.map((a) => ({
      id: a.id, name: a.name, imageRef: a.imageRef, callAlias: a.callAlias ?? '', issuer: a.issuer, caps: a.caps,
      tags: a.claims.wascap.tags ?? [], version: a.version ?? '', revision: a.revision,
      expires: when(a.claims.exp), notBefore: when(a.claims.nbf),
      count: a.count, instances: a.instances ?? a.count, maxInstances: a.maxInstances, lane: a.lane ?? 'inline', maxMemoryPages: a.maxMemoryPages,
    })),
    providers: inv.providers.map((p) => {
      const h = health.find((x) => x.id === p.id && x.linkName === p.linkName);
      return { id: p.id, name: p.name, contractId: p.contractId, linkName: p.linkName, ...(h ? { healthy: h.healthy, health: h.message ?? '' } : {}) };
    }),
    links: inv.links,
    catalog: ctx.sources.flatMap((s) => s.list().map((p) => ({ name: p.name, id: p.id, contractId: p.contractId, description: p.description }))),
    metrics: ctx.observability.metrics !== undefined,
    ...(latticeHosts ? { latticeHosts } : {}),
  };
}
