// The dashboard of a lattice seen from outside it (`stratus ui -x <lattice>`), as wash ui does:
// the control interface (wasmbus.ctl.{lattice}.*) and the lattice's events. The picture is every
// host that answers a ping, each host's inventory, the lattice's links and claims; actions are the
// control interface's commands (an actor or provider start without a host goes to the winner of an
// auction, as `stratus ctl start` does); any lattice event redraws the picture. While a page is
// open, each Stratus host is also polled through the observe extension (lattice-poller.ts) for what
// its own dashboard shows: invocation figures, failures with their fix, the log, lanes and limits,
// provider health, link status. The NATS connection reconnects by itself; the page shows its state.
import { StratusError } from '../core/errors.js';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LatticeCtlClient } from '../lattice/control/client.js';
import { eventName, type CloudEvent } from '../lattice/control/cloud-event.js';
import { fileRef } from '../lattice/control/references.js';
import type { ProviderSource } from '../providers/source.js';
import { bodyText, parseCount, parseValues } from './actions.js';
import { observedActor, observedLink, observedProvider } from './lattice-observe.js';
import { LatticePoller } from './lattice-poller.js';
import { latticeHostRows, type ActorRow, type LatticeHostRow, type ProviderRow, type Snapshot } from './snapshot.js';
import type { ActionBody, DashboardSource, Failure } from './source.js';

/** Events that leave the picture as it is, so they redraw nothing (each redraw asks every host for
 *  its inventory): invocations (a wasmCloud host publishes one per call), and the periodic health
 *  report that repeats the last one (a change comes as health_check_passed/_failed). */
const PICTURE_UNCHANGED = new Set(['invocation_succeeded', 'invocation_failed', 'health_check_status']);

/** How often the hosts are pinged without an event saying one came or went. */
const HOSTS_MS = 10_000;
/** How often each host's observe extension is asked while a page is open. */
const OBSERVE_MS = 1000;

/** The state of the dashboard's NATS connection (nats.js reconnects by itself; cli/commands/ui-lattice.ts). */
export interface ConnectionWatch {
  connected(): boolean;
  /** Called on every change; returns the way to stop. */
  onChange(fn: () => void): () => void;
}

export interface LatticeSourceOptions {
  client: LatticeCtlClient;
  /** Where NATS is (shown on the page). */
  server: string;
  /** What the start-provider form offers (provider references the hosts resolve by name). */
  sources: ProviderSource[];
  /** Let go of the connection when the dashboard stops. */
  close?: () => Promise<void>;
  /** Whether NATS is reachable now: while not, the page keeps the last picture and says so. */
  connection?: ConnectionWatch;
}

type Inventory = { host_id: string; actors?: any[]; providers?: any[] };

/** A path on this machine becomes a file:// reference (the host needs WASMCLOUD_ALLOW_FILE_LOAD=true), as `stratus ctl` does. */
function actorRef(ref: string): string {
  return !ref.includes('://') && existsSync(ref) ? fileRef(resolve(ref)) : ref;
}

function claimsList(v: string | null | undefined): string[] {
  return v ? v.split(',').filter((x) => x !== '') : [];
}

export function latticeSource(o: LatticeSourceOptions): DashboardSource {
  const c = o.client;
  const lattice = c.o.lattice;
  const startedAt = Date.now();
  const poller = new LatticePoller(c);
  const connected = () => o.connection?.connected() ?? true;
  let last: Snapshot | undefined;
  let hosts: Record<string, unknown>[] | undefined;
  /** Claims by actor key: asked for again only when an actor without claims here shows up (a
   *  host answers get.claims by reading the lattice's whole bucket). */
  let claimsOf = new Map<string, Record<string, string | null>>();
  const claimsFor = async (ids: string[]) => {
    if (ids.every((id) => claimsOf.has(id))) return claimsOf;
    try {
      claimsOf = new Map((await c.claims()).claims.map((x) => [String(x.sub), x]));
    } catch { /* keep what we had */ }
    return claimsOf;
  };
  let pinging: Promise<Record<string, unknown>[]> | undefined;
  /** Ping (one at a time: a ping collects answers for the whole timeout). */
  const ping = () => pinging ??= c.hosts().then((h) => { hosts = h; return h; }).finally(() => { pinging = undefined; });

  /** The hosts running what a body names, when it names no host: the one it names, or every host whose inventory `runs`. */
  const hostsFor = async (b: ActionBody, runs: (inv: Inventory) => boolean, what: string): Promise<string[]> => {
    const named = typeof b.host_id === 'string' && b.host_id !== '' ? b.host_id : undefined;
    if (named) return [named];
    const out: string[] = [];
    for (const h of await ping()) {
      try {
        if (runs(await c.inventory(String(h.id)))) out.push(String(h.id));
      } catch { /* a host that left meanwhile */ }
    }
    if (out.length === 0) throw new StratusError('BAD_REQUEST', `${what} is not running on any host of lattice "${lattice}"`, 'the page may be behind: wait for it to redraw');
    return out;
  };
  const auctionWinner = (bids: { host_id: string }[], what: string): string => {
    if (bids.length === 0) {
      throw new StratusError('UNKNOWN_TARGET', `no host of lattice "${lattice}" bid for ${what}`,
        'hosts bid when they can load the reference (a file:// module needs WASMCLOUD_ALLOW_FILE_LOAD=true on that host) and, for a provider, do not run it with that link name yet');
    }
    return bids[0]!.host_id;
  };

  const actions: Record<string, (b: ActionBody) => Promise<unknown>> = {
    'start-actor': async (b) => {
      const ref = actorRef(bodyText(b, 'ref', 'the actor (a .wasm file path or an OCI reference)'));
      const count = parseCount(b.count ?? 1, 'count');
      const host = typeof b.host_id === 'string' && b.host_id ? b.host_id : auctionWinner(await c.auctionActor(ref, {}), `actor ${ref}`);
      await c.hostCommand(host, 'la', { actor_ref: ref, count });
      return { accepted: true, host_id: host, actor_ref: ref, count };
    },
    'stop-actor': async (b) => {
      const id = bodyText(b, 'id', 'the actor id');
      const on = await hostsFor(b, (inv) => (inv.actors ?? []).some((a) => a.id === id), `actor ${id}`);
      for (const h of on) await c.hostCommand(h, 'sa', { actor_ref: id, count: 0 });
      return { stopped: true, host_ids: on };
    },
    'scale-actor': async (b) => {
      const id = bodyText(b, 'id', 'the actor id');
      const count = parseCount(b.count, 'count');
      const on = await hostsFor(b, (inv) => (inv.actors ?? []).some((a) => a.id === id), `actor ${id}`);
      if (on.length > 1) throw new StratusError('BAD_REQUEST', `actor ${id} runs on ${on.length} hosts; scale it on one (its row names the host)`);
      await c.hostCommand(on[0]!, 'scale', { actor_id: id, actor_ref: '', count });
      return { accepted: true, host_id: on[0], id, count };
    },
    'start-provider': async (b) => {
      const ref = bodyText(b, 'name', 'the provider');
      const linkName = bodyText(b, 'link_name', 'the link name', 'default');
      const host = typeof b.host_id === 'string' && b.host_id ? b.host_id : auctionWinner(await c.auctionProvider(ref, linkName, {}), `provider ${ref} (link name "${linkName}")`);
      await c.hostCommand(host, 'lp', { provider_ref: ref, link_name: linkName });
      return { accepted: true, host_id: host, provider_ref: ref, link_name: linkName };
    },
    'stop-provider': async (b) => {
      const id = bodyText(b, 'id', 'the provider id');
      const linkName = bodyText(b, 'link_name', 'the link name', 'default');
      const contract = typeof b.contract_id === 'string' ? b.contract_id : '';
      const on = await hostsFor(b, (inv) => (inv.providers ?? []).some((p) => p.id === id && p.link_name === linkName), `provider ${id} (link name "${linkName}")`);
      for (const h of on) await c.hostCommand(h, 'sp', { provider_ref: id, link_name: linkName, contract_id: contract });
      return { stopped: true, host_ids: on };
    },
    'put-link': async (b) => {
      const l = {
        actor_id: bodyText(b, 'actor_id', 'the actor'), provider_id: bodyText(b, 'provider_id', 'the provider'),
        contract_id: bodyText(b, 'contract_id', 'the contract id'), link_name: bodyText(b, 'link_name', 'the link name', 'default'),
        values: parseValues(b.values),
      };
      await c.linkPut(l);
      // the lattice stores it; each host hands it to its provider by itself (events redraw the page)
      return { ...l, status: { state: 'stored', reason: 'in the lattice; each host with the provider delivers it' }, warnings: [] };
    },
    'delete-link': async (b) => {
      await c.linkDel(bodyText(b, 'actor_id', 'the actor'), bodyText(b, 'contract_id', 'the contract id'), bodyText(b, 'link_name', 'the link name', 'default'));
      return { deleted: true };
    },
  };

  const snapshot = async (): Promise<Snapshot> => {
    // NATS away: the last picture, saying so (a request would only wait for its timeout)
    if (!connected()) return { ...(last ?? emptySnapshot()), lattice: { prefix: lattice, server: o.server, connection: 'reconnecting' } };
    const pinged = hosts ?? await ping();
    const rows: LatticeHostRow[] = latticeHostRows(pinged).map((h) => {
      const seen = poller.observation(h.id);
      if (!seen) return h;
      return { ...h, observed: !seen.reply ? 'none' as const : seen.reply.calls ? 'full' as const : 'no-metrics' as const };
    });
    const [inventories, links] = await Promise.all([
      Promise.all(rows.map((h) => c.inventory(h.id).catch(() => undefined) as Promise<Inventory | undefined>)),
      c.links().then((r) => r.links ?? []).catch(() => []),
    ]);
    const claims = await claimsFor(inventories.flatMap((inv) => (inv?.actors ?? []).map((a) => String(a.id))));
    const actors: ActorRow[] = [];
    const providers: ProviderRow[] = [];
    for (const [i, inv] of inventories.entries()) {
      if (!inv) continue;
      const host = rows[i]!;
      for (const a of inv.actors ?? []) {
        const cl = claims.get(String(a.id));
        const instances = Array.isArray(a.instances) ? a.instances.length : 0;
        actors.push(observedActor({
          id: String(a.id), name: String(a.name ?? cl?.name ?? ''), imageRef: String(a.image_ref ?? ''), callAlias: cl?.call_alias ?? '',
          issuer: cl?.iss ?? '', caps: claimsList(cl?.caps), tags: claimsList(cl?.tags), version: cl?.version ?? '',
          revision: Number(cl?.rev ?? a.instances?.[0]?.revision ?? 0), expires: '', notBefore: '',
          count: instances, instances, maxInstances: 0, lane: '', maxMemoryPages: 0,
          hostId: host.id, hostName: host.friendlyName,
        }, poller.observation(host.id)?.reply));
      }
      for (const p of inv.providers ?? []) {
        providers.push(observedProvider(
          { id: String(p.id), name: String(p.name ?? p.image_ref ?? ''), contractId: String(p.contract_id ?? ''), linkName: String(p.link_name ?? 'default'), hostId: host.id, hostName: host.friendlyName },
          poller.observation(host.id)?.reply, poller.healthEvents));
      }
    }
    const observed = poller.observations();
    last = {
      ...emptySnapshot(),
      actors,
      providers,
      // the lattice stores links; whether each host's provider took one is that host's to say (observe extension)
      links: links.map((l: any) => observedLink({ id: l.id ?? '', actor_id: l.actor_id, provider_id: l.provider_id, contract_id: l.contract_id, link_name: l.link_name, values: l.values ?? {}, status: { state: 'stored' as const } }, observed)),
      metrics: observed.some((x) => x.reply?.calls),
      latticeHosts: rows,
    };
    return last;
  };
  function emptySnapshot(): Snapshot {
    return {
      host: { id: '', friendlyName: `lattice ${lattice}`, version: '', labels: {}, latticePrefix: lattice, startedAt, pid: 0, rpcTimeoutMs: c.o.timeoutMs, httpEndpoints: [] },
      actors: [], providers: [], links: [],
      catalog: o.sources.flatMap((s) => s.list().map((p) => ({ name: p.name, id: p.id, contractId: p.contractId, description: p.description }))),
      metrics: false,
      latticeHosts: [],
      lattice: { prefix: lattice, server: o.server, connection: 'connected' },
    };
  }

  return {
    snapshot,
    actions,
    watch: (changed) => {
      let stopped = false;
      let subs: { unsubscribe(): void }[] = [];
      void c.watch(({ event }) => {
        const name = eventName(event.type) ?? '';
        // a host came or went (or beats without being known yet): ask who is there now; a known
        // host's heartbeat says nothing new; anything else changes what the hosts run
        const known = hosts?.some((h) => h.id === event.source) ?? false;
        if (name === 'host_started' || name === 'host_stopped' || (name === 'host_heartbeat' && !known)) void ping().then(changed, changed);
        else if (name !== 'host_heartbeat' && !PICTURE_UNCHANGED.has(name)) changed();
      }).then((s) => { if (stopped) for (const x of s) x.unsubscribe(); else subs = s; }, () => undefined);
      const timer = setInterval(() => { if (connected()) void ping().then(changed, () => undefined); }, HOSTS_MS);
      // each host's observe extension, while the page is open (nothing is asked without one)
      const observe = setInterval(() => {
        if (!connected() || !hosts) return;
        void poller.poll(latticeHostRows(hosts)).then((moved) => { if (moved) changed(); }, () => undefined);
      }, OBSERVE_MS);
      // NATS went or came back: say so at once; once back, ask who is there now
      const offConn = o.connection?.onChange(() => {
        if (connected()) void ping().then(changed, changed);
        else changed();
      });
      return () => { stopped = true; clearInterval(timer); clearInterval(observe); offConn?.(); for (const s of subs) s.unsubscribe(); };
    },
    failures: (seen) => {
      let stopped = false;
      let subs: { unsubscribe(): void }[] = [];
      const off = poller.failures(seen);
      void c.watch(({ event, code }) => poller.event(event, failureOfEvent(event, code)))
        .then((s) => { if (stopped) for (const x of s) x.unsubscribe(); else subs = s; }, () => undefined);
      return () => { stopped = true; off(); for (const s of subs) s.unsubscribe(); };
    },
    logs: poller.logs,
    traffic: () => poller.traffic(),
    ...(o.close ? { close: o.close } : {}),
  };
}

/** A lattice event that says something failed, as the page lists failures; undefined for the others. */
export function failureOfEvent(e: CloudEvent<any>, code?: string): Failure | undefined {
  const name = eventName(e.type) ?? '';
  const d = e.data ?? {};
  const base = { time: typeof e.time === 'string' ? e.time : new Date().toISOString(), code: code ?? '', ref: '' };
  if (name === 'invocation_failed') {
    return { ...base, source: String(d.source?.public_key || d.source?.contract_id || ''), dest: String(d.dest?.public_key ?? ''), operation: String(d.operation ?? ''), error: String(d.error ?? `failed on host ${e.source}`) };
  }
  if (name === 'actor_start_failed' || name === 'provider_start_failed') {
    return { ...base, source: e.source, dest: String(d.actor_ref ?? d.provider_ref ?? ''), operation: name === 'actor_start_failed' ? 'start actor' : 'start provider', error: String(d.error ?? 'the start failed') };
  }
  return undefined;
}
