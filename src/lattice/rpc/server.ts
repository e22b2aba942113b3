// Serving invocations from other hosts: every actor running here on `wasmbus.rpc.{prefix}.{actorPK}`
// (queue group = that subject, so instances on several hosts share the load), every provider on
// `wasmbus.rpc.{prefix}.{providerPK}.{linkName}` (queue group `rpc`) with its `.health` and
// `.shutdown` subjects (reference §4.2, §4.5, §5.2). Each inbound invocation is decoded (bounded),
// checked (antiforgery.ts), de-chunked, run through the host (never forwarded again) and answered
// with an InvocationResponse; every refusal has its own text and its own `invocation_failed` event.
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { isStratusError, type StratusErrorCode, errorText } from '../../core/errors.js';
import type { Invocation } from '../../core/wire.js';
import type { Host } from '../../host/host.js';
import { isRefusal, verifyHash, verifyInvocation, type Refusal, type Verified } from './antiforgery.js';
import { CHUNK_THRESHOLD, responseObject, type ChunkStore } from './chunks.js';
import { actorSubject, PROVIDER_QUEUE, providerSubject } from './subjects.js';
import { decodeInvocation, encodeResponse, type WireInvocation } from './wire.js';
import { answerHealth, answerShutdown } from './provider-admin.js';
import { TokenScratch } from './fast-token.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

const EMPTY = new Uint8Array(0);

/**
 * What the server needs of whatever runs the actors and providers it serves: a Host, or the
 * provider SDK's stand-in for one in a provider process (src/provider-sdk).
 */
export type ServingHost = Pick<Host, 'id' | 'events' | 'invokeHereNow' | 'invokeProviderHere' | 'providerHealth' | 'stopProvider' | 'policy'>;

export interface ServerDeps {
  nc: NatsConnection;
  prefix: string;
  host: ServingHost;
  /** Cluster issuers whose invocations are accepted (always including this host's cluster key). */
  issuers: ReadonlySet<string>;
  chunks: ChunkStore;
  log(level: Level, text: string): void;
}

/** What a subscription serves: an actor, or a provider on a link name. */
type Served = { kind: 'actor'; key: string; subject: string } | { kind: 'provider'; key: string; linkName: string; subject: string };

export class RpcServer {
  /** Subscriptions by the subject they serve (an actor's, or a provider's three). */
  private readonly subs = new Map<string, Subscription[]>();
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private draining = false;
  /** The token's bytes are decoded and hashed here (fast-token.ts). */
  private readonly scratch = new TokenScratch();

  constructor(private readonly d: ServerDeps) {}

  // ------------------------------------------------------------ subscriptions

  serveActor(actorKey: string): void {
    const subject = actorSubject(this.d.prefix, actorKey);
    if (this.draining || this.subs.has(subject)) return;
    const served: Served = { kind: 'actor', key: actorKey, subject };
    this.subs.set(subject, [this.d.nc.subscribe(subject, { queue: subject, callback: (err, msg) => { if (!err) this.onInvocation(msg, served); } })]);
  }

  serveProvider(providerKey: string, linkName: string): void {
    const subject = providerSubject(this.d.prefix, providerKey, linkName);
    if (this.draining || this.subs.has(subject)) return;
    const served: Served = { kind: 'provider', key: providerKey, linkName, subject };
    this.subs.set(subject, [
      this.d.nc.subscribe(subject, { queue: PROVIDER_QUEUE, callback: (err, msg) => { if (!err) this.onInvocation(msg, served); } }),
      this.d.nc.subscribe(`${subject}.health`, { callback: (err, msg) => { if (!err) this.track(answerHealth(this.d, msg, providerKey, linkName)); } }),
      this.d.nc.subscribe(`${subject}.shutdown`, { callback: (err, msg) => { if (!err) this.track(answerShutdown(this.d, msg, providerKey, linkName)); } }),
    ]);
  }

  unserveActor(actorKey: string): void {
    this.unsubscribe(actorSubject(this.d.prefix, actorKey));
  }

  unserveProvider(providerKey: string, linkName: string): void {
    this.unsubscribe(providerSubject(this.d.prefix, providerKey, linkName));
  }

  private unsubscribe(subject: string): void {
    const subs = this.subs.get(subject);
    if (!subs) return;
    this.subs.delete(subject);
    for (const s of subs) s.unsubscribe();
  }

  /** Subjects served now (tests, inventory checks). */
  subjects(): string[] {
    return [...this.subs.keys()];
  }

  /**
   * Leave every queue group (no new invocation reaches this host; messages NATS already delivered
   * are still answered) and resolve once every invocation in flight here has answered.
   */
  async drain(): Promise<void> {
    this.draining = true;
    const all = [...this.subs.values()].flat();
    this.subs.clear();
    await Promise.all(all.map((s) => s.drain().catch(() => undefined)));
    if (this.inFlight > 0) await new Promise<void>((r) => this.idle.push(r));
  }

  stop(): void {
    this.draining = true;
    for (const s of [...this.subs.values()].flat()) s.unsubscribe();
    this.subs.clear();
  }

  private track(p: Promise<void>): void {
    this.inFlight++;
    p.catch((e) => this.d.log('error', `serving a lattice message failed: ${errorText(e)}`)).finally(() => {
      if (--this.inFlight === 0) for (const r of this.idle.splice(0)) r();
    });
  }

  // ------------------------------------------------------------ invocations

  private onInvocation(msg: Msg, served: Served): void {
    // Subscriptions name exact subjects (no wildcards), so a subject with a token more or less
    // (which OTP ignores, `actor_rpc_server.ex`) never arrives here: msg.subject is not read, as
    // reading it decodes the subject's bytes on every invocation.
    let reply: Uint8Array | Promise<Uint8Array>;
    try {
      reply = this.serve(msg, served);
    } catch (e) {
      reply = this.fault(served, e);
    }
    // Answered at once (an inline actor that finished, a refusal): the reply joins the others of
    // this socket read in one write, as a plain NATS responder's do. Replying after promise hops
    // split them into more writes: process CPU per call with 64 in flight (echo, both hosts in one
    // process, three runs each on the loaded 2-core machine) was 291/242/306 µs before, 260/254/235 after.
    if (reply instanceof Uint8Array) {
      if (msg.reply) msg.respond(reply);
      return;
    }
    // one promise reaction per suspended invocation, counted for drain() without track()'s two more
    this.inFlight++;
    reply.then((r) => this.answer(msg, r), (e: unknown) => this.answer(msg, this.fault(served, e)));
  }

  /** The late answer to `msg`; the invocation leaves the in-flight count. */
  private answer(msg: Msg, reply: Uint8Array): void {
    try {
      if (msg.reply) msg.respond(reply);
    } catch (e) {
      this.d.log('error', `serving a lattice message failed: ${errorText(e)}`);
    } finally {
      if (--this.inFlight === 0) for (const r of this.idle.splice(0)) r();
    }
  }

  /** A fault of this host's own, not of the message: the caller still gets an answer (OTP's words). */
  private fault(served: Served, e: unknown): Uint8Array {
    this.d.log('error', `serving an invocation on ${served.subject} failed: ${errorText(e)}`);
    return encodeResponse({ msg: EMPTY, invocation_id: '', error: `Failed to handle actor RPC: ${errorText(e)}`, content_length: 0 });
  }

  /**
   * The encoded InvocationResponse for one inbound message, without a promise when everything
   * is answered at once. Refusals and failures are answers, not throws.
   */
  private serve(msg: Msg, served: Served): Uint8Array | Promise<Uint8Array> {
    let wire: WireInvocation;
    try {
      wire = decodeInvocation(msg.data);
    } catch (e) {
      // OTP answers "Failked to deserialize invocation" (sic); wasmbus-rpc "deser error: …"
      return this.refused(undefined, served, { code: 'BAD_REQUEST', text: `Failed to deserialize invocation: ${errorText(e)}` }, msg.data.length);
    }
    const checked = verifyInvocation(wire, this.d.issuers, Date.now() / 1000, this.scratch);
    if (isRefusal(checked)) return this.refused(wire, served, checked);
    const misrouted = this.misrouted(wire, served);
    if (misrouted) return this.refused(wire, served, misrouted);
    const tc = traceContextOf(wire, msg);
    if (checked.hashPending) return this.serveChunked(wire, checked.claims, served, tc);
    return this.run(wire, wire.msg, served, tc);
  }

  /** De-chunk (the object `<id>`), check the signed hash against the whole payload, then run. */
  private async serveChunked(wire: WireInvocation, claims: Verified['claims'], served: Served, tc: Record<string, string> | undefined): Promise<Uint8Array> {
    let payload: Uint8Array;
    try {
      payload = await this.d.chunks.take(wire.id, wire.content_length!);
    } catch (e) {
      return this.refused(wire, served, { code: isStratusError(e) ? e.code : 'INTERNAL', text: `Failed to read the chunked payload of invocation ${wire.id}: ${errorText(e)}` });
    }
    const tampered = verifyHash(wire, claims, payload, this.scratch);
    if (tampered) return this.refused(wire, served, tampered, payload.length);
    return this.run(wire, payload, served, tc);
  }

  /** Asks the policy service first when the host has one (reference §4.10; cached decisions answer at once). */
  private run(wire: WireInvocation, payload: Uint8Array, served: Served, tc: Record<string, string> | undefined): Uint8Array | Promise<Uint8Array> {
    const gate = this.d.host.policy;
    if (!gate) return this.runNow(wire, payload, served, tc);
    const o = wire.origin;
    const t = wire.target;
    const source = { publicKey: o.public_key, contractId: o.contract_id, linkName: o.link_name, capabilities: [], issuer: '', issuedOn: '', expired: false };
    const target = { publicKey: t.public_key, contractId: t.contract_id, linkName: t.link_name, issuer: '' };
    const known = gate.cached('perform_invocation', source, target);
    if (known?.permitted) return this.runNow(wire, payload, served, tc);
    return gate.decide('perform_invocation', source, target).then(
      () => this.runNow(wire, payload, served, tc),
      (e: unknown) => this.refused(wire, served, { code: 'MISSING_CLAIM', text: errorText(e) }, payload.length));
  }

  /** Through the host, never forwarded again: an actor here, or a provider here. */
  private runNow(wire: WireInvocation, payload: Uint8Array, served: Served, tc: Record<string, string> | undefined): Uint8Array | Promise<Uint8Array> {
    const inv: Invocation = { origin: wire.origin, target: wire.target, operation: wire.operation, msg: payload, id: wire.id };
    if (tc) inv.traceContext = tc;
    let out: Uint8Array | Promise<Uint8Array>;
    try {
      out = served.kind === 'actor' ? this.d.host.invokeHereNow(inv) : this.d.host.invokeProviderHere(inv);
    } catch (e) {
      return this.failed(inv, served, e);
    }
    if (out instanceof Uint8Array) return this.succeeded(inv, out);
    return out.then((o) => this.succeeded(inv, o), (e: unknown) => this.failed(inv, served, e));
  }

  private succeeded(inv: Invocation, out: Uint8Array): Uint8Array | Promise<Uint8Array> {
    const events = this.d.host.events;
    if (events.wants('invocation_succeeded')) {
      events.emit('invocation_succeeded', { source: inv.origin, dest: inv.target, operation: inv.operation, bytes: inv.msg.length });
    }
    return this.response(inv.id, out);
  }

  /** The invocation is for another target than the subject it came on (a provider checks its key, WELD `provider.rs`). */
  private misrouted(wire: WireInvocation, served: Served): Refusal | undefined {
    const t = wire.target;
    if (served.kind === 'actor' && (t.public_key !== served.key || t.link_name !== '')) {
      return { code: 'BAD_REQUEST', text: `Invocation for '${t.public_key}'${t.link_name ? ` (link name '${t.link_name}')` : ''} arrived on the subject of actor ${served.key}; send it to ${actorSubject(this.d.prefix, t.public_key)}` };
    }
    if (served.kind === 'provider' && (t.public_key !== served.key || t.link_name !== served.linkName)) {
      return { code: 'BAD_REQUEST', text: `target key mismatch: invocation for '${t.public_key}' link name '${t.link_name}' arrived on the subject of provider ${served.key} link name '${served.linkName}'` };
    }
    return undefined;
  }

  /** A successful answer; a payload over 900 KiB goes through the object store as `<id>-r`. */
  private response(id: string, out: Uint8Array): Uint8Array | Promise<Uint8Array> {
    if (out.length <= CHUNK_THRESHOLD) return encodeResponse({ msg: out, invocation_id: id, content_length: out.length });
    return this.chunkedResponse(id, out);
  }

  private async chunkedResponse(id: string, out: Uint8Array): Promise<Uint8Array> {
    try {
      await this.d.chunks.put(responseObject(id), out);
    } catch (e) {
      return encodeResponse({ msg: EMPTY, invocation_id: id, error: errorText(e), content_length: 0 });
    }
    return encodeResponse({ msg: EMPTY, invocation_id: id, content_length: out.length });
  }

  /** Refused before it ran: the reply says why, and so does an `invocation_failed` event. */
  private refused(wire: WireInvocation | undefined, served: Served, r: Refusal, bytes?: number): Uint8Array {
    this.d.log('warn', `refused an invocation on ${served.kind} ${served.key}${wire ? ` (id ${wire.id}, ${wire.operation}, from ${wire.origin.public_key})` : ''}: ${r.text}`);
    this.emitFailed(wire, served, r.text, r.code, bytes ?? wire?.msg.length ?? 0);
    return encodeResponse({ msg: EMPTY, invocation_id: wire?.id ?? '', error: r.text, content_length: 0 });
  }

  /** The host refused or failed it. The dispatcher already reported actor invocations; provider ones are reported here. */
  private failed(inv: Invocation, served: Served, e: unknown): Uint8Array {
    let text = errorText(e);
    if (served.kind === 'actor' && isStratusError(e, 'UNKNOWN_TARGET')) {
      // the actor stopped here after NATS chose this host: OTP's words
      text = `Invocation received for actor ${served.key} that is not running`;
    }
    if (served.kind === 'provider') this.emitFailed(inv, served, text, isStratusError(e) ? e.code : 'INTERNAL', inv.msg.length);
    return encodeResponse({ msg: EMPTY, invocation_id: inv.id, error: text, content_length: 0 });
  }

  private emitFailed(inv: { origin: Invocation['origin']; target: Invocation['target']; operation: string } | undefined, served: Served, error: string, code: StratusErrorCode, bytes: number): void {
    const events = this.d.host.events;
    if (!events.wants('invocation_failed')) return;
    const dest = inv?.target ?? (served.kind === 'actor'
      ? { public_key: served.key, contract_id: '', link_name: '' }
      : { public_key: served.key, contract_id: '', link_name: served.linkName });
    events.emit('invocation_failed', {
      source: inv?.origin ?? { public_key: '', contract_id: '', link_name: '' }, dest, operation: inv?.operation ?? '', bytes, error, code,
    });
  }
}

/** The invocation's trace context, with the NATS `traceparent` header (OTel propagation) over any in the body. */
function traceContextOf(wire: WireInvocation, msg: Msg): Record<string, string> | undefined {
  let h;
  try {
    h = msg.headers; // parsed on first use: malformed header bytes throw here, and are ignored
  } catch {
    return wire.traceContext;
  }
  const parent = h?.has('traceparent') ? h.get('traceparent') : '';
  if (!parent) return wire.traceContext;
  const tc: Record<string, string> = { ...wire.traceContext, traceparent: parent };
  const state = h!.get('tracestate');
  if (state) tc.tracestate = state;
  return tc;
}
