// `stratus ctl` in lattice mode: the same commands, over the control interface of every host on
// NATS instead of the local socket (wash ctl's behaviour: starts without a host id go to the
// winner of an auction and wait for the host's start event; stops, scales and updates without a
// host id go to every host running the target).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { StratusError } from '../../core/errors.js';
import { linkDefinitionId } from '../../claims/linkdef-id.js';
import { renderTable } from '../../control/table.js';
import { LatticeCtlClient } from '../../lattice/control/client.js';
import type { CloudEvent } from '../../lattice/control/cloud-event.js';
import { eventName } from '../../lattice/control/cloud-event.js';
import { fileRef } from '../../lattice/control/references.js';
import { emit, type OutputFormat } from '../output.js';
import { exactlyOne, one, sortArgs } from './args.js';
import { connectLattice } from './connect.js';
import type { LatticeSettings } from './options.js';

/** How long a start waits for its event unless --timeout-ms says otherwise (a first start compiles and instruments the module). */
export const START_WAIT_MS = 30_000;

export async function withClient<T>(s: LatticeSettings, fn: (c: LatticeCtlClient) => Promise<T>, auctionTimeoutMs?: number): Promise<T> {
  const nc = await connectLattice(s);
  try {
    return await fn(new LatticeCtlClient(nc, { lattice: s.lattice, timeoutMs: s.timeoutMs, auctionTimeoutMs }));
  } finally {
    await nc.close().catch(() => undefined);
  }
}

const ack = { accepted: true, error: '' };

/** An actor reference from the command line: a path on this machine becomes a file:// reference. */
export function actorRefArg(arg: string): string {
  if (arg.includes('://')) return arg;
  return existsSync(arg) ? fileRef(resolve(arg)) : arg;
}

function labelsText(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {}).filter(([k]) => !k.startsWith('hostcore.')).map(([k, v]) => `${k}=${v}`).join(',');
}

export async function getHosts(format: OutputFormat, s: LatticeSettings): Promise<void> {
  await withClient(s, async (c) => {
    const hosts = (await c.hosts()).sort((a, b) => String(a.id).localeCompare(String(b.id)));
    emit(format, { hosts }, () => hosts.length === 0
      ? `no host of lattice "${s.lattice}" answered within ${s.timeoutMs} ms`
      : renderTable(['Host ID', 'Friendly name', 'Uptime', 'Labels'], hosts.map((h) => [h.id, h.friendly_name, h.uptime_human, labelsText(h.labels)])));
  });
}

/** The one host of the lattice, when the command names none. */
async function onlyHost(c: LatticeCtlClient, s: LatticeSettings): Promise<string> {
  const hosts = await c.hosts();
  if (hosts.length === 0) throw new StratusError('HOST_UNREACHABLE', `no host of lattice "${s.lattice}" answered within ${s.timeoutMs} ms`, 'start one with `stratus up` and lattice settings');
  if (hosts.length > 1) {
    throw new StratusError('BAD_REQUEST', `lattice "${s.lattice}" has ${hosts.length} hosts; name the one you mean`, `stratus ctl get inventory <host-id> (one of ${hosts.map((h) => h.id).join(', ')})`);
  }
  return hosts[0].id;
}

export async function getInventory(format: OutputFormat, s: LatticeSettings, hostId: string | undefined): Promise<void> {
  await withClient(s, async (c) => {
    const inv = await c.inventory(hostId ?? await onlyHost(c, s));
    emit(format, inv, () => [
      `Host inventory (${inv.host_id})`, '',
      renderTable(['Actor ID', 'Name', 'Instances', 'Image ref'], inv.actors.map((a: any) => [a.id, a.name ?? '', String(a.instances.length), a.image_ref ?? ''])),
      '',
      renderTable(['Provider ID', 'Name', 'Link name', 'Contract ID'], inv.providers.map((p: any) => [p.id, p.name ?? '', p.link_name, p.contract_id])),
    ].join('\n'));
  });
}

export async function getClaims(format: OutputFormat, s: LatticeSettings): Promise<void> {
  await withClient(s, async (c) => {
    const r = await c.claims();
    emit(format, r, () => renderTable(['Subject', 'Name', 'Issuer', 'Capabilities', 'Call alias'],
      r.claims.map((x) => [x.sub ?? '', x.name ?? '', x.iss ?? '', x.caps ?? '', x.call_alias ?? ''])));
  });
}

export async function linkPut(format: OutputFormat, s: LatticeSettings, l: { actor_id: string; provider_id: string; contract_id: string; link_name: string; values: Record<string, string> }): Promise<void> {
  await withClient(s, async (c) => {
    await c.linkPut(l);
    emit(format, { ...l, id: linkDefinitionId(l.actor_id, l.contract_id, l.link_name) }, () => `published link (${l.actor_id}) <-> (${l.provider_id}) on ${l.contract_id} link name "${l.link_name}"`);
  });
}

export async function linkDel(format: OutputFormat, s: LatticeSettings, actorId: string, contractId: string, linkName: string): Promise<void> {
  await withClient(s, async (c) => {
    await c.linkDel(actorId, contractId, linkName);
    emit(format, ack, () => `deleted link for ${actorId} on ${contractId} link name "${linkName}"`);
  });
}

export async function linkQuery(format: OutputFormat, s: LatticeSettings): Promise<void> {
  await withClient(s, async (c) => {
    const r = await c.links();
    emit(format, r, () => renderTable(['Actor ID', 'Provider ID', 'Contract ID', 'Link name', 'Values'],
      r.links.map((l) => [l.actor_id, l.provider_id, l.contract_id, l.link_name, Object.entries(l.values ?? {}).map(([k, v]) => `${k}=${v}`).join(',')])));
  });
}

export interface StartOptions {
  hostId?: string;
  constraints: Record<string, string>;
  auctionTimeoutMs?: number;
  skipWait: boolean;
}

function noBidder(what: string, ref: string, constraints: Record<string, string>, lattice: string): StratusError {
  const c = Object.entries(constraints).map(([k, v]) => `${k}=${v}`).join(', ');
  return new StratusError('UNKNOWN_TARGET', `no host of lattice "${lattice}" bid for ${what} ${ref}${c ? ` with constraints ${c}` : ''}`,
    what === 'actor'
      ? 'hosts bid when their labels include the constraints and they can load the reference: a file:// module must exist on that host, which needs WASMCLOUD_ALLOW_FILE_LOAD=true'
      : 'hosts bid when their labels include the constraints, they have the provider and do not run it with that link name yet');
}

export async function startActor(format: OutputFormat, s: LatticeSettings, refArg: string, count: number, o: StartOptions): Promise<void> {
  const ref = actorRefArg(refArg);
  await withClient(s, async (c) => {
    let host = o.hostId;
    if (!host) {
      const bids = await c.auctionActor(ref, o.constraints);
      if (bids.length === 0) throw noBidder('actor', ref, o.constraints, s.lattice);
      host = bids[0]!.host_id;
    }
    const target = host;
    const wait = o.skipWait ? undefined : await c.expectEvent((e) => {
      if (e.source !== target) return undefined;
      if (e.type === 'com.wasmcloud.lattice.actor_started' && e.data?.image_ref === ref) return 'ok';
      if (e.type === 'com.wasmcloud.lattice.actor_start_failed' && e.data?.actor_ref === ref) return 'failed';
      return undefined;
    }, `actor ${ref} started on host ${target}`);
    try {
      await c.hostCommand(target, 'la', { actor_ref: ref, count });
    } catch (e) {
      wait?.cancel();
      throw e;
    }
    if (!wait) return emit(format, { ...ack, host_id: target, actor_ref: ref }, () => `host ${target} accepted the start of actor ${ref}`);
    const ev = await wait.wait(s.timeoutGiven ? s.timeoutMs : START_WAIT_MS);
    const id = String(ev.data.public_key);
    emit(format, { id, name: ev.data.claims?.name ?? '', host_id: target, actor_ref: ref, count },
      () => `started actor ${id} (${ev.data.claims?.name ?? ''}) on host ${target}, ${count} instance(s) requested`);
  }, o.auctionTimeoutMs);
}

/** `config`: the `lp` command's `configuration`, HostData.config_json of a provider process. */
export async function startProvider(format: OutputFormat, s: LatticeSettings, refArg: string, linkName: string, o: StartOptions, config?: string): Promise<void> {
  // a provider archive on this machine becomes a file:// reference (the host needs WASMCLOUD_ALLOW_FILE_LOAD=true)
  const ref = /\.par(\.gz)?$/.test(refArg) ? actorRefArg(refArg) : refArg;
  await withClient(s, async (c) => {
    let host = o.hostId;
    if (!host) {
      const bids = await c.auctionProvider(ref, linkName, o.constraints);
      if (bids.length === 0) throw noBidder('provider', ref, o.constraints, s.lattice);
      host = bids[0]!.host_id;
    }
    const target = host;
    const wait = o.skipWait ? undefined : await c.expectEvent((e) => {
      if (e.source !== target) return undefined;
      if (e.type === 'com.wasmcloud.lattice.provider_started' && e.data?.image_ref === ref && e.data?.link_name === linkName) return 'ok';
      if (e.type === 'com.wasmcloud.lattice.provider_start_failed' && e.data?.provider_ref === ref && e.data?.link_name === linkName) return 'failed';
      return undefined;
    }, `provider ${ref} started on host ${target}`);
    try {
      await c.hostCommand(target, 'lp', { provider_ref: ref, link_name: linkName, ...(config !== undefined ? { configuration: config } : {}) });
    } catch (e) {
      wait?.cancel();
      throw e;
    }
    if (!wait) return emit(format, { ...ack, host_id: target, provider_ref: ref }, () => `host ${target} accepted the start of provider ${ref}`);
    const ev = await wait.wait(s.timeoutGiven ? s.timeoutMs : START_WAIT_MS);
    const d = ev.data;
    emit(format, { id: d.public_key, name: d.claims?.name ?? ref, contractId: d.contract_id, linkName: d.link_name, host_id: target },
      () => `started provider ${d.public_key} (${d.claims?.name ?? ref}, ${d.contract_id}) with link name "${d.link_name}" on host ${target}`);
  }, o.auctionTimeoutMs);
}

/** Hosts whose inventory `pred` accepts (the hosts running an actor or provider). */
async function hostsWhere(c: LatticeCtlClient, pred: (inv: any) => boolean): Promise<string[]> {
  const out: string[] = [];
  for (const h of await c.hosts()) {
    try {
      if (pred(await c.inventory(h.id))) out.push(h.id);
    } catch { /* a host that stopped meanwhile */ }
  }
  return out.sort();
}

const runsActor = (id: string) => (inv: any) => (inv.actors ?? []).some((a: any) => a.id === id);

export async function stopActor(format: OutputFormat, s: LatticeSettings, args: string[], count: number): Promise<void> {
  const usage = 'stratus ctl stop actor [host-id] <actor-id> [--count N]';
  const a = sortArgs(args);
  const actor = exactlyOne(a.actorIds, 'actor id (M...)', usage);
  const host = one(a.hostIds, 'host id', usage);
  if (a.other.length + a.providerIds.length + a.contractIds.length + a.counts.length > 0) throw new StratusError('BAD_REQUEST', `unexpected arguments: ${[...a.other, ...a.providerIds, ...a.contractIds, ...a.counts].join(' ')}`, `usage: ${usage}`);
  await withClient(s, async (c) => {
    const hosts = host ? [host] : await hostsWhere(c, runsActor(actor));
    if (hosts.length === 0) throw new StratusError('ACTOR_NOT_RUNNING', `actor ${actor} is not running on any host of lattice "${s.lattice}"`, 'list what runs where with `stratus ctl get inventory <host-id>`');
    for (const h of hosts) await c.hostCommand(h, 'sa', { actor_ref: actor, count });
    emit(format, ack, () => `stopped ${count === 0 ? 'every instance' : `${count} instance(s)`} of actor ${actor} on host${hosts.length > 1 ? 's' : ''} ${hosts.join(', ')}`);
  });
}

export async function stopProvider(format: OutputFormat, s: LatticeSettings, args: string[], linkNameOpt: string | undefined): Promise<void> {
  const usage = 'stratus ctl stop provider [host-id] <provider-id> [link-name] [contract-id]';
  const a = sortArgs(args);
  const provider = exactlyOne(a.providerIds, 'provider id (V...)', usage);
  const host = one(a.hostIds, 'host id', usage);
  const linkName = one(a.other, 'link name', usage) ?? linkNameOpt ?? 'default';
  const contract = one(a.contractIds, 'contract id', usage);
  await withClient(s, async (c) => {
    const runs = (inv: any) => (inv.providers ?? []).some((p: any) => p.id === provider && p.link_name === linkName);
    const hosts = host ? [host] : await hostsWhere(c, runs);
    if (hosts.length === 0) throw new StratusError('PROVIDER_NOT_RUNNING', `provider ${provider} with link name "${linkName}" is not running on any host of lattice "${s.lattice}"`, 'list what runs where with `stratus ctl get inventory <host-id>`');
    for (const h of hosts) await c.hostCommand(h, 'sp', { provider_ref: provider, link_name: linkName, contract_id: contract ?? '' });
    emit(format, ack, () => `stopped provider ${provider} (link name "${linkName}") on host${hosts.length > 1 ? 's' : ''} ${hosts.join(', ')}`);
  });
}

export async function stopHost(format: OutputFormat, s: LatticeSettings, hostId: string, timeoutMs: number | undefined): Promise<void> {
  await withClient(s, async (c) => {
    await c.hostCommand(hostId, 'stop', timeoutMs === undefined ? {} : { timeout: timeoutMs });
    emit(format, ack, () => `host ${hostId} acknowledged the stop request`);
  });
}

export async function scaleActor(format: OutputFormat, s: LatticeSettings, args: string[], countOpt: number | undefined, annotations: Record<string, string>): Promise<void> {
  const usage = 'stratus ctl scale actor [host-id] <actor-id> <count> [actor-ref]  (or wash\'s: <host-id> <actor-id> <actor-ref> --count N)';
  const a = sortArgs(args);
  const actor = exactlyOne(a.actorIds, 'actor id (M...)', usage);
  const host = one(a.hostIds, 'host id', usage);
  const count = countOpt ?? exactlyOne(a.counts, 'count', usage);
  const refArg = one(a.other, 'actor reference', usage);
  await withClient(s, async (c) => {
    let hosts = host ? [host] : await hostsWhere(c, runsActor(actor));
    if (hosts.length === 0) {
      throw new StratusError('ACTOR_NOT_RUNNING', `actor ${actor} is not running on any host of lattice "${s.lattice}"`, 'name a host and the actor reference to start it there, or use `stratus ctl start actor`');
    }
    if (hosts.length > 1) throw new StratusError('BAD_REQUEST', `actor ${actor} runs on ${hosts.length} hosts (${hosts.join(', ')}); name the host to scale it on`, `usage: ${usage}`);
    hosts = hosts.slice(0, 1);
    await c.hostCommand(hosts[0]!, 'scale', { actor_id: actor, actor_ref: refArg ? actorRefArg(refArg) : '', count, ...(Object.keys(annotations).length ? { annotations } : {}) });
    emit(format, ack, () => `host ${hosts[0]} accepted scaling actor ${actor} to ${count} instance(s)`);
  });
}

export async function updateActor(format: OutputFormat, s: LatticeSettings, args: string[]): Promise<void> {
  const usage = 'stratus ctl update actor [host-id] <actor-id> <new-actor-ref>';
  const a = sortArgs(args);
  const actor = exactlyOne(a.actorIds, 'actor id (M...)', usage);
  const host = one(a.hostIds, 'host id', usage);
  const ref = actorRefArg(exactlyOne(a.other, 'new actor reference (a .wasm path or file:// reference)', usage));
  await withClient(s, async (c) => {
    const hosts = host ? [host] : await hostsWhere(c, runsActor(actor));
    if (hosts.length === 0) throw new StratusError('ACTOR_NOT_RUNNING', `actor ${actor} is not running on any host of lattice "${s.lattice}"`);
    for (const h of hosts) await c.hostCommand(h, 'upd', { actor_id: actor, new_actor_ref: ref });
    emit(format, ack, () => `actor ${actor} updated to ${ref} on host${hosts.length > 1 ? 's' : ''} ${hosts.join(', ')}`);
  });
}

/** One line per event for people: time, event, source, what it is about. */
export function eventLine(e: CloudEvent<any>): string {
  const d = e.data ?? {};
  const about = [d.public_key, d.actor_ref, d.provider_ref, d.actor_id && `${d.actor_id} -> ${d.provider_id} ${d.contract_id} (${d.link_name})`, d.operation, d.error ?? d.reason]
    .filter((x) => typeof x === 'string' && x !== '').join(' ');
  return `${e.time} ${(eventName(e.type) ?? e.type).padEnd(22)} ${e.source} ${about}`.trimEnd();
}

/** Print events as they arrive until Ctrl-C, or until `limit` have been printed. */
export async function watch(format: OutputFormat, s: LatticeSettings, limit: number | undefined): Promise<void> {
  await withClient(s, async (c) => {
    let seen = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => { done = r; });
    await c.watch(({ event }) => {
      if (limit !== undefined && seen >= limit) return;
      seen++;
      process.stdout.write(format === 'json' ? `${JSON.stringify(event)}\n` : `${eventLine(event)}\n`);
      if (limit !== undefined && seen >= limit) done();
    });
    process.stderr.write(`watching events of lattice "${s.lattice}" on ${s.server} (Ctrl-C to stop)\n`);
    const stop = () => done();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await finished;
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  });
}
