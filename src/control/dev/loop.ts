// The `stratus dev` loop: build, deploy with links from the actor's claims, then rebuild and
// live-update on every save. A live update starts the new revision's instances before the swap
// and lets calls in flight finish on the old ones (Host.updateActor), so nothing is dropped; a
// failed build changes nothing on the host. Stopping undoes what this session added.
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { loadConfig } from '../../toolchain/config.js';
import { loadOrCreateKey } from '../../claims/keystore.js';
import { StratusError } from '../../core/errors.js';
import type { DevTarget, TargetProvider } from './target.js';
import type { DevBuildResult, ProjectBuilder } from './builder.js';
import { nextRevision, planLinks } from './plan.js';
import { sameLinkValues } from '../../host/links/link-store.js';
import { watchSources, type SourceWatcher } from './watcher.js';
import { assertPortFree } from './port-check.js';
import type { Progress } from './progress.js';

/** What the loop reports; the CLI prints these as text or as JSON lines. */
export type DevEvent =
  | { event: 'ready'; actor_id: string; name: string; revision: number; url?: string; host_id: string; host: 'started' | 'reused'; build_ms: number; notes: string[] }
  | { event: 'change'; files: string[] }
  /** build_ms: compile + check + sign; update_ms: the host preparing the new revision and swapping; total_ms: from the save seen to live. */
  | { event: 'updated'; actor_id: string; revision: number; build_ms: number; update_ms: number; total_ms: number }
  | { event: 'build_failed'; error: string; code: string; serving_revision: number }
  | { event: 'update_failed'; error: string; code: string; serving_revision: number }
  | { event: 'stopped' };

export interface DevOptions {
  dir: string;
  port: number;
  /** Listen address for the HTTP link (default 127.0.0.1). */
  address?: string;
  target: DevTarget;
  builder: ProjectBuilder;
  progress: Progress;
  report(e: DevEvent): void;
  debounceMs?: number;
}

interface AddedLink { actorId: string; contractId: string; linkName: string; previous?: { provider_id: string; values: Record<string, string> } }

export class DevSession {
  private actorId = '';
  private revision = 0;
  private startedActor = false;
  private readonly startedProviders: TargetProvider[] = [];
  private readonly addedLinks: AddedLink[] = [];
  private watcher: SourceWatcher | undefined;
  private building: Promise<void> | undefined;
  private dirty = false;
  /** The first deploy is done: changes rebuild now (before, they wait for it). */
  private deployed = false;
  private changedAt = 0;
  private stopping: Promise<void> | undefined;
  private readonly dir: string;

  constructor(private readonly o: DevOptions) {
    this.dir = resolve(o.dir);
  }

  /** First build and deploy; then watches. Rejects (after undoing what it did) when the first build or deploy fails. */
  async start(): Promise<void> {
    const config = loadConfig(this.dir);
    const t = this.o.target;
    // Watch from the start: a save during the first build or deploy is built right after it.
    this.watcher = watchSources(this.dir, (files) => this.onChange(files), {
      debounceMs: this.o.debounceMs,
      onError: (e) => this.o.progress.line(`warning: watching ${this.dir} failed: ${e.message}`),
    });
    try {
      // The key the build signs with (the same keystore entry), to know whether this actor already
      // runs and which revision must be beaten; checked again against the build's own answer.
      const expectedId = loadOrCreateKey(config.name, 'module').keyPair.publicKey;
      let running = (await t.actors()).find((a) => a.id === expectedId);
      await this.checkPort(config.claims);
      let built = await this.build(nextRevision(config.revision, running?.revision), `building ${config.name}`);
      if (built.publicKey !== expectedId) {
        running = (await t.actors()).find((a) => a.id === built.publicKey);
        if (running && running.revision >= built.revision) built = await this.build(running.revision + 1, `building ${config.name}`);
      }
      if (this.stopping) return;
      const deployed = await this.o.progress.step(`deploying ${built.name}`, async () => {
        if (running) await t.updateActor(built.wasmPath);
        else {
          await t.startActor(built.wasmPath);
          this.startedActor = true;
        }
        this.actorId = built.publicKey;
        this.revision = built.revision;
        return this.reconcileLinks(built.caps);
      });
      const http = planLinks(built.caps, { port: this.o.port, address: this.o.address }).links.find((l) => l.provider === 'httpserver');
      this.o.report({
        event: 'ready', actor_id: built.publicKey, name: built.name, revision: built.revision, host_id: t.hostId, host: t.kind,
        build_ms: built.buildMs, notes: deployed.value,
        ...(http ? { url: `http://${http.values.address}` } : {}),
      });
    } catch (e) {
      this.watcher?.close();
      await this.undo();
      throw e;
    }
    // stopped while deploying: take back what the deploy did after stop() looked
    if (this.stopping) return this.undo();
    this.deployed = true;
    if (this.dirty) this.kick();
  }

  /** The HTTP port is free, unless the host already listens there (a link it holds on that port). */
  private async checkPort(claims: string[]): Promise<void> {
    const http = planLinks(claims, { port: this.o.port, address: this.o.address }).links.find((l) => l.provider === 'httpserver');
    if (!http) return;
    const port = String(this.o.port);
    const held = (await this.o.target.links()).some((l) => l.contract_id === http.contractId
      && (l.values?.port === port || (l.values?.address ?? '').endsWith(`:${port}`)));
    if (!held) await assertPortFree(this.o.address ?? '127.0.0.1', this.o.port);
  }

  private async build(revision: number, label: string): Promise<DevBuildResult> {
    return (await this.o.progress.step(label, () => this.o.builder.build(this.dir, revision))).value;
  }

  /** Providers and links the claims call for; returns notes for the user. */
  private async reconcileLinks(caps: string[]): Promise<string[]> {
    const t = this.o.target;
    const plan = planLinks(caps, { port: this.o.port, address: this.o.address });
    const links = await t.links();
    for (const want of plan.links) {
      let provider = (await t.providers()).find((p) => p.name === want.provider && p.linkName === 'default');
      if (!provider) {
        const d = await t.startProvider(want.provider);
        provider = { id: d.id, name: d.name, contractId: d.contractId, linkName: d.linkName };
        this.startedProviders.push(provider);
      }
      const existing = links.find((l) => l.actor_id === this.actorId && l.contract_id === want.contractId && l.link_name === 'default');
      if (existing && existing.provider_id === provider.id && sameLinkValues(existing.values ?? {}, want.values)) continue;
      try {
        await t.putLink({ actor_id: this.actorId, provider_id: provider.id, contract_id: want.contractId, link_name: 'default', values: want.values });
      } catch (e) {
        if (want.provider === 'httpserver' && e instanceof StratusError && e.code === 'LINK_INVALID') {
          throw new StratusError('LINK_INVALID', (e as Error).message, `pick another port with \`stratus dev --port <n>\``);
        }
        throw e;
      }
      if (!this.addedLinks.some((l) => l.contractId === want.contractId)) {
        this.addedLinks.push({
          actorId: this.actorId, contractId: want.contractId, linkName: 'default',
          ...(existing ? { previous: { provider_id: existing.provider_id, values: existing.values ?? {} } } : {}),
        });
      }
    }
    return plan.notes;
  }

  private onChange(files: string[]): void {
    if (this.stopping) return;
    this.o.report({ event: 'change', files });
    if (!this.dirty) this.changedAt = performance.now();
    this.dirty = true;
    if (this.deployed) this.kick();
  }

  /** One build at a time; saves during a build make exactly one more. */
  private kick(): void {
    this.building ??= this.rebuildWhileDirty().finally(() => { this.building = undefined; });
  }

  private async rebuildWhileDirty(): Promise<void> {
    while (this.dirty && !this.stopping) {
      this.dirty = false;
      const since = this.changedAt;
      let built: DevBuildResult;
      try {
        built = await this.build(this.revision + 1, 'rebuilding');
      } catch (e) {
        if (this.stopping) return;
        this.o.report({ event: 'build_failed', error: (e as Error).message, code: (e as StratusError).code ?? 'BUILD_FAILED', serving_revision: this.revision });
        continue;
      }
      if (this.stopping) return;
      try {
        if (built.publicKey !== this.actorId) {
          throw new StratusError('BAD_REQUEST', `the build is now actor ${built.publicKey}, not ${this.actorId} (the name in stratus.json changed?)`, 'restart `stratus dev` to deploy it as a new actor');
        }
        const update = await this.o.progress.step(`updating to revision ${built.revision}`, () => this.o.target.updateActor(built.wasmPath));
        this.revision = built.revision;
        const notes = await this.reconcileLinks(built.caps);
        for (const n of notes) this.o.progress.line(`note: ${n}`);
        this.o.report({ event: 'updated', actor_id: this.actorId, revision: built.revision, build_ms: built.buildMs, update_ms: Math.round(update.ms), total_ms: Math.round(performance.now() - since) });
      } catch (e) {
        this.o.report({ event: 'update_failed', error: (e as Error).message, code: (e as StratusError).code ?? 'INTERNAL', serving_revision: this.revision });
      }
    }
  }

  /** Stop watching and building, take back what this session added, stop a host it started. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.watcher?.close();
      await this.o.builder.close();
      await this.building?.catch(() => undefined);
      await this.undo();
      await this.o.target.close();
      this.o.report({ event: 'stopped' });
    })();
    return this.stopping;
  }

  /** Links back as they were, then the actor and providers this session started. Best effort: each failure is said. */
  private async undo(): Promise<void> {
    const t = this.o.target;
    const attempt = async (what: string, f: () => Promise<unknown>) => {
      try { await f(); } catch (e) { this.o.progress.line(`warning: could not ${what}: ${(e as Error).message}`); }
    };
    for (const l of this.addedLinks.splice(0).reverse()) {
      if (l.previous) {
        const prev = l.previous;
        await attempt(`restore the ${l.contractId} link`, () => t.putLink({ actor_id: l.actorId, contract_id: l.contractId, link_name: l.linkName, ...prev }));
      } else {
        await attempt(`delete the ${l.contractId} link`, () => t.deleteLink(l.actorId, l.contractId, l.linkName));
      }
    }
    if (this.startedActor) await attempt(`stop actor ${this.actorId}`, () => t.stopActor(this.actorId));
    this.startedActor = false;
    for (const p of this.startedProviders.splice(0).reverse()) await attempt(`stop provider ${p.name}`, () => t.stopProvider(p.id, p.linkName));
  }
}

