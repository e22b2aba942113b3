// The JSON a host answers with on the control interface and puts in its heartbeat, field for
// field as OTP HEAD builds them (`vhost/virtual_host.ex generate_ping_reply/get_inventory`,
// `vhost/heartbeats.ex`) and CTL v0.25 `types.rs` reads them (`Host`, `HostInventory`). Pure.
import { createHash } from 'node:crypto';
import type { HostInventory } from '../../host/api.js';
import { friendlyName, STRATUS_VERSION, uptimeHuman } from '../../host/views.js';
import type { LatticeConfig } from '../types.js';
import { expand, type InstanceBook } from './instance-book.js';

/** What every view needs to know about the host. */
export interface HostFacts {
  hostId: string;
  /** The cluster public key (C...): `issuer` in wasmCloud's replies. */
  issuer: string;
  config: LatticeConfig;
}

/** A uuid-shaped id that stays the same for the same actor and position (instances are positional here). */
export function instanceId(key: string, index: number): string {
  const h = createHash('sha256').update(`${key}/${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The reply to `ping.hosts` (CTL `Host`). */
export function pingReply(f: HostFacts, uptimeSeconds: number) {
  const c = f.config;
  return {
    id: f.hostId,
    issuer: f.issuer,
    labels: c.labels,
    friendly_name: friendlyName(f.hostId),
    uptime_seconds: uptimeSeconds,
    uptime_human: uptimeHuman(uptimeSeconds),
    version: STRATUS_VERSION,
    cluster_issuers: c.clusterIssuers.join(','),
    js_domain: c.jsDomain ?? null,
    ctl_host: c.ctlServers.join(','),
    prov_rpc_host: c.rpcServers.join(','),
    rpc_host: c.rpcServers.join(','),
    lattice_prefix: c.prefix,
  };
}

/** The reply to `get.{host}.inv` (CTL `HostInventory`). */
export function inventoryReply(f: HostFacts, inv: HostInventory, book: InstanceBook) {
  return {
    host_id: f.hostId,
    issuer: f.issuer,
    labels: f.config.labels,
    friendly_name: friendlyName(f.hostId),
    actors: inv.actors.map((a) => ({
      id: a.id,
      image_ref: a.imageRef,
      name: a.name,
      instances: expand(book.groups(a.id, a.count)).map((annotations, i) => ({ annotations, instance_id: instanceId(a.id, i), revision: a.revision })),
    })),
    providers: inv.providers.map((p) => {
      const known = book.provider(p.id, p.linkName);
      return {
        id: p.id, image_ref: known?.imageRef ?? p.name, contract_id: p.contractId, link_name: p.linkName, name: p.name,
        instance_id: instanceId(`${p.id}/${p.linkName}`, 0), annotations: known?.annotations ?? {}, revision: 0,
      };
    }),
  };
}

/** The data of a `host_heartbeat` event. */
export function heartbeatData(f: HostFacts, inv: HostInventory) {
  const actors: Record<string, number> = {};
  for (const a of inv.actors) actors[a.id] = a.count;
  return {
    actors,
    providers: inv.providers.map((p) => ({ public_key: p.id, link_name: p.linkName, contract_id: p.contractId })),
    labels: f.config.labels,
    friendly_name: friendlyName(f.hostId),
    version: STRATUS_VERSION,
    uptime_seconds: inv.uptimeSeconds,
    uptime_human: uptimeHuman(inv.uptimeSeconds),
  };
}

/** The data of `host_started`. */
export function hostStartedData(f: HostFacts, uptimeSeconds: number) {
  return { labels: f.config.labels, friendly_name: friendlyName(f.hostId), uptime_seconds: uptimeSeconds, version: STRATUS_VERSION };
}
