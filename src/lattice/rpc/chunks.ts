// Payloads too large for one NATS message travel through the lattice's JetStream object store
// (reference §4.6; WELD `rpc-rs/src/chunkify.rs`, OTP NIF `objstore.rs`): the bucket is named
// after the lattice prefix, an invocation's payload is the object `<invocation id>`, a response's
// `<invocation id>-r`, and the receiver deletes the object once it has read it.
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { StratusError, errorText } from '../../core/errors.js';

/** Payloads over this many bytes are chunked (wasmbus-rpc's CHUNK_THRESHOLD_BYTES; the OTP NIF
 *  chunks over 700 KiB, and this side accepts either). */
export const CHUNK_THRESHOLD = 900 * 1024;

/** A chunked call's deadline is the RPC timeout plus this (wasmbus-rpc's CHUNK_RPC_EXTRA_TIME;
 *  with the default 2 s timeout it is OTP's fixed 15 s). */
export const CHUNK_EXTRA_TIMEOUT_MS = 13_000;

/**
 * Largest chunked payload this host takes in (bytes). An actor's linear memory defaults to
 * 64 MiB (1024 pages) and the payload must fit in it next to the guest's own data, so anything
 * larger could never be delivered; refusing it before reading keeps a hostile `content_length`
 * from costing memory.
 */
export const MAX_CHUNKED_BYTES = 64 * 1024 * 1024;

/** The object holding a response's payload. */
export function responseObject(invocationId: string): string {
  return `${invocationId}-r`;
}

function mib(n: number): string {
  return `${(n / (1024 * 1024)).toFixed(2)} MiB`;
}

export class ChunkStore {
  private store?: Promise<ObjectStore>;

  constructor(private readonly nc: NatsConnection, private readonly bucket: string, private readonly jsDomain?: string) {}

  /** The bucket, created with default settings when missing (as wasmbus-rpc does). */
  private open(): Promise<ObjectStore> {
    if (!this.store) {
      const js = jetstream(this.nc, this.jsDomain ? { domain: this.jsDomain } : {});
      this.store = new Objm(js).create(this.bucket);
      // a failed open (JetStream not enabled, no permission) is retried by the next call
      this.store.catch(() => { this.store = undefined; });
    }
    return this.store;
  }

  async put(name: string, data: Uint8Array): Promise<void> {
    try {
      const os = await this.open();
      await os.putBlob({ name }, data);
    } catch (e) {
      throw new StratusError('INTERNAL', `could not store a ${mib(data.length)} payload as object '${name}' in the object store '${this.bucket}': ${errorText(e)}`,
        'payloads over 900 KiB travel through JetStream: run nats-server with JetStream enabled (-js) and let this host create the bucket');
    }
  }

  /**
   * Reads the object `name`, which must hold exactly `expected` bytes (≤ `limit`), and deletes it.
   * A missing, linked, larger or smaller object is refused with a BAD_REQUEST that says which.
   */
  async take(name: string, expected: number, limit = MAX_CHUNKED_BYTES): Promise<Uint8Array> {
    if (expected > limit) {
      await this.discard(name);
      throw new StratusError('BAD_REQUEST', `chunked payload '${name}' declares ${expected} bytes (${mib(expected)}), over this host's limit of ${mib(limit)}`,
        'send smaller payloads (an actor\'s memory must hold them), or split the work into several calls');
    }
    let os: ObjectStore;
    try {
      os = await this.open();
    } catch (e) {
      throw new StratusError('INTERNAL', `could not open the object store '${this.bucket}' to read chunked payload '${name}': ${errorText(e)}`);
    }
    const got = await os.get(name).catch((e: unknown) => { throw this.readError(name, e); });
    if (!got) {
      throw new StratusError('BAD_REQUEST', `chunked payload '${name}' is not in the object store '${this.bucket}': it was never stored, already taken, or deleted`);
    }
    try {
      if (got.info.options?.link) throw new StratusError('BAD_REQUEST', `chunked payload '${name}' is a link to another object; only plain objects are accepted`);
      if (got.info.size !== expected) {
        throw new StratusError('BAD_REQUEST', got.info.size < expected
          ? `chunked payload '${name}' is truncated: the object holds ${got.info.size} bytes but content_length says ${expected}`
          : `chunked payload '${name}' is larger than declared: the object holds ${got.info.size} bytes but content_length says ${expected}`);
      }
      return await this.readAll(got.data, name, expected);
    } finally {
      await this.discard(name);
    }
  }

  /** Reads the stream, refusing more than `expected` bytes (the object's chunks are not trusted to match its info). */
  private async readAll(stream: ReadableStream<Uint8Array>, name: string, expected: number): Promise<Uint8Array> {
    const out = new Uint8Array(expected);
    let at = 0;
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (at + value.length > expected) {
          throw new StratusError('BAD_REQUEST', `chunked payload '${name}' holds more bytes than its declared ${expected}`);
        }
        out.set(value, at);
        at += value.length;
      }
    } catch (e) {
      await reader.cancel().catch(() => undefined);
      throw e instanceof StratusError ? e : this.readError(name, e);
    }
    if (at !== expected) throw new StratusError('BAD_REQUEST', `chunked payload '${name}' is truncated: read ${at} of ${expected} bytes`);
    return out;
  }

  private readError(name: string, e: unknown): StratusError {
    return new StratusError('BAD_REQUEST', `chunked payload '${name}' could not be read from the object store '${this.bucket}': ${errorText(e).split('\n')[0]}`);
  }

  /** Deletes the object if it is there; a failure is not the caller's problem (only storage is lost). */
  async discard(name: string): Promise<void> {
    try {
      const os = await this.open();
      await os.delete(name);
    } catch {
      // missing already, or the store is unreachable: nothing more to do here
    }
  }
}
