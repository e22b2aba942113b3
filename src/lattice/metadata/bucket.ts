// The LATTICEDATA_{prefix} bucket on JetStream: created with OTP's stream configuration when it is
// missing (entries.ts bucketStreamConfig), bound when it exists, and written with the revision of
// each write known (the watcher orders local and remote changes per key by revision).
import { headers, Empty, type NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { StratusError } from '../../core/errors.js';
import { bucketName, bucketStreamConfig, streamName } from './entries.js';

export interface BucketOptions {
  prefix: string;
  replicas: number;
  jsDomain?: string;
  /** Deadline of one JetStream request (ms). */
  timeoutMs: number;
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
}

export class MetadataBucket {
  private constructor(
    readonly kv: KV,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly editPrefix: string,
  ) {}

  /** Opens the bucket, creating its stream first if no host made it yet. */
  static async open(nc: NatsConnection, o: BucketOptions): Promise<MetadataBucket> {
    const jsOpts = { timeout: o.timeoutMs, ...(o.jsDomain ? { domain: o.jsDomain } : {}) };
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc, jsOpts);
    } catch (e) {
      if (isTransient(e)) throw e;
      throw new StratusError('HOST_UNREACHABLE', `JetStream is not available on the lattice's NATS server: ${(e as Error).message}`,
        'start nats-server with JetStream enabled (`nats-server -js`), or name the JetStream domain with --js-domain');
    }
    const stream = streamName(o.prefix);
    try {
      const info = await jsm.streams.info(stream);
      const have = info.config.num_replicas ?? 1;
      if (have !== o.replicas) {
        o.log('warn', `the lattice bucket ${bucketName(o.prefix)} exists with ${have} replica(s); the setting asks for ${o.replicas} and is not applied to an existing bucket (change it with \`nats stream edit ${stream} --replicas ${o.replicas}\`)`);
      }
    } catch (e) {
      if (isTransient(e)) throw e;
      if (!/stream not found/i.test((e as Error).message)) throw bucketError(o.prefix, e);
      try {
        await jsm.streams.add(bucketStreamConfig(o.prefix, o.replicas) as unknown as Partial<StreamConfig> & { name: string });
        o.log('info', `created the lattice bucket ${bucketName(o.prefix)} (${o.replicas} replica(s))`);
      } catch (e2) {
        // another host created it between our look and our add: use theirs (OTP does the same)
        if (isTransient(e2)) throw e2;
        if (!/already in use/i.test((e2 as Error).message)) throw bucketError(o.prefix, e2);
      }
    }
    const js = jetstream(nc, jsOpts);
    const kv = await new Kvm(js).open(bucketName(o.prefix));
    // edits go through the domain's API prefix when there is one (nats.js Bucket.subjectForKey)
    const editPrefix = `${o.jsDomain ? `$JS.${o.jsDomain}.API.` : ''}$KV.${bucketName(o.prefix)}.`;
    return new MetadataBucket(kv, js, jsm, stream, editPrefix);
  }

  /** Stores `value` under `key`; resolves with the revision the bucket gave it. */
  put(key: string, value: string): Promise<number> {
    return this.kv.put(key, value);
  }

  /**
   * Removes `key` the way OTP does (`jetstream/client.ex kv_del`: KV-Operation PURGE, which rolls
   * the key's history up into the marker); resolves with the marker's revision.
   */
  async purge(key: string): Promise<number> {
    const h = headers();
    h.set('KV-Operation', 'PURGE');
    h.set('Nats-Rollup', 'sub');
    const ack = await this.js.publish(this.editPrefix + key, Empty, { headers: h });
    return ack.seq;
  }

  /** The stream's last sequence: the revision the watcher's snapshot is complete at. */
  async lastRevision(): Promise<{ lastSeq: number; messages: number }> {
    const info = await this.jsm.streams.info(this.stream);
    return { lastSeq: info.state.last_seq, messages: info.state.messages };
  }
}

/**
 * A JetStream request that may succeed if repeated: it timed out (no stream or meta leader yet: a
 * cluster electing one, or without quorum) or JetStream said it is temporarily unavailable.
 */
export function isTransient(e: unknown): boolean {
  const err = e as { name?: string; message?: string; code?: number | string };
  return err?.name === 'TimeoutError' || /^timeout$|timed out|temporarily unavailable/i.test(err?.message ?? '');
}

function bucketError(prefix: string, e: unknown): StratusError {
  return new StratusError('HOST_UNREACHABLE', `could not open the lattice bucket ${bucketName(prefix)}: ${(e as Error).message}`,
    'check that the NATS server runs with JetStream (`nats-server -js`) and that this user may use it');
}
