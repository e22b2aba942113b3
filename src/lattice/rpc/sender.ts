// Sending invocations to other hosts: the dispatcher's RemoteRoute (src/host/dispatcher.ts). An
// invocation is signed with the cluster key, sent to its target's subject with NATS
// request/reply, and its InvocationResponse decoded; payloads over 900 KiB go through the object
// store both ways (reference §1.6 step 6, §4.3–§4.6; WELD `rpc-rs/src/rpc_client.rs` inner_rpc).
import { headers, type NatsConnection, type Msg, errors as natsErrors } from '@nats-io/nats-core';
import { notStartedError, StratusError } from '../../core/errors.js';
import { actorEntity, invocationId, type Invocation, type InvokeOptions, type WasmCloudEntity } from '../../core/wire.js';
import type { RemoteRoute } from '../../host/dispatcher.js';
import { looksLikeActorKey, type RoutedActor } from '../../host/router.js';
import type { ActorDirectory } from '../types.js';
import type { InvocationSigner } from './antiforgery.js';
import { CHUNK_EXTRA_TIMEOUT_MS, CHUNK_THRESHOLD, responseObject, type ChunkStore } from './chunks.js';
import { noResponders, remoteError, timedOut, transportFailed } from './failures.js';
import { targetSubject } from './subjects.js';
import { decodeResponse, encodeInvocation, type WireInvocation } from './wire.js';
import { ReplyMux } from './reply-mux.js';

const EMPTY = new Uint8Array(0);

export interface SenderDeps {
  nc: NatsConnection;
  prefix: string;
  rpcTimeoutMs: number;
  signer: InvocationSigner;
  directory: ActorDirectory;
  chunks: ChunkStore;
}

function traceHeaders(tc: Record<string, string> | undefined) {
  if (!tc?.traceparent) return undefined;
  const h = headers();
  h.set('traceparent', tc.traceparent);
  if (tc.tracestate) h.set('tracestate', tc.tracestate);
  return h;
}

export class RpcSender implements RemoteRoute {
  /** Request/reply without nats.js's per-request Error and timer (reply-mux.ts says why). */
  private readonly replies: ReplyMux;

  constructor(private readonly d: SenderDeps) {
    this.replies = new ReplyMux(d.nc);
  }

  /** Ends the reply subscription; what is still waiting fails as on a closed connection. */
  close(): void {
    this.replies.close();
  }

  /**
   * An actor elsewhere in the lattice: what the directory knows (claims published by its host),
   * else, for a public key, the key itself: OTP routes a module key without looking it up
   * (reference §1.6 step 3), and NATS says at once if nobody serves it.
   */
  actor(idOrAlias: string): RoutedActor | undefined {
    const known = this.d.directory.actor(idOrAlias);
    if (known) return known;
    return looksLikeActorKey(idOrAlias) ? { id: idOrAlias, name: 'not known to this host', caps: [] } : undefined;
  }

  async invoke(inv: Invocation, opts?: InvokeOptions): Promise<Uint8Array> {
    const target = this.resolve(inv.target);
    const id = invocationId(inv);
    const payload = inv.msg;
    const chunked = payload.length > CHUNK_THRESHOLD;
    const wire: WireInvocation = {
      origin: inv.origin,
      target,
      operation: inv.operation,
      msg: chunked ? EMPTY : payload,
      id,
      encoded_claims: this.d.signer.sign({ origin: inv.origin, target, operation: inv.operation, id }, payload),
      // OTP's NIF sets host_id to the issuer, the cluster public key (reference §4.3)
      host_id: this.d.signer.issuer,
      content_length: payload.length,
    };
    if (inv.traceContext) wire.traceContext = inv.traceContext;
    const timeout = (opts?.timeoutMs ?? this.d.rpcTimeoutMs) + (chunked ? CHUNK_EXTRA_TIMEOUT_MS : 0);
    const subject = targetSubject(this.d.prefix, target);
    if (chunked) await this.d.chunks.put(id, payload);
    let reply: Msg;
    try {
      reply = await this.replies.request(subject, encodeInvocation(wire), timeout, traceHeaders(inv.traceContext));
    } catch (e) {
      if (chunked) void this.d.chunks.discard(id);
      // the actor's name only for the error text: looked up when a call failed, not on every call
      throw this.requestFailed(e, target, subject, timeout, target.link_name === '' ? this.d.directory.actor(target.public_key)?.name : undefined);
    }
    let resp;
    try {
      resp = decodeResponse(reply.data);
    } catch (e) {
      throw new StratusError('INTERNAL', `the answer from ${subject} is not an InvocationResponse: ${(e as Error).message}`);
    }
    if (resp.error !== undefined) throw remoteError(resp.error);
    let msg = resp.msg;
    if (resp.content_length !== undefined && resp.content_length > msg.length) {
      msg = await this.d.chunks.take(responseObject(id), resp.content_length, opts?.maxResponseBytes);
    }
    if (opts?.maxResponseBytes !== undefined && msg.length > opts.maxResponseBytes) {
      throw new StratusError('BAD_REQUEST', `the response to ${inv.operation} is ${msg.length} bytes, over the ${opts.maxResponseBytes} bytes the caller accepts`);
    }
    return msg;
  }

  /** The target entity to address: a call alias becomes the actor's key (through the directory). */
  private resolve(t: WasmCloudEntity): WasmCloudEntity {
    if (t.link_name !== '' || looksLikeActorKey(t.public_key)) return t;
    const a = this.d.directory.actor(t.public_key);
    if (a) return actorEntity(a.id);
    throw notStartedError('UNKNOWN_TARGET', `Call alias not found: ${t.public_key} on ${this.d.prefix}: no actor in lattice '${this.d.prefix}' is signed with that call alias`,
      `start an actor signed with \`stratus claims sign --call-alias ${t.public_key}\` on a host of the lattice (\`stratus ctl start actor <module.wasm> -x ${this.d.prefix}\`), or call it by public key`);
  }

  private requestFailed(e: unknown, target: WasmCloudEntity, subject: string, timeout: number, name?: string): StratusError {
    if (e instanceof natsErrors.TimeoutError) return timedOut(target, this.d.prefix, timeout, name);
    const cause = e instanceof Error ? e.cause : undefined;
    if (e instanceof natsErrors.NoRespondersError || cause instanceof natsErrors.NoRespondersError) return noResponders(target, this.d.prefix, subject, name);
    return transportFailed(target, this.d.prefix, e, name);
  }
}
