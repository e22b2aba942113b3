// The observe extension of the control interface (a Stratus addition, not wasmCloud's): a request
// on `{P}.stratus.observe.{hostId}` answers what a lattice dashboard (`stratus ui -x`) needs to
// show what a host's own dashboard shows: call figures, recent failures with their full
// explanation and fix, actor lanes and limits, provider health, each link's status on this host,
// and the log after a cursor. The shapes and the request's fields, and the ring of failures. Pure.
//
// Polled (about once a second while a page is open), never published: invocations pay nothing for
// it. A wasmCloud host has no such subject; its request finds no responder.
import type { ProviderHealth } from '../../host/provider-contract.js';
import type { HostInventory, ProviderDescription } from '../../host/api.js';
import type { CallFigures } from '../../observe/metrics/call-figures.js';
import type { LogRecord } from '../../observe/logs/record.js';
import { field, parseBody } from './request-body.js';

/** Bumped when a field changes meaning; a dashboard reads the version it knows. */
export const OBSERVE_VERSION = 1;
/** Most log records one answer carries (the dashboard asks again a second later). */
export const OBSERVE_LOG_LIMIT = 500;
/** Failures a host keeps for the dashboard (the same number a host's own dashboard keeps). */
export const KEPT_FAILURES = 100;

export function observeSubject(p: string, hostId: string): string {
  return `${p}.stratus.observe.${hostId}`;
}

export interface ObserveRequest {
  /** The `log_cursor` of the previous answer (0 or absent: the records kept). */
  log_after?: number;
  /** The `failures_cursor` of the previous answer. */
  failures_after?: number;
  /** Ask each provider for its health (a request to a provider process: asked every few seconds, not every poll). */
  health?: boolean;
}

const MAX_CURSOR = Number.MAX_SAFE_INTEGER;

/** An empty body is `{}` (everything kept, no health). */
export function parseObserveRequest(body: Uint8Array): ObserveRequest {
  if (body.length === 0) return {};
  const r = parseBody('observe request', body, {
    log_after: field.int(false, 0, MAX_CURSOR), failures_after: field.int(false, 0, MAX_CURSOR), health: field.bool(false),
  }, '{"log_after":0,"failures_after":0,"health":true}');
  return {
    ...(r.log_after !== undefined ? { log_after: r.log_after } : {}),
    ...(r.failures_after !== undefined ? { failures_after: r.failures_after } : {}),
    ...(r.health !== undefined ? { health: r.health } : {}),
  };
}

/** A failed invocation as the host explained it (its `invocation_failed` event, with the fix). */
export interface ObservedFailure {
  time: string; source: string; dest: string; operation: string; error: string; code: string; ref: string;
}

export interface ObserveReply {
  host_id: string;
  stratus_observe: number;
  /** Since the host started; null when it keeps none (started without --metrics or --ui). */
  calls: CallFigures | null;
  failures: ObservedFailure[];
  failures_cursor: number;
  actors: { id: string; count: number; instances: number; lane: string; max_instances: number; max_memory_pages: number }[];
  /** `healthy`/`health` only when the request asked for health. */
  providers: { id: string; link_name: string; contract_id: string; healthy?: boolean; health?: string }[];
  /** Each link as this host's providers see it: active, pending (what it waits for), failed (why). */
  links: { actor_id: string; provider_id: string; contract_id: string; link_name: string; state: string; reason?: string }[];
  /** null when the host has no structured logger. */
  logs: LogRecord[] | null;
  log_cursor: number;
  /** Records after `log_after` no longer kept (or beyond the limit of one answer). */
  log_missed: number;
}

export interface ObserveParts {
  hostId: string;
  inventory: HostInventory;
  calls?: CallFigures;
  failures: { records: ObservedFailure[]; cursor: number };
  health?: (ProviderDescription & ProviderHealth)[];
  logs?: { records: LogRecord[]; cursor: number; missed: number };
}

export function observeReply(p: ObserveParts): ObserveReply {
  return {
    host_id: p.hostId,
    stratus_observe: OBSERVE_VERSION,
    calls: p.calls ?? null,
    failures: p.failures.records,
    failures_cursor: p.failures.cursor,
    actors: p.inventory.actors.map((a) => ({
      id: a.id, count: a.count, instances: a.instances ?? a.count, lane: a.lane ?? 'inline', max_instances: a.maxInstances, max_memory_pages: a.maxMemoryPages,
    })),
    providers: p.inventory.providers.map((d) => {
      const h = p.health?.find((x) => x.id === d.id && x.linkName === d.linkName);
      return { id: d.id, link_name: d.linkName, contract_id: d.contractId, ...(h ? { healthy: h.healthy, health: h.message ?? '' } : {}) };
    }),
    links: p.inventory.links.map((l) => ({
      actor_id: l.actor_id, provider_id: l.provider_id, contract_id: l.contract_id, link_name: l.link_name, state: l.status.state,
      ...(l.status.reason ? { reason: l.status.reason } : {}),
    })),
    logs: p.logs ? p.logs.records : null,
    log_cursor: p.logs?.cursor ?? 0,
    log_missed: p.logs?.missed ?? 0,
  };
}

/** The last failures, numbered from 1 so that a poller asks for those after the last it saw. */
export class FailureRing {
  private readonly kept: ObservedFailure[] = [];
  private count = 0;

  constructor(readonly capacity = KEPT_FAILURES) {}

  push(f: ObservedFailure): void {
    this.kept.push(f);
    if (this.kept.length > this.capacity) this.kept.shift();
    this.count++;
  }

  /** Those after `cursor` still kept (a cursor from a restarted host, larger than the count, reads all). */
  after(cursor = 0): { records: ObservedFailure[]; cursor: number } {
    const from = cursor > this.count ? 0 : cursor;
    const fresh = Math.min(this.count - from, this.kept.length);
    return { records: fresh > 0 ? this.kept.slice(this.kept.length - fresh) : [], cursor: this.count };
  }
}
