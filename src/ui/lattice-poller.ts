// The lattice dashboard's reading of its hosts through the observe extension
// (src/lattice/control/observe-reply.ts): while a page is open, each host of the last ping is asked
// once a second (health every third time) for what came since the cursors of its last answer.
// Figures become rates per host, failures and log records go to the dashboard's feeds, and the rest
// (lanes, health, link status) waits for the next snapshot. Invocation failures the lattice's
// events report are shown only for hosts that do not answer (wasmCloud hosts): a Stratus host's
// come from here, with their explanation and fix, once.
import { StratusError } from '../core/errors.js';
import type { LatticeCtlClient } from '../lattice/control/client.js';
import type { CloudEvent } from '../lattice/control/cloud-event.js';
import { eventName } from '../lattice/control/cloud-event.js';
import { LogStream } from '../observe/logs/log-stream.js';
import { failureOfObserved, healthKey, logOfHost, mergeTraffic, type HostObservation } from './lattice-observe.js';
import type { LatticeHostRow } from './snapshot.js';
import type { Failure } from './source.js';
import { RateMeter, type Traffic } from './traffic.js';

/** Ask for provider health every this many polls (a request to each provider process). */
const HEALTH_EVERY = 3;
/** Most answers waited for per poll: a host slower than this counts as not reporting this round. */
const POLL_TIMEOUT_MS = 2000;
/** Failures kept per host not yet known to answer or not (the first poll decides). */
const HELD_PER_HOST = 100;

/** No host subscribes to the subject (a wasmCloud host has no observe extension), as the client words it; a timeout decides nothing. */
function noResponders(e: unknown): boolean {
  return e instanceof StratusError && e.code === 'HOST_UNREACHABLE' && e.message.startsWith('no host of lattice');
}

interface HostState {
  host: LatticeHostRow;
  meter: RateMeter;
  logAfter: number;
  failuresAfter: number;
  obs: HostObservation;
  /** undefined until the first poll; then whether it ever answered. */
  stratus?: boolean;
}

export class LatticePoller {
  /** The hosts' logs as one stream (what the page tails), each record naming its host. */
  readonly logs = new LogStream(2000);
  private readonly hosts = new Map<string, HostState>();
  private readonly failureSeen = new Set<(f: Failure) => void>();
  /** Event failures of hosts not polled yet, shown or dropped once the first poll tells what the host is. */
  private readonly held = new Map<string, Failure[]>();
  /** From health_check_passed/failed events, for hosts that do not answer. */
  readonly healthEvents = new Map<string, { healthy: boolean; health: string }>();
  private polls = 0;
  private polling?: Promise<boolean>;
  private lastDetails = '';

  constructor(private readonly c: LatticeCtlClient) {}

  failures(seen: (f: Failure) => void): () => void {
    this.failureSeen.add(seen);
    return () => { this.failureSeen.delete(seen); };
  }

  private emit(f: Failure): void {
    for (const s of this.failureSeen) s(f);
  }

  /** What the hosts answered last, in ping order. */
  observations(): HostObservation[] {
    return [...this.hosts.values()].map((h) => h.obs);
  }

  observation(hostId: string): HostObservation | undefined {
    return this.hosts.get(hostId)?.obs;
  }

  traffic(): Traffic {
    return mergeTraffic(this.observations());
  }

  /** A lattice event: failures of hosts that do not answer, and provider health from events. */
  event(e: CloudEvent<any>, failure: Failure | undefined): void {
    const name = eventName(e.type) ?? '';
    if (name === 'health_check_passed' || name === 'health_check_failed') {
      const d = e.data ?? {};
      this.healthEvents.set(healthKey(e.source, String(d.public_key ?? ''), String(d.link_name ?? 'default')),
        { healthy: name === 'health_check_passed', health: name === 'health_check_passed' ? '' : String(d.message ?? 'the health check failed (the host\'s event says no more)') });
    }
    if (!failure) return;
    if (name !== 'invocation_failed') return this.emit(failure);
    const known = this.hosts.get(e.source)?.stratus;
    if (known === false) return this.emit(failure);
    if (known === true) return; // comes from its observe answer, explained
    const held = this.held.get(e.source) ?? [];
    held.push(failure);
    if (held.length > HELD_PER_HOST) held.shift();
    this.held.set(e.source, held);
  }

  /** Ask every host once (one poll at a time); resolves true when lanes, health or link status changed. */
  poll(hosts: LatticeHostRow[]): Promise<boolean> {
    return this.polling ??= this.pollAll(hosts).finally(() => { this.polling = undefined; });
  }

  private async pollAll(hosts: LatticeHostRow[]): Promise<boolean> {
    const health = this.polls++ % HEALTH_EVERY === 0;
    for (const id of this.hosts.keys()) if (!hosts.some((h) => h.id === id)) this.hosts.delete(id);
    await Promise.all(hosts.map((h) => this.pollHost(h, health)));
    // lanes, limits, health and link status: what the snapshot takes from the answers
    const details = JSON.stringify(this.observations().map((o) => [o.host.id, o.reply ? [o.reply.actors, o.reply.links, o.reply.providers.map((p) => [p.id, p.link_name, p.healthy, p.health])] : null]));
    const changed = details !== this.lastDetails;
    this.lastDetails = details;
    return changed;
  }

  private async pollHost(host: LatticeHostRow, health: boolean): Promise<void> {
    let s = this.hosts.get(host.id);
    if (!s) {
      s = { host, meter: new RateMeter(), logAfter: 0, failuresAfter: 0, obs: { host } };
      this.hosts.set(host.id, s);
    }
    s.host = host;
    try {
      const r = await this.c.observe(host.id, { log_after: s.logAfter, failures_after: s.failuresAfter, health }, Math.min(this.c.o.timeoutMs, POLL_TIMEOUT_MS));
      const prev = s.obs.reply;
      // health is asked every few polls: keep the last known between
      if (!health && prev) for (const p of r.providers) {
        const before = prev.providers.find((x) => x.id === p.id && x.link_name === p.link_name);
        if (before?.healthy !== undefined && p.healthy === undefined) { p.healthy = before.healthy; p.health = before.health ?? ''; }
      }
      s.obs = { host, reply: r, ...(r.calls ? { traffic: s.meter.tick(r.calls) } : {}) };
      s.stratus = true;
      this.held.delete(host.id);
      s.failuresAfter = r.failures_cursor;
      for (const f of r.failures) this.emit(failureOfObserved(f, host));
      s.logAfter = r.log_cursor;
      for (const rec of r.logs ?? []) this.logs.push(logOfHost(rec, host.id));
    } catch (e) {
      // no answer: a wasmCloud host (no responders), or one away (timeout); its rows say "not reported"
      s.obs = { host };
      if (s.stratus === undefined && noResponders(e)) {
        s.stratus = false;
        for (const f of this.held.get(host.id) ?? []) this.emit(f);
        this.held.delete(host.id);
      }
    }
  }
}
