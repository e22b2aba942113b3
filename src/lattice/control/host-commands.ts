// The commands one host answers on `P.cmd.{hostId}.*` and `P.get.{hostId}.inv` (reference §4.8;
// OTP HEAD `control_interface/host_server.ex`). Launches (`la`, `scale`, `lp`) are acknowledged
// at once and done in the background, reporting through events (`actor_start_failed`,
// `provider_start_failed`, and the host's own `actor_started`, `provider_started`); stops and
// updates are done before the acknowledgement, as OTP does.
import { readActorClaims } from '../../claims/verify.js';
import { isStratusError, type StratusErrorCode, errorText } from '../../core/errors.js';
import type { ActorDescription } from '../../host/api.js';
import { Refusal, successAck } from './acks.js';
import {
  parseLaunchActor, parseLaunchProvider, parseScaleActor, parseStopActor, parseStopHost, parseStopProvider, parseUpdateActor,
} from './commands.js';
import type { ControlState } from './control-state.js';
import { inventoryReply, instanceId } from './host-views.js';
import { add, instanceCount, reconcile, scaleGroup, take, type Annotations } from './instance-book.js';
import type { LocalOps } from './local-ops.js';
import { location, providerArchiveRef, resolveActorRef, resolveProviderRef, type ActorSource, type ProviderArchiveRef } from './references.js';
import { resolveActorRef as resolveActorBytes, PROVIDER_ARCHIVE_FILE } from '../../oci/resolve.js';
import { pullProviderArchiveFile } from '../../oci/archive-file.js';
import { readUserFile } from '../../core/user-files.js';
import { readArchive } from '../../par/archive.js';
import type { HostCommand } from './subjects.js';

/** What a handler answers: the reply (none for auctions a host does not bid in) and work to do once it is sent. */
export interface Outcome {
  reply?: Uint8Array;
  /** Runs after the reply has been flushed (stopping the host). */
  after?: () => void;
}

/** Instances of one actor on one host (the control plane's limit, src/control/controller.ts). */
export const MAX_INSTANCES = 1000;

const enc = new TextEncoder();

function codeOf(e: unknown): StratusErrorCode {
  return e instanceof Refusal || isStratusError(e) ? e.code : 'INTERNAL';
}

function describe(a: Annotations): string {
  return JSON.stringify(a);
}

export class HostCommands {
  /** Providers being started (id/link name): a second launch of one is refused like a running one. */
  private readonly starting = new Set<string>();

  constructor(
    private readonly s: ControlState,
    private readonly ops: LocalOps,
    /** Background work the component waits for when it drains. */
    private readonly track: (work: Promise<unknown>) => void,
  ) {}

  private get hostId(): string {
    return this.s.ctx.host.id;
  }

  /** A body naming another host was sent to the wrong subject. */
  private checkHost(named: string | undefined): void {
    if (named && named !== this.hostId) {
      throw new Refusal(`the command names host ${named.slice(0, 60)} but was sent to host ${this.hostId}; send it to ${'`'}${this.s.prefix}.cmd.${named.slice(0, 60)}.…${'`'}`);
    }
  }

  private running(actorId: string): ActorDescription | undefined {
    return this.s.ctx.host.inventory().actors.find((a) => a.id === actorId);
  }

  private notRunning(actorId: string): Refusal {
    return new Refusal(`actor ${actorId} is not running on host ${this.hostId}`, 'ACTOR_NOT_RUNNING');
  }

  private background(what: string, work: () => Promise<void>): void {
    this.track(work().catch((e) => this.s.ctx.log('error', `${what} failed: ${errorText(e)}`)));
  }

  inventory(): Outcome {
    return { reply: enc.encode(JSON.stringify(inventoryReply(this.s.facts(), this.s.ctx.host.inventory(), this.s.book))) };
  }

  run(op: HostCommand, body: Uint8Array): Outcome | Promise<Outcome> {
    switch (op) {
      case 'la': return this.launchActor(body);
      case 'sa': return this.stopActor(body);
      case 'scale': return this.scaleActor(body);
      case 'upd': return this.updateActor(body);
      case 'lp': return this.launchProvider(body);
      case 'sp': return this.stopProvider(body);
      case 'stop': return this.stopHost(body);
    }
  }

  private launchActor(body: Uint8Array): Outcome {
    const cmd = parseLaunchActor(body);
    this.checkHost(cmd.hostId);
    const src = resolveActorRef(cmd.actorRef, this.s.ctx.config.allowFileLoad);
    if (cmd.count > MAX_INSTANCES) throw new Refusal(`count ${cmd.count} is more than the ${MAX_INSTANCES} instances one host runs of an actor`);
    this.startFromRef(src, cmd.actorRef, cmd.count, cmd.annotations);
    return { reply: successAck() };
  }

  /** Start `count` more instances in the background; a failure becomes `actor_start_failed`. */
  private startFromRef(src: ActorSource, actorRef: string, count: number, annotations: Annotations, expectedId?: string): void {
    const path = location(src);
    const book = this.s.book;
    book.expectStarts(actorRef, annotations, count);
    this.background(`starting actor ${actorRef}`, async () => {
      try {
        if (expectedId) {
          const sub = readActorClaims(await resolveActorBytes(path))?.claims.sub;
          if (sub !== expectedId) throw new Refusal(`${actorRef} holds actor ${sub ?? '(unsigned)'}, not ${expectedId}`);
        }
        const desc = await this.ops.startActorFile(path, count, actorRef);
        // the instances whose actor_started booked them already (nextStart) are not booked twice
        const left = book.finishStarts(actorRef, annotations, count);
        book.set(desc.id, add(book.groups(desc.id, desc.count - left), annotations, left));
        if (src.kind === 'oci') await this.mapReference(actorRef, desc.id);
      } catch (e) {
        book.cancelStarts(actorRef, annotations);
        this.s.ctx.log('warn', `could not start actor ${actorRef}: ${errorText(e)}`);
        this.s.publish('actor_start_failed', { actor_ref: actorRef, error: errorText(e) }, codeOf(e));
      }
    });
  }

  private async stopActor(body: Uint8Array): Promise<Outcome> {
    const cmd = parseStopActor(body);
    this.checkHost(cmd.hostId);
    const a = this.running(cmd.actorId);
    if (!a) throw this.notRunning(cmd.actorId);
    const { groups, stopped } = take(this.s.book.groups(a.id, a.count), cmd.count, cmd.annotations);
    if (stopped === 0) throw new Refusal(`no instance of actor ${a.id} on host ${this.hostId} has the annotations ${describe(cmd.annotations)}`, 'ACTOR_NOT_RUNNING');
    const left = instanceCount(groups);
    if (left === 0) await this.ops.stopActor(a.id);
    else await this.ops.scaleActor(a.id, left);
    this.s.book.set(a.id, groups);
    return { reply: successAck() };
  }

  private scaleActor(body: Uint8Array): Outcome {
    const cmd = parseScaleActor(body);
    this.checkHost(cmd.hostId);
    const a = this.running(cmd.actorId);
    if (!a) {
      if (cmd.count === 0) return { reply: successAck() };
      if (!cmd.actorRef) throw new Refusal(`actor ${cmd.actorId} is not running on host ${this.hostId} and the request names no actor_ref to start it from`, 'ACTOR_NOT_RUNNING');
      const src = resolveActorRef(cmd.actorRef, this.s.ctx.config.allowFileLoad);
      if (cmd.count > MAX_INSTANCES) throw new Refusal(`count ${cmd.count} is more than the ${MAX_INSTANCES} instances one host runs of an actor`);
      this.startFromRef(src, cmd.actorRef, cmd.count, cmd.annotations, cmd.actorId);
      return { reply: successAck() };
    }
    // Without annotations (wash) the count is the actor's total on this host; with them (wadm)
    // it is the count of the instances carrying them.
    const current = this.s.book.groups(a.id, a.count);
    const groups = Object.keys(cmd.annotations).length === 0 ? reconcile(current, cmd.count) : scaleGroup(current, cmd.annotations, cmd.count);
    const total = instanceCount(groups);
    if (total > MAX_INSTANCES) throw new Refusal(`scaling to ${total} instances is more than the ${MAX_INSTANCES} one host runs of an actor`);
    this.background(`scaling actor ${a.id} to ${total}`, async () => {
      if (total > a.count) this.s.book.expectStarts(a.imageRef, cmd.annotations, total - a.count);
      try {
        if (total === 0) await this.ops.stopActor(a.id);
        else if (total !== a.count) await this.ops.scaleActor(a.id, total);
        this.s.book.set(a.id, groups);
      } finally {
        this.s.book.cancelStarts(a.imageRef, cmd.annotations);
      }
    });
    return { reply: successAck() };
  }

  private async updateActor(body: Uint8Array): Promise<Outcome> {
    const cmd = parseUpdateActor(body);
    this.checkHost(cmd.hostId);
    const src = resolveActorRef(cmd.newActorRef, this.s.ctx.config.allowFileLoad);
    if (cmd.actorId && !this.running(cmd.actorId)) throw this.notRunning(cmd.actorId);
    try {
      const sub = readActorClaims(await resolveActorBytes(location(src)))?.claims.sub;
      if (cmd.actorId && sub !== cmd.actorId) {
        throw new Refusal(`${cmd.newActorRef.slice(0, 200)} holds actor ${sub ?? '(unsigned)'}, not ${cmd.actorId}: a live update keeps the actor's public key`);
      }
      const before = sub ? this.running(sub) : undefined;
      const desc = await this.ops.updateActorFile(location(src), cmd.newActorRef);
      if (src.kind === 'oci') await this.mapReference(cmd.newActorRef, desc.id);
      if (before) this.s.book.set(desc.id, this.s.book.groups(desc.id, before.count));
      for (let i = 0; i < desc.count; i++) this.s.publish('actor_updated', { public_key: desc.id, revision: desc.revision, instance_id: instanceId(desc.id, i) });
      return { reply: successAck() };
    } catch (e) {
      this.s.publish('actor_update_failed', { public_key: cmd.actorId ?? '', revision: 0, instance_id: '', reason: errorText(e) }, codeOf(e));
      throw e instanceof Refusal ? e : new Refusal(`Unable to perform live update: ${errorText(e)}`, codeOf(e));
    }
  }

  /** An actor started from an OCI reference: its REFMAP_ entry in the bucket and a refmap_set event (§4.7, §4.9). */
  private async mapReference(ociUrl: string, publicKey: string): Promise<void> {
    try {
      await this.s.ctx.putRefmap?.(ociUrl, publicKey);
      this.s.publish('refmap_set', { oci_url: ociUrl, public_key: publicKey });
    } catch (e) {
      this.s.ctx.log('warn', `actor ${publicKey} started from ${ociUrl}, but its REFMAP_ entry could not be written: ${errorText(e)}`);
    }
  }

  private launchProvider(body: Uint8Array): Outcome {
    const cmd = parseLaunchProvider(body);
    this.checkHost(cmd.hostId);
    const archive = providerArchiveRef(cmd.providerRef, this.s.ctx.config.allowFileLoad);
    if (archive) return this.launchArchive(cmd, archive);
    const p = resolveProviderRef(cmd.providerRef);
    if (cmd.configuration) {
      throw new Refusal(`provider ${p.name} is built into Stratus and takes no start configuration; give its settings as link values instead (see \`stratus ctl link put --help\`)`);
    }
    const key = `${p.id}/${cmd.linkName}`;
    const running = this.s.ctx.host.inventory().providers.some((x) => x.id === p.id && x.linkName === cmd.linkName);
    if (running || this.starting.has(key)) {
      // OTP HEAD host_server.ex: the same words, and a provider_start_failed event
      const error = `Provider with that link name is already running on this host (${p.name} ${p.id}, link name "${cmd.linkName}")`;
      this.s.publish('provider_start_failed', { provider_ref: cmd.providerRef, link_name: cmd.linkName, error }, 'BAD_REQUEST');
      throw new Refusal(error);
    }
    this.starting.add(key);
    this.s.book.setProvider(p.id, cmd.linkName, cmd.providerRef, cmd.annotations);
    this.background(`starting provider ${cmd.providerRef}`, async () => {
      try {
        await this.ops.startProvider(p.id, cmd.linkName);
      } catch (e) {
        this.s.book.forgetProvider(p.id, cmd.linkName);
        this.s.ctx.log('warn', `could not start provider ${cmd.providerRef} (${cmd.linkName}): ${errorText(e)}`);
        this.s.publish('provider_start_failed', { provider_ref: cmd.providerRef, link_name: cmd.linkName, error: errorText(e) }, codeOf(e));
      } finally {
        this.starting.delete(key);
      }
    });
    return { reply: successAck() };
  }

  /**
   * A provider archive: read from the file, or pulled (digest-checked, cached) from its registry,
   * then started as a process the way `stratus ctl start provider x.par.gz` starts it. Its id is
   * in the archive's claims, so duplicates are found once it is read (the controller refuses them).
   */
  private launchArchive(cmd: ReturnType<typeof parseLaunchProvider>, archive: ProviderArchiveRef): Outcome {
    const key = `${cmd.providerRef}/${cmd.linkName}`;
    if (this.starting.has(key)) throw new Refusal(`provider ${cmd.providerRef.slice(0, 200)} with link name "${cmd.linkName}" is already being started on this host`);
    this.starting.add(key);
    this.background(`starting provider ${cmd.providerRef}`, async () => {
      let id: string | undefined;
      try {
        const path = archive.kind === 'file' ? archive.path : (await pullProviderArchiveFile(archive.reference, this.registryOptions(archive.reference))).path;
        // the id from the claims first, so provider_started carries this reference and the annotations
        id = readArchive(await readUserFile(path, PROVIDER_ARCHIVE_FILE)).claims.sub;
        this.s.book.setProvider(id, cmd.linkName, cmd.providerRef, cmd.annotations);
        // the configuration reaches the process as HostData.config_json (reference §5.1)
        await this.ops.startProvider(path, cmd.linkName, cmd.configuration);
      } catch (e) {
        if (id && !this.s.ctx.host.inventory().providers.some((x) => x.id === id && x.linkName === cmd.linkName)) this.s.book.forgetProvider(id, cmd.linkName);
        this.s.ctx.log('warn', `could not start provider ${cmd.providerRef} (${cmd.linkName}): ${errorText(e)}`);
        this.s.publish('provider_start_failed', { provider_ref: cmd.providerRef, link_name: cmd.linkName, error: errorText(e) }, codeOf(e));
      } finally {
        this.starting.delete(key);
      }
    });
    return { reply: successAck() };
  }

  /** Credentials from `registries.put` for the reference's registry (else the host's environment decides). */
  private registryOptions(reference: string): { user?: string; password?: string } {
    const server = Object.keys(this.s.registries).find((r) => reference.startsWith(`${r}/`));
    const cred = server ? this.s.registries[server] : undefined;
    return cred?.username !== undefined && cred.password !== undefined ? { user: cred.username, password: cred.password } : {};
  }

  private async stopProvider(body: Uint8Array): Promise<Outcome> {
    const cmd = parseStopProvider(body);
    this.checkHost(cmd.hostId);
    const p = this.s.ctx.host.inventory().providers.find((x) => x.id === cmd.providerId && x.linkName === cmd.linkName);
    if (!p) throw new Refusal(`provider ${cmd.providerId} with link name "${cmd.linkName.slice(0, 60)}" is not running on host ${this.hostId}`, 'PROVIDER_NOT_RUNNING');
    if (cmd.contractId && cmd.contractId !== p.contractId) {
      throw new Refusal(`provider ${p.id} (link name "${p.linkName}") implements ${p.contractId}, not ${cmd.contractId.slice(0, 60)}`);
    }
    await this.ops.stopProvider(p.id, p.linkName);
    this.s.book.forgetProvider(p.id, p.linkName);
    return { reply: successAck() };
  }

  private stopHost(body: Uint8Array): Outcome {
    const cmd = parseStopHost(body);
    this.checkHost(cmd.hostId);
    const ctx = this.s.ctx;
    ctx.log('info', `stop requested through the control interface${cmd.timeoutMs !== undefined ? ` (timeout ${cmd.timeoutMs} ms)` : ''}`);
    return {
      reply: successAck(),
      after: () => {
        if (ctx.requestStop) ctx.requestStop(cmd.timeoutMs);
        else void ctx.host.shutdown().catch((e) => ctx.log('error', `host shutdown: ${errorText(e)}`));
      },
    };
  }
}
