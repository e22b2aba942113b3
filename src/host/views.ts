// JSON views of a host's state, with wasmCloud's control interface field names (reference §4.8)
// so scripts written against `wash ctl -o json` read ours the same way. Pure. They live beside the
// host because three layers above it show them (the control socket, the lattice's control
// interface, the dashboard), and the lattice must not depend on the control plane.
import { createHash } from 'node:crypto';
import type { ActorDescription, HostInventory } from './api.js';
import type { LinkDefinition } from '../core/wire.js';

export const STRATUS_VERSION = '0.1.0';

export interface HostView {
  id: string;
  labels: Record<string, string>;
  friendly_name: string;
  uptime_seconds: number;
  uptime_human: string;
  version: string;
  lattice_prefix: string;
  /** Where the control API listens (a local Unix socket). */
  ctl_host: string;
  pid: number;
  /** Deadline for one invocation (ms), from `--rpc-timeout`. */
  rpc_timeout_ms: number;
  /** False until restore and the start-up manifest are done. */
  ready: boolean;
  /** HTTP listeners opened by httpserver links. */
  http_endpoints: HttpEndpoint[];
  /** What this host brought back from the last run's state at start (`stratus up --clean` starts empty). */
  restored?: RestoredView;
}

export interface RestoredView {
  /** The state file it came from. */
  from: string;
  actors: string[];
  providers: string[];
  links: number;
  /** Parts that could not be brought back, with the reason. */
  failed: string[];
  /** True when `--clean` dropped the saved state instead. */
  cleaned: boolean;
}

export interface HttpEndpoint {
  url: string;
  actor_id: string;
  link_name: string;
}

export function uptimeHuman(seconds: number): string {
  const d = Math.floor(seconds / 86400), h = Math.floor((seconds % 86400) / 3600), m = Math.floor((seconds % 3600) / 60), s = Math.floor(seconds % 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', `${s}s`].filter(Boolean).join(' ');
}

/** A friendly name derived from the host id, like wasmCloud's "adjective-noun-1234". */
export function friendlyName(hostId: string): string {
  const adjectives = ['quiet', 'brave', 'swift', 'calm', 'bright', 'misty', 'solid', 'amber', 'polar', 'lunar'];
  const nouns = ['cirrus', 'stratus', 'nimbus', 'cumulus', 'breeze', 'front', 'squall', 'zephyr', 'drizzle', 'halo'];
  const h = createHash('sha256').update(hostId).digest();
  return `${adjectives[h[0] % adjectives.length]}-${nouns[h[1] % nouns.length]}-${h.readUInt16BE(2) % 10000}`;
}

/** The URL an httpserver link listens on, from its values (§2.3: address or port; default 127.0.0.1:8000). */
export function httpEndpoint(link: LinkDefinition): HttpEndpoint | undefined {
  if (link.contract_id !== 'wasmcloud:httpserver') return undefined;
  const get = (k: string) => Object.entries(link.values).find(([key]) => key.toLowerCase() === k)?.[1];
  let host = '127.0.0.1', port = '8000';
  const address = get('address');
  if (address) {
    const i = address.lastIndexOf(':');
    if (i > 0) { host = address.slice(0, i); port = address.slice(i + 1); } else port = address;
  }
  const p = get('port');
  if (p) port = p;
  const shown = host === '0.0.0.0' || host === '' ? 'localhost' : host;
  return { url: `http://${shown}:${port}`, actor_id: link.actor_id, link_name: link.link_name };
}

function instanceId(actorId: string, index: number): string {
  // Instances are positional in this host; give each a stable uuid-shaped id so tools that key on it work.
  const h = createHash('sha256').update(`${actorId}/${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function inventoryView(inv: HostInventory, labels: Record<string, string>) {
  return {
    host_id: inv.hostId,
    issuer: '',
    labels,
    friendly_name: friendlyName(inv.hostId),
    uptime_seconds: inv.uptimeSeconds,
    actors: inv.actors.map((a) => ({
      id: a.id,
      image_ref: a.imageRef,
      name: a.name,
      call_alias: a.callAlias ?? null,
      max_instances: a.maxInstances,
      max_memory_pages: a.maxMemoryPages,
      // Stratus extension: where the instances run (inline = host thread, worker = own threads)
      lane: a.lane ?? 'worker',
      instances: Array.from({ length: a.count }, (_, i) => ({ annotations: {}, instance_id: instanceId(a.id, i), revision: a.revision })),
    })),
    providers: inv.providers.map((p) => ({
      id: p.id, image_ref: `builtin:${p.name}`, contract_id: p.contractId, link_name: p.linkName, name: p.name,
      instance_id: instanceId(p.id, 0), annotations: {}, revision: 0,
    })),
  };
}

/** `CLAIMS_` record of §4.7: every value a string, caps/tags comma-joined. */
export function claimsView(a: ActorDescription) {
  const w = a.claims.wascap;
  return {
    call_alias: w.call_alias ?? '',
    iss: a.claims.iss,
    name: w.name ?? a.name,
    caps: (w.caps ?? []).join(','),
    rev: String(w.rev ?? 0),
    tags: (w.tags ?? []).join(','),
    version: w.ver ?? null,
    sub: a.claims.sub,
    contract_id: '',
  };
}
