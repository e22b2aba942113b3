// `stratus app deploy` in lattice mode: the manifest's providers and actors placed on hosts of the
// lattice by auction (label constraints per entry, as wadm's spread requirements), reusing what
// already runs on a matching host, and its links put through the control interface's
// `linkdefs.put` (one host of the queue group validates and stores each; with the lattice's
// metadata bucket every host sees it). Actors go as file:// references: the hosts must be able to
// read the module path (same machine or shared filesystem, WASMCLOUD_ALLOW_FILE_LOAD=true).
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { StratusError } from '../../core/errors.js';
import { readActorClaims } from '../../claims/verify.js';
import { parseManifest, linkContract, type AppManifest, type ManifestActor } from '../../control/manifest.js';
import { buildIfStale } from '../../control/build-cache.js';
import { resolveActorRef as pullActor } from '../../oci/resolve.js';
import { BUILTIN_CATALOG } from '../../providers/builtin-catalog.js';
import { pullArtifact } from '../../oci/pull.js';
import { readArchive } from '../../par/archive.js';
import type { LatticeCtlClient } from '../../lattice/control/client.js';
import { includesAll } from '../../lattice/control/instance-book.js';
import { fileRef, resolveProviderRef } from '../../lattice/control/references.js';
import { emit, type OutputFormat } from '../output.js';
import { START_WAIT_MS, withClient } from './ctl-lattice.js';
import type { LatticeSettings } from './options.js';

export interface LatticeDeployment {
  name: string;
  actors: { name: string; id: string; host_id: string; count: number }[];
  providers: { name: string; id: string; link_name: string; host_id: string }[];
  links: { actor_id: string; provider_id: string; contract_id: string; link_name: string }[];
}

function pathKind(p: string): 'file' | 'dir' | 'missing' {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

/** Where an actor's instances go: one placement per wadm spread entry with instances, else its constraints. */
function placements(a: ManifestActor): { constraints: Record<string, string>; count: number }[] {
  if (a.spread) return a.spread.filter((s) => s.count > 0).map((s) => ({ constraints: s.requirements, count: s.count }));
  return [{ constraints: a.constraints ?? {}, count: a.count }];
}

export function readManifest(path: string): AppManifest {
  const abs = resolve(path);
  const providers = Object.fromEntries(BUILTIN_CATALOG.filter((p) => p.load).map((p) => [p.name, p.contractId]));
  return parseManifest(readFileSync(abs, 'utf8'), { baseDir: resolve(abs, '..'), providers, pathKind }, `manifest ${abs}`);
}

interface HostState { id: string; labels: Record<string, string>; inv: any }

async function lattice(c: LatticeCtlClient): Promise<HostState[]> {
  const out: HostState[] = [];
  for (const h of await c.hosts()) {
    try {
      out.push({ id: h.id, labels: h.labels ?? {}, inv: await c.inventory(h.id) });
    } catch { /* a host that left meanwhile */ }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

function constraintsText(c: Record<string, string>): string {
  const t = Object.entries(c).map(([k, v]) => `${k}=${v}`).join(', ');
  return t ? ` with labels ${t}` : '';
}

export async function deployToLattice(format: OutputFormat, s: LatticeSettings, manifestPath: string): Promise<void> {
  const m = readManifest(manifestPath);
  // build and read every module first: nothing starts if one is broken or unsigned
  const modules = new Map<string, { path: string; id: string }>();
  for (const a of m.actors) {
    const path = pathKind(a.path) === 'dir' ? (await buildIfStale(a.path)).wasmPath : a.path;
    const id = readActorClaims(isAbsolute(path) ? new Uint8Array(readFileSync(path)) : await pullActor(path))?.claims.sub;
    if (!id) throw new StratusError('NO_CLAIMS', `actor "${a.name}" (${path}) carries no claims; lattice hosts run signed actors only`, `sign it with \`stratus claims sign ${path}\``);
    modules.set(a.name, { path, id });
  }
  const out: LatticeDeployment = { name: m.name, actors: [], providers: [], links: [] };
  await withClient(s, async (c) => {
    const hosts = await lattice(c);
    if (hosts.length === 0) throw new StratusError('HOST_UNREACHABLE', `no host of lattice "${s.lattice}" answered within ${s.timeoutMs} ms`);
    const wait = s.timeoutGiven ? s.timeoutMs : START_WAIT_MS;
    for (const p of m.providers) {
      // wadm: the first spread entry with instances names the labels (a built-in provider runs once per host)
      const want = p.constraints ?? p.spread?.find((x) => x.count > 0)?.requirements ?? {};
      // a provider archive: a file goes as a file:// reference, an OCI reference as it is; its id is in its claims
      const ref = p.archive && isAbsolute(p.name) ? fileRef(p.name) : p.name;
      const prov = p.archive ? { id: await archiveId(p.name) } : resolveProviderRef(p.name);
      const running = hosts.find((h) => includesAll(h.labels, want) && h.inv.providers.some((x: any) => x.id === prov.id && x.link_name === p.linkName));
      let host = running?.id;
      if (!host) {
        const bids = await c.auctionProvider(ref, p.linkName, want);
        if (bids.length === 0) throw new StratusError('UNKNOWN_TARGET', `no host of lattice "${s.lattice}"${constraintsText(want)} can start provider ${p.name} (link name "${p.linkName}")`);
        host = bids[0]!.host_id;
        const target = host;
        const started = await c.expectEvent((e) => e.source !== target ? undefined
          : e.type === 'com.wasmcloud.lattice.provider_started' && e.data?.image_ref === ref && e.data?.link_name === p.linkName ? 'ok'
          : e.type === 'com.wasmcloud.lattice.provider_start_failed' && e.data?.provider_ref === ref && e.data?.link_name === p.linkName ? 'failed' : undefined,
        `provider ${p.name} started on host ${target}`);
        await c.hostCommand(target, 'lp', { provider_ref: ref, link_name: p.linkName, ...(p.archive?.config !== undefined ? { configuration: p.archive.config } : {}) }).catch((e) => { started.cancel(); throw e; });
        await started.wait(wait);
      }
      out.providers.push({ name: p.name, id: prov.id, link_name: p.linkName, host_id: host });
    }
    for (const a of m.actors) for (const place of placements(a)) {
      const want = place.constraints;
      const count = place.count;
      const { path, id } = modules.get(a.name)!;
      // a module on disk goes as a file:// reference; an OCI reference as it is
      const ref = isAbsolute(path) ? fileRef(path) : path;
      // each spread entry of an actor gets its own host: skip hosts an earlier entry already used
      const used = new Set(out.actors.filter((x) => x.id === id).map((x) => x.host_id));
      const running = hosts.find((h) => !used.has(h.id) && includesAll(h.labels, want) && h.inv.actors.some((x: any) => x.id === id));
      let host = running?.id;
      if (running) {
        const have = running.inv.actors.find((x: any) => x.id === id).instances.length;
        if (have !== count) await c.hostCommand(running.id, 'scale', { actor_id: id, actor_ref: ref, count });
      } else {
        const bids = (await c.auctionActor(ref, want)).filter((b) => !used.has(b.host_id));
        if (bids.length === 0) {
          throw new StratusError('UNKNOWN_TARGET', `no host of lattice "${s.lattice}"${constraintsText(want)} can start actor "${a.name}" from ${ref}`,
            'hosts bid when they can read the module path (WASMCLOUD_ALLOW_FILE_LOAD=true, same filesystem)');
        }
        host = bids[0]!.host_id;
        const target = host;
        const started = await c.expectEvent((e) => e.source !== target ? undefined
          : e.type === 'com.wasmcloud.lattice.actor_started' && e.data?.image_ref === ref ? 'ok'
          : e.type === 'com.wasmcloud.lattice.actor_start_failed' && e.data?.actor_ref === ref ? 'failed' : undefined,
        `actor ${a.name} started on host ${target}`);
        await c.hostCommand(target, 'la', { actor_ref: ref, count }).catch((e) => { started.cancel(); throw e; });
        await started.wait(wait);
      }
      out.actors.push({ name: a.name, id, host_id: host!, count });
    }
    const contracts = Object.fromEntries(BUILTIN_CATALOG.map((p) => [p.name, p.contractId]));
    for (const l of m.links) {
      const link = {
        actor_id: modules.get(l.actor)!.id, provider_id: out.providers.find((p) => p.name === l.provider && p.link_name === l.linkName)!.id,
        contract_id: linkContract(l, contracts), link_name: l.linkName, values: l.values,
      };
      await c.linkPut(link);
      out.links.push({ actor_id: link.actor_id, provider_id: link.provider_id, contract_id: link.contract_id, link_name: link.link_name });
    }
  });
  emit(format, out, () => [
    `deployed application "${out.name}" to lattice "${s.lattice}": ${out.actors.length} actor(s), ${out.providers.length} provider(s), ${out.links.length} link(s)`,
    ...out.providers.map((p) => `  provider ${p.name} (${p.link_name}) on host ${p.host_id}`),
    ...out.actors.map((a) => `  actor ${a.name} ${a.id} x${a.count} on host ${a.host_id}`),
    ...m.notes.map((n) => `note: ${n}`),
  ].join('\n'));
}

/** The service key (V...) of a provider archive: from the file, or from the pulled artifact's claims. */
async function archiveId(ref: string): Promise<string> {
  const id = isAbsolute(ref) ? readArchive(new Uint8Array(readFileSync(ref))).claims.sub : (await pullArtifact(ref)).subject;
  if (!id) throw new StratusError('NO_CLAIMS', `provider archive ${ref} carries no claims`, 'sign it with `stratus par create` (or `wash par create`)');
  return id;
}
