// The lattice metadata of one member: the LATTICEDATA_{prefix} bucket, its watcher, and the local
// copies built from it: links (a LinkStore for the Host), actor claims (the ActorDirectory the RPC
// part routes with), OCI reference maps (kept for later work). Also publishes this host's actors'
// claims once the member has a Host (attach).
//
// Every change, local or remote, passes one gate: a key's change is applied only if its revision
// is newer than the last one applied for that key. Our own writes are applied as soon as the
// bucket acknowledges them (so a put returns with the local copy updated), and the same change
// arriving later through the watch is then a no-op; a change another host made in between is never
// overwritten by an older one.
import type { NatsConnection } from '@nats-io/nats-core';
import type { Host } from '../../host/host.js';
import type { LatticeConfig } from '../types.js';
import { StratusError } from '../../core/errors.js';
import { isTransient, MetadataBucket } from './bucket.js';
import { BucketWatcher, type BucketEntry } from './watcher.js';
import { KvLinkStore } from './link-store.js';
import { ClaimsDirectory } from './directory.js';
import { ClaimsPublisher } from './claims.js';
import { CLAIMS_PREFIX, decodeActorClaims, decodeRefmap, LINKDEF_PREFIX, REFMAP_PREFIX, refmapKey } from './entries.js';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void;

/**
 * How long joining waits for JetStream to answer about the bucket. A stream or meta leader may be
 * missing for a while (a cluster electing one after a restart, or without quorum); the join waits
 * and says so in the log rather than failing at the first timeout (meta-cluster.test.ts).
 */
const JOIN_WAIT_MS = 60_000;

export interface MetadataOptions {
  log: Log;
  /** Whether the connection is up (writes fail fast while it is not). */
  online(): boolean;
  /** The servers, for error texts. */
  where: string;
}

export class LatticeMetadata {
  readonly links: KvLinkStore;
  readonly directory = new ClaimsDirectory();
  /** OCI reference -> public key, from `REFMAP_` entries. */
  readonly refmaps = new Map<string, string>();
  private readonly revisions = new Map<string, number>();
  /** Raw CLAIMS_ values as the bucket holds them (to skip rewriting unchanged claims). */
  private readonly claimsText = new Map<string, string>();
  /** REFMAP_ key -> OCI reference (to forget the right one on delete). */
  private readonly refmapKeys = new Map<string, string>();
  private readonly watcher: BucketWatcher;
  private publisher: ClaimsPublisher | undefined;
  private closed = false;

  private constructor(private readonly bucket: MetadataBucket, private readonly o: MetadataOptions, snapshotTimeoutMs: number) {
    this.links = new KvLinkStore({
      online: o.online,
      where: o.where,
      put: (key, json) => this.write(key, json),
      purge: async (key) => this.commit({ key, revision: await bucket.purge(key), operation: 'PURGE', value: new Uint8Array(0) }),
    }, o.log);
    this.watcher = new BucketWatcher(bucket, {
      snapshot: (entries) => this.reconcile(entries),
      entry: (e) => this.commit(e),
    }, o.log, snapshotTimeoutMs);
  }

  /** Opens (or creates) the bucket and loads it: links, claims and refmaps are known when this resolves. */
  static async open(nc: NatsConnection, config: LatticeConfig, o: MetadataOptions & { waitMs?: number }): Promise<LatticeMetadata> {
    const waitMs = o.waitMs ?? JOIN_WAIT_MS;
    const until = Date.now() + waitMs;
    for (let attempt = 1; ; attempt++) {
      let m: LatticeMetadata | undefined;
      try {
        const bucket = await MetadataBucket.open(nc, {
          prefix: config.prefix, replicas: config.dataReplicas, jsDomain: config.jsDomain, timeoutMs: Math.max(config.rpcTimeoutMs, 5000), log: o.log,
        });
        m = new LatticeMetadata(bucket, o, Math.max(config.rpcTimeoutMs * 5, 10_000));
        await m.watcher.start();
        return m;
      } catch (e) {
        m?.watcher.stop();
        if (!isTransient(e)) throw e;
        if (Date.now() >= until) {
          throw new StratusError('HOST_UNREACHABLE', `JetStream did not answer about the lattice bucket within ${waitMs / 1000} s (${(e as Error).message})`,
            'a NATS cluster needs a majority of its servers up to elect the leaders JetStream answers from; bring servers back, or check `nats server report jetstream`');
        }
        o.log('warn', `JetStream did not answer about the lattice bucket (${(e as Error).message}, attempt ${attempt}): its stream or JetStream itself may have no leader yet (a cluster electing one, or without quorum); trying again`);
        await new Promise((r) => setTimeout(r, Math.min(500 * attempt, 3000)));
      }
    }
  }

  /** Start publishing the claims of the host's actors. */
  attach(host: Host): void {
    this.publisher = new ClaimsPublisher(host, {
      online: this.o.online,
      current: (key) => this.claimsText.get(key),
      put: (key, json) => this.write(key, json),
    }, this.o.log);
    this.publisher.start();
  }

  /** After a reconnect: watch afresh (a new snapshot) and republish claims the bucket may have missed. */
  resync(): void {
    if (this.closed) return;
    this.watcher.resync();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.publisher?.stop();
    this.watcher.stop();
    await this.links.close();
  }

  /** `REFMAP_{base64url(ociUrl)}` -> {oci_url, public_key}: which key an OCI reference started (§4.7). */
  async putRefmap(ociUrl: string, publicKey: string): Promise<void> {
    if (this.refmaps.get(ociUrl) === publicKey) return;
    await this.write(refmapKey(ociUrl), JSON.stringify({ oci_url: ociUrl, public_key: publicKey }));
  }

  private async write(key: string, json: string): Promise<void> {
    const revision = await this.bucket.put(key, json);
    this.commit({ key, revision, operation: 'PUT', value: new TextEncoder().encode(json) });
  }

  /** One change, through the revision gate. */
  private commit(e: BucketEntry): void {
    const seen = this.revisions.get(e.key);
    if (seen !== undefined && e.revision <= seen) return;
    this.revisions.set(e.key, e.revision);
    this.apply(e);
  }

  /**
   * A new snapshot is the truth: keys we hold that it lacks are gone (deleted and compacted away,
   * or the bucket was recreated), every key it has is applied whatever its revision (a recreated
   * bucket numbers from 1 again). Applying an unchanged value notifies nobody.
   */
  private reconcile(entries: BucketEntry[]): void {
    const present = new Set(entries.map((e) => e.key));
    for (const key of [...this.revisions.keys()]) {
      if (!present.has(key)) {
        this.revisions.delete(key);
        this.apply({ key, revision: 0, operation: 'PURGE', value: new Uint8Array(0) });
      }
    }
    for (const e of entries) {
      this.revisions.set(e.key, e.revision);
      this.apply(e);
    }
    this.publisher?.publishAll();
  }

  private apply(e: BucketEntry): void {
    if (e.key.startsWith(LINKDEF_PREFIX)) {
      this.links.applyEntry(e.key, e.operation, e.value);
    } else if (e.key.startsWith(CLAIMS_PREFIX)) {
      this.applyClaims(e);
    } else if (e.key.startsWith(REFMAP_PREFIX)) {
      this.applyRefmap(e);
    }
  }

  /** The `CLAIMS_` values the bucket holds, as watched (LatticeContext.claimsTexts). */
  claimsTexts(): IterableIterator<string> {
    return this.claimsText.values();
  }

  private applyClaims(e: BucketEntry): void {
    const publicKey = e.key.slice(CLAIMS_PREFIX.length);
    if (e.operation !== 'PUT') {
      this.claimsText.delete(e.key);
      this.directory.delete(publicKey);
      return;
    }
    this.claimsText.set(e.key, new TextDecoder().decode(e.value));
    const decoded = decodeActorClaims(e.key, e.value);
    if ('error' in decoded) {
      this.o.log('warn', `ignoring lattice bucket entry ${e.key}: not claims (${decoded.error})`);
      this.directory.delete(publicKey);
      return;
    }
    if (decoded.ok) this.directory.put(decoded.ok);
    else this.directory.delete(publicKey);
  }

  private applyRefmap(e: BucketEntry): void {
    const old = this.refmapKeys.get(e.key);
    if (old !== undefined) {
      this.refmaps.delete(old);
      this.refmapKeys.delete(e.key);
    }
    if (e.operation !== 'PUT') return;
    const decoded = decodeRefmap(e.value);
    if ('error' in decoded) {
      this.o.log('warn', `ignoring lattice bucket entry ${e.key}: not a reference map (${decoded.error})`);
      return;
    }
    this.refmaps.set(decoded.ok.ociUrl, decoded.ok.publicKey);
    this.refmapKeys.set(e.key, decoded.ok.ociUrl);
  }
}
