// The control plane of one host: every ctl/app operation goes through here so that what runs
// and what is persisted never drift apart. Holds no sockets; the server and `up` wire it.
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { ActorDescription, HostApi, LinkPutResult, ProviderDescription } from '../host/api.js';
import type { ProviderInfo, ProviderSource } from '../providers/source.js';
import type { LinkDefinition } from '../core/wire.js';
import { isStratusError, StratusError } from '../core/errors.js';
import type { ControlPaths } from './paths.js';
import { sameLink, type AppRecord, type StateStore } from './state-store.js';
import { checkManifest, linkContract, parseManifest, type AppManifest, type SpreadShare } from './manifest.js';
import { formatProblem } from './manifest-problems.js';
import { nearest } from '../host/links/link-input.js';
import { missingLinkWarnings, ownsActor, ownsLink, ownsProvider, shortId, startedBy, usersOf, type AppChange, type LinkKey, type Started } from './app-changes.js';
import { pathKind } from './app-validate.js';
import { requirementsText, sharesOnHost } from './wadm/spread.js';
import { buildState } from './build-cache.js';
import { readActorClaims } from '../claims/verify.js';
import { computeModuleHash } from '../claims/hash.js';
import { byDirection, inboundLast } from './link-order.js';
import { APP_MANIFEST, readActorModuleFile, readUserFile } from '../core/user-files.js';
import { classifyRef, resolveActorRef } from '../oci/resolve.js';
import { sameLinkValues } from '../host/links/link-store.js';
import { pullProviderArchiveFile } from '../oci/archive-file.js';
import { resolveActorArg, resolveContractArg, resolveProviderArg } from './name-resolver.js';

export interface ControllerDeps {
  host: HostApi;
  store: StateStore;
  paths: ControlPaths;
  /** Where providers come from (src/providers/source.ts), asked in order. */
  sources: ProviderSource[];
  /** Build an actor project directory (when stale); resolves with the signed module path (and whether it was built). */
  buildProject(dir: string): Promise<string | { wasmPath: string; built: boolean }>;
  /** The host's labels (spread requirements of app manifests are matched against them). */
  labels?(): Record<string, string>;
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

/** What `restore` brought back (counts, and names for people: `stratus up` says them). */
export interface RestoreSummary {
  actors: number;
  providers: number;
  links: number;
  failed: string[];
  names: { actors: string[]; providers: string[] };
}

export class HostController {
  constructor(private readonly d: ControllerDeps) {}

  get host(): HostApi {
    return this.d.host;
  }

  // ---- actors -------------------------------------------------------------------------------

  /**
   * Start an actor from a .wasm file (or scale it up to `count` if it is already running).
   * `imageRef` is what the inventory and events name it by (default: the file's absolute path;
   * the lattice passes the `file://` reference it was asked to start).
   */
  async startActorFile(file: string, count = 1, imageRef?: string): Promise<ActorDescription> {
    // An OCI reference (a registry host in it) is pulled, from the digest cache when it can be.
    const source = await classifyRef(file);
    if (source.kind === 'oci') return this.startActorBytes(await resolveActorRef(file), file, count, imageRef ?? file);
    const abs = resolve(source.path);
    // Never a synchronous read here: a FIFO or device path would stall every actor and command.
    const bytes = await readActorModuleFile(abs);
    return this.startActorBytes(bytes, abs, count, imageRef);
  }

  private async startActorBytes(bytes: Uint8Array, file: string, count: number, imageRef = file): Promise<ActorDescription> {
    checkCount(count);
    const desc = await this.d.host.startActor(bytes, { count, imageRef });
    await this.keepModule(desc, bytes, file, imageRef);
    return desc;
  }

  /** Live update from a .wasm file: a higher revision of a running actor (same key) takes over. */
  async updateActorFile(file: string, imageRef?: string): Promise<ActorDescription> {
    const source = await classifyRef(file);
    const abs = source.kind === 'oci' ? file : resolve(source.path);
    const bytes = source.kind === 'oci' ? await resolveActorRef(file) : await readActorModuleFile(abs);
    const desc = await this.d.host.updateActor(bytes, { imageRef: imageRef ?? abs });
    await this.keepModule(desc, bytes, abs, imageRef ?? abs);
    return desc;
  }

  /**
   * Keep our own copy so a restart does not depend on the user's build directory: the bytes that
   * were started, not the file read again (it may have changed, or be something that blocks).
   */
  private async keepModule(desc: ActorDescription, bytes: Uint8Array, file: string, imageRef: string): Promise<void> {
    await mkdir(this.d.paths.actorsDir, { recursive: true, mode: 0o700 });
    const copy = join(this.d.paths.actorsDir, `${desc.id}.wasm`);
    if (resolve(file) !== copy) await writeFile(copy, bytes, { mode: 0o600 });
    this.d.store.putActor({ id: desc.id, file: copy, imageRef, count: desc.count });
  }

  async stopActor(actorRef: string): Promise<void> {
    const actorId = this.actorId(actorRef);
    this.requireActor(actorId);
    await this.d.host.stopActor(actorId);
    this.d.store.removeActor(actorId);
  }

  async scaleActor(actorRef: string, count: number): Promise<ActorDescription> {
    checkCount(count);
    const actorId = this.actorId(actorRef);
    this.requireActor(actorId);
    const desc = await this.d.host.scaleActor(actorId, count);
    const saved = this.d.store.actor(actorId);
    if (saved) this.d.store.putActor({ ...saved, count: desc.count });
    return desc;
  }

  /** An actor id, or the name / call alias of one running actor (name-resolver.ts). */
  private actorId(ref: string): string {
    return resolveActorArg(ref, this.d.host.inventory().actors);
  }

  /** A provider id, or the name / contract id of one running or built-in provider. */
  private providerId(ref: string, linkName?: string): string {
    return resolveProviderArg(ref, this.d.host.inventory().providers, this.d.sources.flatMap((s) => s.list()), linkName);
  }

  /** A lookup, not inventory(): describing every actor made each stop and scale O(N). */
  private requireActor(actorId: string): void {
    if (!this.d.host.runsActor(actorId)) throw new StratusError('ACTOR_NOT_RUNNING', `no actor ${actorId} is running on this host`, 'list running actors with `stratus ctl get inventory`');
  }

  // ---- providers ----------------------------------------------------------------------------

  /** `config`: start configuration for a provider process (HostData.config_json); built-ins refuse one. */
  async startProvider(ref: string, linkName = 'default', config?: string): Promise<ProviderDescription> {
    const { source, info } = this.findProvider(ref);
    const running = this.d.host.inventory().providers.find((p) => p.id === info.id && p.linkName === linkName);
    if (running) {
      throw new StratusError('BAD_REQUEST', `provider ${info.name} (${running.id}) is already running with link name "${linkName}"`,
        'it is there already (perhaps restored from the last run: `stratus up` names what it restores; `stratus up --clean` starts empty); use another --link-name to run a second instance');
    }
    const desc = await this.d.host.startProvider(await source.open(ref, linkName, config));
    this.d.store.update((s) => {
      s.providers = s.providers.filter((p) => !(p.name === ref && p.linkName === linkName));
      s.providers.push({ name: ref, linkName, ...(config ? { config } : {}) });
    });
    return desc;
  }

  /** The source that can start `ref`, or an error listing what can be started. */
  private findProvider(ref: string): { source: ProviderSource; info: ProviderInfo } {
    for (const source of this.d.sources) {
      const info = source.find(ref);
      if (info) return { source, info };
    }
    throw new StratusError('BAD_REQUEST', `unknown provider "${ref}"`,
      `built-in providers: ${this.d.sources.flatMap((s) => s.list().map((p) => p.name)).join(', ')}`);
  }

  /** Provider name -> contract id, for manifests. */
  private providerContracts(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const s of this.d.sources) for (const p of s.list()) out[p.name] = p.contractId;
    return out;
  }

  async stopProvider(providerRef: string, linkName = 'default'): Promise<ProviderDescription> {
    const providerId = this.providerId(providerRef, linkName);
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

  // Links live in the host's link store (stored first, then delivered): no second copy here.
  // Names are accepted where they pick out one id (`link put hello httpserver httpserver`).
  async putLink(link: Omit<LinkDefinition, 'id'>): Promise<LinkPutResult> {
    const known = this.d.sources.flatMap((s) => s.list());
    return this.d.host.putLink({
      ...link,
      actor_id: this.actorId(link.actor_id),
      provider_id: this.providerId(link.provider_id, link.link_name),
      contract_id: resolveContractArg(link.contract_id, known),
    });
  }

  async deleteLink(actorRef: string, contractRef: string, linkName = 'default'): Promise<void> {
    const actorId = this.actorId(actorRef);
    const contractId = resolveContractArg(contractRef, this.d.sources.flatMap((s) => s.list()));
    const key = { actor_id: actorId, contract_id: contractId, link_name: linkName };
    if (!this.d.host.links().some((l) => sameLink(l, key))) {
      throw new StratusError('MISSING_LINK', `no link for ${actorId} on ${contractId} link name "${linkName}"`, 'list links with `stratus ctl link query`');
    }
    await this.d.host.deleteLink(actorId, contractId, linkName);
  }

  // ---- restore ------------------------------------------------------------------------------

  /** Bring back what was running before: providers, then actors, then links. Failures are logged, not fatal. */
  async restore(): Promise<RestoreSummary> {
    const saved = structuredClone(this.d.store.get());
    const savedActors = this.d.store.actors();
    const failed: string[] = [];
    let actors = 0, providers = 0, links: number;
    const names: RestoreSummary['names'] = { actors: [], providers: [] };
    for (const p of saved.providers) {
      try {
        await this.d.host.startProvider(await this.findProvider(p.name).source.open(p.name, p.linkName, p.config));
        providers++;
        names.providers.push(p.linkName === 'default' ? p.name : `${p.name} (${p.linkName})`);
      } catch (e) {
        failed.push(`provider ${p.name} (${p.linkName}): ${(e as Error).message}`);
      }
    }
    for (const a of savedActors) {
      try {
        const desc = await this.d.host.startActor(await readActorModuleFile(a.file), { count: a.count, imageRef: a.imageRef });
        actors++;
        names.actors.push(desc.name);
      } catch (e) {
        failed.push(`actor ${a.id}: ${(e as Error).message}`);
      }
    }
    // Links come back with the link store; a state file from before it existed still lists them once.
    for (const l of inboundLast(saved.links ?? [], (x) => x.contract_id)) {
      try {
        await this.d.host.putLink(l);
      } catch (e) {
        failed.push(`link ${l.actor_id} ${l.contract_id} (${l.link_name}): ${(e as Error).message}`);
      }
    }
    if ((saved.links ?? []).length > 0) this.d.store.update((s) => { delete s.links; });
    links = this.d.host.links().length;
    for (const f of failed) this.d.log('warn', `could not restore ${f}`);
    return { actors, providers, links, failed, names };
  }

  // ---- applications -------------------------------------------------------------------------

  /** Read and check a manifest; throws INVALID_MANIFEST listing every problem (with lines). */
  async loadManifest(manifestPath: string): Promise<{ manifest: AppManifest; text: string; warnings: string[] }> {
    const abs = resolve(manifestPath);
    const text = Buffer.from(await readUserFile(abs, APP_MANIFEST)).toString('utf8');
    const source = `manifest ${abs}`;
    const r = checkManifest(text, { baseDir: resolve(abs, '..'), providers: this.providerContracts(), pathKind }, source);
    if (!r.manifest || r.problems.length > 0) parseManifest(text, { baseDir: resolve(abs, '..'), providers: this.providerContracts(), pathKind }, source);
    return { manifest: r.manifest!, text, warnings: r.warnings.map(formatProblem) };
  }

  /**
   * Make the host run what the manifest asks for: start what is missing, scale or replace what
   * differs, leave alone what already is as wanted, and (on a redeploy) remove what only the old
   * version had and started. Everything is checked (and built) before anything changes. With
   * `dryRun` nothing changes and the result says what would.
   */
  async deployApp(manifestPath: string, opts: { dryRun?: boolean } = {}): Promise<DeployResult> {
    const dry = opts.dryRun === true;
    const { manifest: m, text, warnings } = await this.loadManifest(manifestPath);
    const contracts = this.providerContracts();
    for (const p of m.providers) if (p.archive) contracts[p.name] = p.archive.contract;
    const changes: AppChange[] = [];
    const labels = this.d.labels?.() ?? {};

    // Modules first (built, pulled, read): a compile error must stop the deploy before anything starts.
    const modules = new Map<string, { file: string; bytes?: Uint8Array; id?: string; caps?: string[] }>();
    for (const a of m.actors) {
      let file = a.path;
      if (pathKind(a.path) === 'dir') {
        if (dry) {
          const b = await buildState(a.path);
          if (!b.fresh) changes.push({ kind: 'project', action: 'built', what: `project ${a.path}`, detail: b.exists ? 'its sources changed since the last build' : 'not built yet' });
          file = b.wasmPath;
          if (!b.exists) { modules.set(a.name, { file }); continue; }
        } else {
          this.d.log('info', `checking actor project ${a.path} (built if its module is missing or stale)`);
          const b = await this.d.buildProject(a.path);
          file = typeof b === 'string' ? b : b.wasmPath;
          if (typeof b !== 'string' && b.built) changes.push({ kind: 'project', action: 'built', what: `project ${a.path}`, detail: `signed module ${file}` });
        }
      }
      // a path reads the file; an OCI reference is pulled (from the digest cache when it can be)
      const bytes = await resolveActorRef(file);
      const claims = peekClaims(bytes);
      modules.set(a.name, { file, bytes, id: claims?.sub, caps: claims?.caps });
    }
    warnings.push(...missingLinkWarnings(m, new Map([...modules].filter(([, v]) => v.caps).map(([k, v]) => [k, v.caps!])), contracts));
    // what the actors' starts will wait for (a worker thread to boot) begins now, alongside the providers
    if (!dry) await Promise.all([...modules.values()].map(({ bytes }) => bytes && this.d.host.expectStart?.(bytes)));

    // Where the spread scalers put instances when this is the only host.
    const counts = new Map<string, number>();
    for (const a of m.actors) counts.set(a.name, this.countOnHost(a.name, a.count, a.spread, labels, warnings));
    for (const p of m.providers) this.countOnHost(p.component ?? p.name, 1, p.spread, labels, warnings);

    const state = this.d.store.get();
    const previous = state.apps.find((x) => x.name === m.name);
    const others = state.apps.filter((x) => x.name !== m.name);
    const prevStarted: Started = previous ? startedBy(previous) : { actors: [], providers: [], links: [] };
    const record: AppRecord = {
      name: m.name, manifestPath: resolve(manifestPath), deployedAt: new Date().toISOString(), actors: [], providers: [], links: [],
      started: { actors: [], providers: [], links: [] }, priorCounts: { ...(previous?.priorCounts ?? {}) },
      manifestText: text, format: m.format, notes: m.notes, warnings,
    };
    const started = record.started!;
    const holder = (part: Parameters<typeof usersOf>[1]) => {
      const users = usersOf(others, part);
      return users.length ? `shared with app${users.length > 1 ? 's' : ''} ${users.map((u) => `"${u.name}"`).join(', ')}` : 'running before this app; it will not stop it';
    };

    const nextLinks: LinkKey[] = m.links.map((l) => ({ actor_id: modules.get(l.actor)!.id ?? '', contract_id: linkContract(l, contracts), link_name: l.linkName }));
    if (previous) {
      // A redeploy: links only the old version had go first (one may hold a port the new one needs).
      await this.removeParts(previous, { links: previous.links.filter((l) => !nextLinks.some((x) => sameLink(x, l))), actors: [], providers: [] }, others, dry, changes);
    }

    // provider archives: the file, or pulled (digest-checked, cached) from its registry; contracts from the manifest
    const archiveFiles = new Map<string, string>();
    for (const p of m.providers) {
      if (!p.archive) continue;
      const file = isAbsolute(p.name) ? p.name : (await pullProviderArchiveFile(p.name)).path;
      const served = this.findProvider(file).info.contractId;
      if (served !== p.archive.contract) {
        throw new StratusError('INVALID_MANIFEST', `component "${p.component}": ${p.image} serves ${served}, not ${p.archive.contract}`, 'fix the contract in the manifest, or name the archive that serves it');
      }
      archiveFiles.set(p.name, file);
    }

    try {
      for (const p of m.providers) {
        const ref = archiveFiles.get(p.name) ?? p.name;
        const { info } = this.findProvider(ref);
        const what = `provider ${p.component && p.component !== p.name ? `"${p.component}" → built-in ` : ''}${p.name} (${shortId(info.id)}, link name ${p.linkName})`;
        const running = this.d.host.inventory().providers.find((x) => x.id === info.id && x.linkName === p.linkName);
        if (running) {
          const mine = ownsProvider(prevStarted, info.id, p.linkName);
          changes.push({ kind: 'provider', action: 'kept', what, detail: mine ? 'already running' : holder({ provider: { id: info.id, linkName: p.linkName } }) });
          if (mine) started.providers.push({ id: info.id, linkName: p.linkName });
        } else {
          if (!dry) await this.startProvider(ref, p.linkName, p.archive?.config);
          changes.push({ kind: 'provider', action: 'started', what, ...(p.image ? { detail: `for ${p.image}` } : {}) });
          started.providers.push({ id: info.id, linkName: p.linkName });
        }
        record.providers.push({ id: info.id, name: p.name, linkName: p.linkName });
      }
      // Outbound links (the actor calls the provider: key-value, ...) are put while the actors
      // start: an actor not in the code cache waits ~60 ms for its worker thread, and a key-value
      // link opens its store meanwhile (docs/coldstart.md, "Fifth pass"). Inbound links (a
      // listener, a subscription) only once the actors run, so no request reaches an actor that is
      // not there yet. Changes and the record keep the order of before: actors, then links.
      const { outbound, inbound } = byDirection(m.links, (x) => linkContract(x, contracts));
      const done: { change: AppChange; key: LinkKey; started: boolean }[] = [];
      const applyLink = async (l: (typeof m.links)[number]) => {
        const contract = linkContract(l, contracts);
        const prov = record.providers.find((x) => x.name === l.provider && x.linkName === l.linkName)!;
        const actorId = modules.get(l.actor)!.id ?? '?';
        const key = { actor_id: actorId, contract_id: contract, link_name: l.linkName };
        const what = `link ${l.actor} → ${l.provider} (${contract}, link name ${l.linkName})`;
        const existing = this.d.host.links().find((x) => sameLink(x, key));
        const mine = ownsLink(prevStarted, key);
        let change: AppChange;
        if (existing && existing.provider_id === prov.id && sameLinkValues(existing.values ?? {}, l.values)) {
          change = { kind: 'link', action: 'kept', what, detail: mine ? 'already in place' : holder({ link: key }) };
        } else {
          if (!dry) await this.putLink({ actor_id: actorId, provider_id: prov.id, contract_id: contract, link_name: l.linkName, values: l.values });
          change = { kind: 'link', action: existing ? 'updated' : 'put', what, ...(existing ? { detail: existing.provider_id !== prov.id ? 'now to another provider' : 'link values changed' } : {}) };
        }
        done.push({ change, key, started: mine || !existing });
      };
      const recordLinks = () => {
        for (const d of done.splice(0)) {
          changes.push(d.change);
          if (d.started) started.links.push(d.key);
          record.links.push(d.key);
        }
      };
      const actorsStarted = (async () => {
        for (const a of m.actors) {
          const mod = modules.get(a.name)!;
          const count = counts.get(a.name)!;
          const id = await this.deployActor(a.name, mod, count, prevStarted, record, dry, changes, holder);
          record.actors.push(id);
        }
      })();
      const outboundPut = (async () => { for (const l of outbound) await applyLink(l); })();
      const settled = await Promise.allSettled([actorsStarted, outboundPut]);
      recordLinks();
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
      try {
        for (const l of inbound) await applyLink(l);
      } finally {
        recordLinks();
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
      await this.removeParts(previous, {
        links: [],
        actors: previous.actors.filter((id) => !record.actors.includes(id)),
        providers: previous.providers.filter((p) => !record.providers.some((x) => x.id === p.id && x.linkName === p.linkName)),
      }, [...others, record], dry, changes);
    }
    record.changes = changes;
    if (!dry) this.d.store.update((s) => {
      s.apps = s.apps.filter((x) => x.name !== record.name);
      s.apps.push(record);
    });
    return { ...record, dryRun: dry, changes, notes: m.notes, warnings };
  }

  /** Instances of a component on this host: the spread shares whose requirements its labels meet. */
  private countOnHost(name: string, count: number, spread: SpreadShare[] | undefined, labels: Record<string, string>, warnings: string[]): number {
    if (!spread) return count;
    const { taken, left } = sharesOnHost(spread, labels);
    if (taken.length === 0) {
      const wanted = left.map((s) => `"${s.name}" (${requirementsText(s.requirements)})`).join(', ');
      throw new StratusError('INVALID_MANIFEST', `component "${name}" cannot run on this host: no spread entry's requirements match its labels (wanted: ${wanted}; host labels: ${requirementsText(labels)})`,
        'start the host with matching labels (`stratus up --label KEY=VALUE`), or deploy to a lattice whose hosts have them (`stratus app deploy -x <lattice>`)');
    }
    for (const s of left) warnings.push(`component "${name}": ${s.count} instance(s) of spread "${s.name}" need a host with ${requirementsText(s.requirements)}; this host has not, so they do not run (deploy to a lattice to place them)`);
    return taken.reduce((n, s) => n + s.count, 0);
  }

  private async deployActor(name: string, mod: { file: string; bytes?: Uint8Array; id?: string }, count: number, prevStarted: Started,
    record: AppRecord, dry: boolean, changes: AppChange[], holder: (part: { actor: string }) => string): Promise<string> {
    const started = record.started!;
    const what = (id: string) => `actor ${name} (${shortId(id)})`;
    if (!mod.bytes || !mod.id) {
      // only in a dry run of a project not built yet, or an unsigned module (the start decides)
      const id = dry ? '?' : (await this.startActorBytes(mod.bytes!, mod.file, count)).id;
      changes.push({ kind: 'actor', action: 'started', what: what(id), detail: `${count} instance(s)` });
      started.actors.push(id);
      return id;
    }
    const id = mod.id;
    const running = this.d.host.describeActor(id);
    const mine = ownsActor(prevStarted, id);
    if (!running) {
      if (!dry) await this.startActorBytes(mod.bytes, mod.file, count);
      changes.push({ kind: 'actor', action: 'started', what: what(id), detail: `${count} instance(s) from ${mod.file}` });
      started.actors.push(id);
      delete record.priorCounts![id];
      return id;
    }
    if (mine) started.actors.push(id);
    const saved = this.d.store.actor(id);
    if (saved && moduleHashOf(await readActorModuleFile(saved.file).catch(() => new Uint8Array())) !== moduleHashOf(mod.bytes)) {
      // Rebuilt from changed sources: replace the running module (same key, new code).
      if (!dry) {
        this.d.log('info', `actor ${id} changed; replacing the running module`);
        await this.d.host.stopActor(id);
        await this.startActorBytes(mod.bytes, mod.file, count);
      }
      changes.push({ kind: 'actor', action: 'replaced', what: what(id), detail: `new module from ${mod.file}, ${count} instance(s)` });
    } else if (running.count !== count) {
      if (!mine && record.priorCounts![id] === undefined) record.priorCounts![id] = running.count;
      if (!dry) await this.scaleActor(id, count);
      changes.push({ kind: 'actor', action: 'scaled', what: what(id), detail: `${running.count} → ${count} instance(s)` });
    } else {
      changes.push({ kind: 'actor', action: 'kept', what: what(id), detail: mine ? `${count} instance(s) already running` : holder({ actor: id }) });
    }
    return id;
  }

  /**
   * Remove `parts` of `owner`: only what it started, and only when no app in `keep` uses it (then
   * the ownership passes to one that does). Actors it only scaled go back to their former count.
   */
  private async removeParts(owner: AppRecord, parts: Pick<AppRecord, 'links' | 'actors' | 'providers'>, keep: AppRecord[], dry: boolean, changes: AppChange[]): Promise<void> {
    const owned = startedBy(owner);
    const handOver: ((apps: AppRecord[]) => void)[] = [];
    const pass = (user: AppRecord, give: (s: Started) => void) => handOver.push((apps) => {
      const app = apps.find((a) => a.name === user.name);
      if (app) { app.started = startedBy(app); give(app.started); }
    });
    const hostLinks = this.d.host.links();
    const actorName = (id: string) => this.d.host.describeActor(id)?.name || shortId(id);
    for (const l of parts.links) {
      const what = `link ${actorName(l.actor_id)} on ${l.contract_id} (link name ${l.link_name})`;
      if (!hostLinks.some((x) => sameLink(x, l))) continue;
      const users = usersOf(keep, { link: l });
      if (users.length) {
        if (ownsLink(owned, l)) pass(users[0]!, (s) => s.links.push(l));
        changes.push({ kind: 'link', action: 'left', what, detail: `still used by app "${users[0]!.name}"` });
      } else if (ownsLink(owned, l)) {
        if (!dry) await this.deleteLink(l.actor_id, l.contract_id, l.link_name);
        changes.push({ kind: 'link', action: 'removed', what });
      } else changes.push({ kind: 'link', action: 'left', what, detail: 'it was in place before the app' });
    }
    const inv = this.d.host.inventory();
    for (const id of parts.actors) {
      const running = inv.actors.find((a) => a.id === id);
      if (!running) continue;
      const what = `actor ${running.name ?? ''} (${shortId(id)})`.replace('actor  (', 'actor (');
      const users = usersOf(keep, { actor: id });
      const prior = owner.priorCounts?.[id];
      if (users.length) {
        if (ownsActor(owned, id)) pass(users[0]!, (s) => s.actors.push(id));
        if (prior !== undefined) handOver.push((apps) => { const a = apps.find((x) => x.name === users[0]!.name); if (a) (a.priorCounts ??= {})[id] ??= prior; });
        changes.push({ kind: 'actor', action: 'left', what, detail: `still used by app "${users[0]!.name}"` });
      } else if (ownsActor(owned, id)) {
        if (!dry) await this.stopActor(id);
        changes.push({ kind: 'actor', action: 'removed', what, detail: `${running.count} instance(s) stopped` });
      } else if (prior !== undefined && prior !== running.count) {
        if (!dry) await this.scaleActor(id, prior);
        changes.push({ kind: 'actor', action: 'restored', what, detail: `${running.count} → ${prior} instance(s), as before the app` });
      } else changes.push({ kind: 'actor', action: 'left', what, detail: 'it was running before the app' });
    }
    for (const p of parts.providers) {
      if (!inv.providers.some((x) => x.id === p.id && x.linkName === p.linkName)) continue;
      const what = `provider ${p.name} (${shortId(p.id)}, link name ${p.linkName})`;
      const users = usersOf(keep, { provider: p });
      if (users.length) {
        if (ownsProvider(owned, p.id, p.linkName)) pass(users[0]!, (s) => s.providers.push({ id: p.id, linkName: p.linkName }));
        changes.push({ kind: 'provider', action: 'left', what, detail: `still used by app "${users[0]!.name}"` });
      } else if (ownsProvider(owned, p.id, p.linkName)) {
        if (!dry) await this.stopProvider(p.id, p.linkName);
        changes.push({ kind: 'provider', action: 'removed', what });
      } else changes.push({ kind: 'provider', action: 'left', what, detail: 'it was running before the app' });
    }
    if (!dry && handOver.length) this.d.store.update((s) => { for (const h of handOver) h(s.apps); });
  }

  async undeployApp(name: string, opts: { dryRun?: boolean } = {}): Promise<UndeployResult> {
    const dry = opts.dryRun === true;
    const state = this.d.store.get();
    const app = state.apps.find((a) => a.name === name);
    if (!app) {
      const near = nearest(name, state.apps.map((a) => a.name));
      throw new StratusError('BAD_REQUEST', `no application named "${name}" is deployed${near ? `; did you mean "${near}"?` : ''}`, 'list applications with `stratus app list`');
    }
    const changes: AppChange[] = [];
    await this.removeParts(app, app, state.apps.filter((a) => a.name !== name), dry, changes);
    if (!dry) this.d.store.update((s) => {
      s.apps = s.apps.filter((a) => a.name !== name);
    });
    return { name, undeployed: !dry, dryRun: dry, changes };
  }

  listApps(): AppStatus[] {
    return this.d.store.get().apps.map((a) => this.statusOf(a));
  }

  private statusOf(a: AppRecord): AppStatus {
    const inv = this.d.host.inventory();
    const problems: string[] = a.error ? [`deploy failed part-way: ${a.error}`] : [];
    for (const id of a.actors) if (!inv.actors.some((x) => x.id === id)) problems.push(`actor ${id} is not running`);
    for (const p of a.providers) if (!inv.providers.some((x) => x.id === p.id && x.linkName === p.linkName)) problems.push(`provider ${p.name} (${p.linkName}) is not running`);
    for (const l of a.links) if (!inv.links.some((x) => sameLink(x, l))) problems.push(`link ${l.actor_id} ${l.contract_id} (${l.link_name}) is missing`);
    return {
      name: a.name, manifestPath: a.manifestPath, deployedAt: a.deployedAt,
      status: a.error ? 'failed' : problems.length === 0 ? 'deployed' : 'degraded',
      actors: a.actors.length, providers: a.providers.length, links: a.links.length, problems,
    };
  }

  /** One app's status with each part: running or not, and whether the app started it. */
  appStatus(name: string): AppDetail {
    const a = this.requireApp(name);
    const inv = this.d.host.inventory();
    const owned = startedBy(a);
    return {
      ...this.statusOf(a),
      format: a.format ?? 'stratus',
      components: [
        ...a.providers.map((p) => ({ kind: 'provider' as const, name: p.name, id: p.id, linkName: p.linkName,
          running: inv.providers.some((x) => x.id === p.id && x.linkName === p.linkName), startedByApp: ownsProvider(owned, p.id, p.linkName) })),
        ...a.actors.map((id) => {
          const r = inv.actors.find((x) => x.id === id);
          return { kind: 'actor' as const, name: r?.name ?? '', id, running: r !== undefined, instances: r?.count ?? 0, startedByApp: ownsActor(owned, id) };
        }),
        ...a.links.map((l) => ({ kind: 'link' as const, name: `${l.contract_id} (${l.link_name})`, id: l.actor_id,
          running: inv.links.some((x) => sameLink(x, l)), startedByApp: ownsLink(owned, l) })),
      ],
      notes: a.notes ?? [], warnings: a.warnings ?? [],
    };
  }

  /** The app as deployed: its record and the manifest text it came from. */
  getApp(name: string): AppRecord {
    return this.requireApp(name);
  }

  private requireApp(name: string): AppRecord {
    const apps = this.d.store.get().apps;
    const a = apps.find((x) => x.name === name);
    if (!a) {
      const near = nearest(name, apps.map((x) => x.name));
      throw new StratusError('BAD_REQUEST', `no application named "${name}" is deployed${near ? `; did you mean "${near}"?` : ''}`, 'list applications with `stratus app list`');
    }
    return a;
  }
}

export interface DeployResult extends AppRecord {
  dryRun: boolean;
  changes: AppChange[];
  notes: string[];
  warnings: string[];
}

export interface UndeployResult {
  name: string;
  undeployed: boolean;
  dryRun: boolean;
  changes: AppChange[];
}

export interface AppDetail extends AppStatus {
  format: 'stratus' | 'wadm';
  components: { kind: 'actor' | 'provider' | 'link'; name: string; id: string; linkName?: string; running: boolean; instances?: number; startedByApp: boolean }[];
  notes: string[];
  warnings: string[];
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    throw new StratusError('BAD_REQUEST', `instance count must be a whole number from 1 to 1000, got ${count}`,
      'to remove an actor use `stratus ctl stop actor <actor-id>`');
  }
}

/** The actor id and capabilities a module would get, read from its embedded claims (undefined when unsigned or broken). */
function peekClaims(bytes: Uint8Array): { sub: string; caps: string[] } | undefined {
  try {
    const c = readActorClaims(bytes)?.claims;
    return c ? { sub: c.sub, caps: c.wascap?.caps ?? [] } : undefined;
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

