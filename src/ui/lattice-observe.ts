// What the lattice dashboard makes of its hosts' observe answers (src/lattice/control/observe-reply.ts):
// one traffic view with a host on every row, actor lanes and limits, provider health, each link's
// status per host and a summary, failures and log records naming their host. A host that did not
// answer (a wasmCloud host, or one away) is listed as not reported, never guessed. Pure.
import type { ObserveReply, ObservedFailure } from '../lattice/control/observe-reply.js';
import type { LogRecord } from '../observe/logs/record.js';
import type { ActorRow, LatticeHostRow, LinkRow, ProviderRow } from './snapshot.js';
import type { Failure } from './source.js';
import type { Traffic, TrafficGap } from './traffic.js';

/** What one host told the dashboard last: its answer and its figures with rates, or nothing. */
export interface HostObservation {
  host: LatticeHostRow;
  /** Undefined when the host did not answer the last poll. */
  reply?: ObserveReply;
  /** Its figures with rates (set when the reply had figures). */
  traffic?: Traffic;
}

/** Health a host's events told (health_check_passed/failed), by `host/provider/link name`. */
export type HealthFromEvents = ReadonlyMap<string, { healthy: boolean; health: string }>;

export function healthKey(hostId: string, providerId: string, linkName: string): string {
  return `${hostId}/${providerId}/${linkName}`;
}

/** Every host's figures as one table, each row naming its host; hosts without figures as gaps. */
export function mergeTraffic(observed: HostObservation[]): Traffic {
  const out: Traffic = { operations: [], hostCalls: [], gaps: [] };
  for (const o of observed) {
    const on = { hostId: o.host.id, hostName: o.host.friendlyName };
    if (!o.reply) out.gaps!.push({ ...on, reason: 'not-reported' } satisfies TrafficGap);
    else if (!o.reply.calls || !o.traffic) out.gaps!.push({ ...on, reason: 'metrics-off' });
    else {
      out.operations.push(...o.traffic.operations.map((r) => ({ ...r, ...on })));
      out.hostCalls.push(...o.traffic.hostCalls.map((r) => ({ ...r, ...on })));
    }
  }
  return out;
}

/** Lanes, limits and live instances from the host's answer; a row of a host that did not answer stays as the inventory had it and is marked. */
export function observedActor(row: ActorRow, reply: ObserveReply | undefined): ActorRow {
  if (!reply) return { ...row, reported: false };
  const a = reply.actors.find((x) => x.id === row.id);
  if (!a) return row;
  return { ...row, count: a.count, instances: a.instances, lane: a.lane, maxInstances: a.max_instances, maxMemoryPages: a.max_memory_pages, reported: true };
}

/** Health from the host's answer (when it had health), else from its health events, else unknown. */
export function observedProvider(row: ProviderRow, reply: ObserveReply | undefined, events: HealthFromEvents): ProviderRow {
  const p = reply?.providers.find((x) => x.id === row.id && x.link_name === row.linkName);
  if (p && p.healthy !== undefined) return { ...row, healthy: p.healthy, health: p.health ?? '' };
  const e = row.hostId ? events.get(healthKey(row.hostId, row.id, row.linkName)) : undefined;
  return e ? { ...row, healthy: e.healthy, health: e.health } : row;
}

const STRENGTH: Record<string, number> = { failed: 3, active: 2, pending: 1 };

/**
 * A lattice link with each answering host's view of it; its status is the most telling of them
 * (failed on any host, else active on one, else pending), `stored` when no host said anything.
 */
export function observedLink(link: LinkRow, observed: HostObservation[]): LinkRow {
  const hosts: NonNullable<LinkRow['hosts']> = [];
  for (const o of observed) {
    const l = o.reply?.links.find((x) => x.actor_id === link.actor_id && x.contract_id === link.contract_id && x.link_name === link.link_name);
    if (!l || !(l.state in STRENGTH)) continue;
    hosts.push({ hostId: o.host.id, hostName: o.host.friendlyName, state: l.state as 'pending' | 'active' | 'failed', ...(l.reason ? { reason: l.reason } : {}) });
  }
  if (hosts.length === 0) return link;
  const top = hosts.reduce((a, b) => (STRENGTH[b.state]! > STRENGTH[a.state]! ? b : a));
  const name = top.hostName || top.hostId;
  const reason = top.state === 'active' ? `active on ${name}` : `on ${name}: ${top.reason ?? top.state}`;
  return { ...link, status: { state: top.state, reason }, hosts };
}

export function failureOfObserved(f: ObservedFailure, host: LatticeHostRow): Failure {
  return { ...f, hostId: host.id, hostName: host.friendlyName };
}

/** A record of a host's log, naming the host (the host's logger may already have). */
export function logOfHost(r: LogRecord, hostId: string): LogRecord {
  return r.host ? r : { ...r, host: hostId };
}
