// The control plane of one host: every ctl/app operation goes through here so that what runs
// and what is persisted never drift apart. Holds no sockets; the server and `up` wire it.
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ActorDescription, HostApi, ProviderDescription } from '../host/api.js';
import type { CapabilityProvider, LinkDefinition } from '../host/types.js';
import { isStratusError, StratusError } from '../host/errors.js';
import type { ControlPaths } from './paths.js';
import { sameLink, type AppRecord, type StateStore } from './state-store.js';
import { linkContract, parseManifest, type AppManifest } from './manifest.js';
import { readActorClaims } from '../claims/verify.js';
import { computeModuleHash } from '../claims/hash.js';
import { inboundLast } from './link-order.js';

export interface ControllerDeps {
  host: HostApi;
  store: StateStore;
  paths: ControlPaths;
  /** Built-in provider factory (src/providers/registry.ts). */
  createProvider(name: string, linkName: string): CapabilityProvider;
  /** Built-in provider name -> contract id. */
  providerContracts: Record<string, string>;
  /** Build an actor project directory; resolves with the signed module path. */
  buildProject(dir: string): Promise<string>;
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
}

export interface AppStatus {
  name: string;
  manifestPath: string;
  deployedAt: string;
  /** deployed: all running; degraded: something went missing since; failed: the deploy stopped part-way. */
  status: 'deployed' | 'degraded' | 'failed';
  actors: number;
  providers: number;
  links: number;
  problems: string[];
}

export class HostController {
  constructor(private readonly d: ControllerDeps) {}

  get host(): HostApi {
    return this.d.host;
  }

  // ---- actors -------------------------------------------------------------------------------

  /** Start an actor from a .wasm file (or scale it up to `count` if it is already running). */
  async startActorFile(file: string, count = 1): Promise<ActorDescription> {
    const abs = resolve(file);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(abs);
    } catch (e) {
      throw new StratusError('BAD_REQUEST', `cannot read actor module ${abs}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'give the path of a signed .wasm file (build one with `stratus build`)');
    }
    return this.startActorBytes(bytes, abs, count);
  }

  private async startActorBytes(bytes: Uint8Array, imageRef: string, count: number): Promise<ActorDescription> {
    checkCount(count);
    const desc = await this.d.host.startActor(bytes, { count, imageRef });
    // Keep our own copy so a restart does not depend on the user's build directory.
    mkdirSync(this.d.paths.actorsDir, { recursive: true });
    const copy = join(this.d.paths.actorsDir, `${desc.id}.wasm`);
    if (resolve(imageRef) !== copy) copyFileSync(imageRef, copy);
    this.d.store.update((s) => {
      s.actors = s.actors.filter((a) => a.id !== desc.id);
      s.actors.push({ id: desc.id, file: copy, imageRef, count: desc.count });
    });
    return desc;
  }

  async stopActor(actorId: string): Promise<void> {
    this.requireActor(actorId);
    await this.d.host.stopActor(actorId);
    this.d.store.update((s) => {
      s.actors = s.actors.filter((a) => a.id !== actorId);
    });
  }

  async scaleActor(actorId: string, count: number): Promise<ActorDescription> {
    checkCount(count);
    this.requireActor(actorId);
    const desc = await this.d.host.scaleActor(actorId, count);
    this.d.store.update((s) => {
      const a = s.actors.find((x) => x.id === actorId);
      if (a) a.count = desc.count;
    });
    return desc;
  }

  private requireActor(actorId: string): ActorDescription {
    const a = this.d.host.inventory().actors.find((x) => x.id === actorId);
    if (!a) throw new StratusError('ACTOR_NOT_RUNNING', `no actor ${actorId} is running on this host`, 'list running actors with `stratus ctl get inventory`');
    return a;
  }

  // ---- providers ----------------------------------------------------------------------------

  async startProvider(name: string, linkName = 'default'): Promise<ProviderDescription> {
    if (!(name in this.d.providerContracts)) {
      throw new StratusError('BAD_REQUEST', `unknown provider "${name}"`, `built-in providers: ${Object.keys(this.d.providerContracts).join(', ')}`);
    }
    const running = this.d.host.inventory().providers.find((p) => p.name === name && p.linkName === linkName);
    if (running) {
      throw new StratusError('BAD_REQUEST', `provider ${name} (${running.id}) is already running with link name "${linkName}"`,
        'use another --link-name to run a second instance');
    }
    const desc = await this.d.host.startProvider(this.d.createProvider(name, linkName));
    this.d.store.update((s) => {
      s.providers = s.providers.filter((p) => !(p.name === name && p.linkName === linkName));
      s.providers.push({ name, linkName });
    });
    return desc;
  }

  async stopProvider(providerId: string, linkName = 'default'): Promise<ProviderDescription> {
    const p = this.d.host.inventory().providers.find((x) => x.id === providerId && x.linkName === linkName);
    if (!p) {
      throw new StratusError('PROVIDER_NOT_RUNNING', `no provider ${providerId} with link name "${linkName}" is running`,
        'list running providers with `stratus ctl get inventory`');
    }
    await this.d.host.stopProvider(providerId, linkName);
    this.d.store.update((s) => {
      s.providers = s.providers.filter((x) => !(x.name === p.name && x.linkName === linkName));
    });
    return p;
  }

  // ---- links --------------------------------------------------------------------------------

  async putLink(link: Omit<LinkDefinition, 'id'>): Promise<LinkDefinition> {
    const ld = await this.d.host.putLink(link);
    this.d.store.update((s) => {
      s.links = s.links.filter((l) => !sameLink(l, ld));
      s.links.push({ actor_id: ld.actor_id, provider_id: ld.provider_id, link_name: ld.link_name, contract_id: ld.contract_id, values: ld.values });
    });
    return ld;
  }

  async deleteLink(actorId: string, contractId: string, linkName = 'default'): Promise<void> {
    const key = { actor_id: actorId, contract_id: contractId, link_name: linkName };
    if (!this.d.host.links().some((l) => sameLink(l, key))) {
      throw new StratusError('MISSING_LINK', `no link for ${actorId} on ${contractId} link name "${linkName}"`, 'list links with `stratus ctl link query`');
    }
    await this.d.host.deleteLink(actorId, contractId, linkName);
    this.d.store.update((s) => {
      s.links = s.links.filter((l) => !sameLink(l, key));
    });
  }

  // ---- restore ------------------------------------------------------------------------------

  /** Bring back what was running before: providers, then actors, then links. Failures are logged, not fatal. */
  async restore(): Promise<{ actors: number; providers: number; links: number; failed: string[] }> {
    const saved = structuredClone(this.d.store.get());
    const failed: string[] = [];
    let actors = 0, providers = 0, links = 0;
    for (const p of saved.providers) {
      try {
        await this.d.host.startProvider(this.d.createProvider(p.name, p.linkName));
        providers++;
      } catch (e) {
        failed.push(`provider ${p.name} (${p.linkName}): ${(e as Error).message}`);
      }
    }
    for (const a of saved.actors) {
      try {
        await this.d.host.startActor(readFileSync(a.file), { count: a.count, imageRef: a.imageRef });
        actors++;
      } catch (e) {
        failed.push(`actor ${a.id}: ${(e as Error).message}`);
      }
    }
    for (const l of inboundLast(saved.links, (x) => x.contract_id)) {
      try {
        await this.d.host.putLink(l);
        links++;
      } catch (e) {
        failed.push(`link ${l.actor_id} ${l.contract_id} (${l.link_name}): ${(e as Error).message}`);
      }
    }
    for (const f of failed) this.d.log('warn', `could not restore ${f}`);
    return { actors, providers, links, failed };
  }

  // ---- applications -------------------------------------------------------------------------

  loadManifest(manifestPath: string): AppManifest {
    const abs = resolve(manifestPath);
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch (e) {
      throw new StratusError('BAD_REQUEST', `cannot read manifest ${abs}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return parseManifest(text, { baseDir: resolve(abs, '..'), providers: this.d.providerContracts, pathKind }, `manifest ${abs}`);
  }

  /** Start what is missing and put the links. Validates everything first. */
  async deployApp(manifestPath: string): Promise<AppRecord> {
    const m = this.loadManifest(manifestPath);
    const record: AppRecord = { name: m.name, manifestPath: resolve(manifestPath), deployedAt: new Date().toISOString(), actors: [], providers: [], links: [] };
    const actorIds = new Map<string, string>();
    // Build first: a compile error must stop the deploy before anything starts.
    const modules = new Map<string, string>();
    for (const a of m.actors) {
      if (pathKind(a.path) !== 'dir') { modules.set(a.name, a.path); continue; }
      this.d.log('info', `checking actor project ${a.path} (built if its module is missing or stale)`);
      modules.set(a.name, await this.d.buildProject(a.path));
    }

    const previous = this.d.store.get().apps.find((x) => x.name === m.name);
    if (previous) {
      // A redeploy: links only the old version had go first (one may hold a port the new one needs).
      const next = m.links.map((l) => ({ actor_id: peekActorId(readFileSync(modules.get(l.actor)!)) ?? '', contract_id: linkContract(l, this.d.providerContracts), link_name: l.linkName }));
      const others = this.d.store.get().apps.filter((x) => x.name !== m.name);
      await this.removeParts({ links: previous.links.filter((l) => !next.some((x) => sameLink(x, l))), actors: [], providers: [] }, others);
    }

    try {
      for (const p of m.providers) {
        const inv = this.d.host.inventory();
        let desc = inv.providers.find((x) => x.name === p.name && x.linkName === p.linkName);
        if (!desc) desc = await this.startProvider(p.name, p.linkName);
        record.providers.push({ id: desc.id, name: p.name, linkName: p.linkName });
      }
      for (const a of m.actors) {
        const file = modules.get(a.name)!;
        const bytes = readFileSync(file);
        const desc = await this.startOrScale(bytes, file, a.count);
        actorIds.set(a.name, desc.id);
        record.actors.push(desc.id);
      }
      for (const l of inboundLast(m.links, (x) => linkContract(x, this.d.providerContracts))) {
        const contract = linkContract(l, this.d.providerContracts);
        const prov = record.providers.find((x) => x.name === l.provider && x.linkName === l.linkName)!;
        const ld = await this.putLink({ actor_id: actorIds.get(l.actor)!, provider_id: prov.id, contract_id: contract, link_name: l.linkName, values: l.values });
        record.links.push({ actor_id: ld.actor_id, contract_id: ld.contract_id, link_name: ld.link_name });
      }
    } catch (e) {
      // Keep what was created so `app undeploy` can remove it; the error says what to fix.
      record.error = (e as Error).message;
      if (record.actors.length + record.providers.length + record.links.length > 0) this.d.store.update((s) => {
        s.apps = s.apps.filter((x) => x.name !== record.name);
        s.apps.push(record);
      });
      const msg = `deploying application "${m.name}" failed part-way: ${(e as Error).message}`;
      throw new StratusError(isStratusError(e) ? e.code : 'INTERNAL', msg, `fix the cause and run \`stratus app deploy\` again, or remove what was started with \`stratus app undeploy ${m.name}\``);
    }
    if (previous) {
      // ...and its actors and providers once the new version is in place.
      const others = this.d.store.get().apps.filter((x) => x.name !== record.name);
      await this.removeParts({
        links: previous.links.filter((l) => !record.links.some((x) => sameLink(x, l))),
        actors: previous.actors.filter((id) => !record.actors.includes(id)),
        providers: previous.providers.filter((p) => !record.providers.some((x) => x.id === p.id && x.linkName === p.linkName)),
      }, [...others, record]);
    }
    this.d.store.update((s) => {
      s.apps = s.apps.filter((x) => x.name !== record.name);
      s.apps.push(record);
    });
    return record;
  }

  /** Delete links, stop actors, then providers, skipping anything an app in `keep` still uses. */
  private async removeParts(parts: Pick<AppRecord, 'links' | 'actors' | 'providers'>, keep: AppRecord[]): Promise<void> {
    const usedElsewhere = (pred: (o: AppRecord) => boolean) => keep.some(pred);
    const hostLinks = this.d.host.links();
    for (const l of parts.links) {
      if (usedElsewhere((o) => o.links.some((x) => sameLink(x, l)))) continue;
      if (hostLinks.some((x) => sameLink(x, l))) await this.deleteLink(l.actor_id, l.contract_id, l.link_name);
    }
    const inv = this.d.host.inventory();
    for (const id of parts.actors) {
      if (usedElsewhere((o) => o.actors.includes(id))) continue;
      if (inv.actors.some((a) => a.id === id)) await this.stopActor(id);
    }
    for (const p of parts.providers) {
      if (usedElsewhere((o) => o.providers.some((x) => x.id === p.id && x.linkName === p.linkName))) continue;
      if (inv.providers.some((x) => x.id === p.id && x.linkName === p.linkName)) await this.stopProvider(p.id, p.linkName);
    }
  }

  /** An actor already running with the same key is scaled to the wanted count instead of started twice. */
  private async startOrScale(bytes: Uint8Array, file: string, count: number): Promise<ActorDescription> {
    const before = new Set(this.d.host.inventory().actors.map((a) => a.id));
    const peek = peekActorId(bytes);
    if (peek && before.has(peek)) {
      const saved = this.d.store.get().actors.find((a) => a.id === peek);
      if (saved && moduleHashOf(readFileSync(saved.file)) !== moduleHashOf(bytes)) {
        // Rebuilt from changed sources: replace the running module (same key, new code).
        this.d.log('info', `actor ${peek} changed; replacing the running module`);
        await this.d.host.stopActor(peek);
        return this.startActorBytes(bytes, file, count);
      }
      const running = this.d.host.inventory().actors.find((a) => a.id === peek)!;
      return running.count === count ? running : this.scaleActor(peek, count);
    }
    return this.startActorBytes(bytes, file, count);
  }

  async undeployApp(name: string): Promise<AppRecord> {
    const state = this.d.store.get();
    const app = state.apps.find((a) => a.name === name);
    if (!app) throw new StratusError('BAD_REQUEST', `no application named "${name}" is deployed`, 'list applications with `stratus app list`');
    await this.removeParts(app, state.apps.filter((a) => a.name !== name));
    this.d.store.update((s) => {
      s.apps = s.apps.filter((a) => a.name !== name);
    });
    return app;
  }

  listApps(): AppStatus[] {
    const inv = this.d.host.inventory();
    return this.d.store.get().apps.map((a) => {
      const problems: string[] = a.error ? [`deploy failed part-way: ${a.error}`] : [];
      for (const id of a.actors) if (!inv.actors.some((x) => x.id === id)) problems.push(`actor ${id} is not running`);
      for (const p of a.providers) if (!inv.providers.some((x) => x.id === p.id && x.linkName === p.linkName)) problems.push(`provider ${p.name} (${p.linkName}) is not running`);
      for (const l of a.links) if (!inv.links.some((x) => sameLink(x, l))) problems.push(`link ${l.actor_id} ${l.contract_id} (${l.link_name}) is missing`);
      return {
        name: a.name, manifestPath: a.manifestPath, deployedAt: a.deployedAt,
        status: a.error ? 'failed' : problems.length === 0 ? 'deployed' : 'degraded',
        actors: a.actors.length, providers: a.providers.length, links: a.links.length, problems,
      };
    });
  }
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new StratusError('BAD_REQUEST', `instance count must be a whole number from 1 to 1000, got ${count}`,
      'to remove an actor use `stratus ctl stop actor <actor-id>`');
  }
}

/** The actor id a module would get, read from its embedded claims (undefined when unsigned or broken). */
function peekActorId(bytes: Uint8Array): string | undefined {
  try {
    return readActorClaims(bytes)?.claims.sub;
  } catch {
    return undefined;
  }
}

function moduleHashOf(bytes: Uint8Array): string {
  try {
    return computeModuleHash(bytes);
  } catch {
    return '';
  }
}

function pathKind(p: string): 'file' | 'dir' | 'missing' {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}
