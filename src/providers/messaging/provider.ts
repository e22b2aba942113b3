// wasmcloud:messaging over NATS (reference §2.8), as wasmCloud's NATS messaging provider behaves:
// each link has its own connection settings and subscriptions; a message on a subscription is
// delivered to the linked actor as MessageSubscriber.HandleMessage (with the reply subject, so the
// actor can answer a request by publishing to it); actors publish and make requests with
// Messaging.Publish / Messaging.Request. Subscriptions end with the link.
import type { Msg, NatsConnection, Subscription as NatsSubscription } from '@nats-io/nats-core';
import type { BorrowingInvocationHandler, CapabilityProvider, ProviderHost, SyncInvocationHandler } from '../../host/provider-contract.js';
import { actorEntity, providerEntity, type Invocation, type LinkDefinition, type WasmCloudEntity } from '../../core/wire.js';
import { StratusError } from '../../core/errors.js';
import { MessageSubscriberCodec, MessagingCodec, type ReplyMessage } from '../../codec/interfaces/messaging.js';
import { unknownKeys } from '../link-values.js';
import { SerialQueue } from '../serial-queue.js';
import { NATS_CONNECTIONS, type NatsConnections } from '../nats-connection.js';
import { bodyAfter, fastPubMessage, publishPrefix, type PublishPrefix } from './fast-codec.js';
import { framePublisher, type FramePublisher } from './publish-frames.js';
import { checkSubject, KNOWN_KEYS, parseMessagingSettings, sameMessagingSettings, type MessagingSettings } from './settings.js';

export const MESSAGING_CONTRACT = 'wasmcloud:messaging';
const HANDLE_MESSAGE = MessageSubscriberCodec.HandleMessage.operation;
const EMPTY = new Uint8Array(0);

interface Bound {
  link: LinkDefinition;
  settings: MessagingSettings;
  nc: NatsConnection;
  subs: NatsSubscription[];
  /** Set when the link ends: messages already received are dropped, not delivered. */
  closed: boolean;
  /** The subject this link last published to, already found valid: an actor publishing in a
   *  loop publishes to the same subject, and checking it token by token cost more than decoding. */
  checked: string | undefined;
  /** Set once the link published twice in a row to `checked` without a reply subject: the bytes
   *  such a payload starts with (fast-codec.ts), compared instead of decoded. */
  repeat: PublishPrefix | undefined;
  /** Writes plain publishes as whole NATS frames (publish-frames.ts); undefined: nc.publish. */
  frames: FramePublisher | undefined;
}

export class MessagingProvider implements CapabilityProvider, SyncInvocationHandler, BorrowingInvocationHandler {
  readonly contractId = MESSAGING_CONTRACT;
  readonly name = 'messaging';
  readonly linkValueKeys = KNOWN_KEYS;
  private host?: ProviderHost;
  private pool?: NatsConnections;
  private origin!: WasmCloudEntity;
  private readonly bound = new Map<string, Bound>();
  private readonly links = new SerialQueue();

  constructor(readonly id: string, readonly linkName: string = 'default') {}

  async start(host: ProviderHost): Promise<void> {
    this.host = host;
    this.pool = host.scope.use(NATS_CONNECTIONS);
    this.origin = providerEntity(this.id, MESSAGING_CONTRACT, this.linkName);
  }

  putLink(link: LinkDefinition): Promise<void> {
    return this.links.run(async () => {
      const host = this.requireHost();
      const settings = parseMessagingSettings(link.values);
      const extra = unknownKeys(link.values, KNOWN_KEYS);
      if (extra.length > 0) host.log('warn', `messaging: ignoring unknown link value(s) ${extra.join(', ')} for actor ${link.actor_id}`);
      const existing = this.bound.get(link.actor_id);
      if (existing && sameMessagingSettings(existing.settings, settings)) { existing.link = link; return; }
      // Connect and subscribe for the new settings first: a bad re-put leaves the old link working.
      const nc = await this.pool!.acquire(settings.nats, `stratus messaging ${this.id.slice(0, 8)}`);
      const b: Bound = { link, settings, nc, subs: [], closed: false, checked: undefined, repeat: undefined, frames: framePublisher(nc) };
      try {
        for (const s of settings.subscriptions) {
          b.subs.push(nc.subscribe(s.subject, { ...(s.queue ? { queue: s.queue } : {}), callback: (err, msg) => { if (!err) this.deliver(b, msg); } }));
        }
        // the server has the subscriptions once this round trip is done, so a publish right after
        // the link put reaches the actor
        await nc.flush();
      } catch (e) {
        await this.unbind(b);
        throw new StratusError('LINK_INVALID', `messaging: could not subscribe for actor ${link.actor_id}: ${(e as Error).message}`);
      }
      this.bound.set(link.actor_id, b);
      if (existing) await this.unbind(existing);
      const subs = settings.subscriptions.map((s) => s.queue ? `${s.subject} (queue ${s.queue})` : s.subject);
      host.log('info', `messaging: actor ${link.actor_id} on ${settings.nats.servers.join(',')}${subs.length ? `, subscribed to ${subs.join(', ')}` : ', no subscriptions'}`);
    });
  }

  deleteLink(link: LinkDefinition): Promise<void> {
    return this.links.run(async () => {
      const b = this.bound.get(link.actor_id);
      if (!b) return;
      this.bound.delete(link.actor_id);
      await this.unbind(b);
      this.requireHost().log('info', `messaging: actor ${link.actor_id} unsubscribed (link deleted)`);
    });
  }

  private async unbind(b: Bound): Promise<void> {
    b.closed = true;
    for (const s of b.subs) { try { s.unsubscribe(); } catch { /* connection already closed */ } }
    // a shared connection stays open: one round trip makes the server drop the interest before
    // the link delete is reported done, so a publish right after it finds no subscriber
    if (b.subs.length > 0) await b.nc.flush().catch(() => undefined);
    await this.pool!.release(b.settings.nats);
  }

  /** A message on one of the link's subscriptions → MessageSubscriber.HandleMessage on the actor. */
  private deliver(b: Bound, msg: Msg): void {
    if (b.closed) return;
    const host = this.host!;
    const payload = MessageSubscriberCodec.HandleMessage.encodeInput({
      subject: msg.subject, body: msg.data, ...(msg.reply ? { replyTo: msg.reply } : {}),
    });
    const inv: Invocation = { origin: this.origin, target: actorEntity(b.link.actor_id), operation: HANDLE_MESSAGE, msg: payload, id: '' };
    const fail = (e: unknown) => host.log('warn', `messaging: actor ${b.link.actor_id} failed to handle a message on ${msg.subject}: ${(e as Error).message ?? e}`, { actor: b.link.actor_id });
    try {
      const r = host.local ? host.local.invokeNow(inv) : host.invoke(inv);
      if (r instanceof Promise) r.catch(fail);
    } catch (e) {
      fail(e);
    }
  }

  handle(inv: Invocation): Promise<Uint8Array> {
    const b = this.bound.get(inv.origin.public_key);
    if (!b) {
      return Promise.reject(new StratusError('MISSING_LINK', `actor ${inv.origin.public_key} has no wasmcloud:messaging link on link name "${this.linkName}" at this provider`,
        'put a link definition for the actor and wasmcloud:messaging first'));
    }
    try {
      switch (inv.operation) {
        case MessagingCodec.Publish.operation: return this.publish(b, inv.msg);
        case MessagingCodec.Request.operation: return this.request(b, inv.msg);
        default:
          return Promise.reject(new StratusError('BAD_REQUEST', `wasmcloud:messaging has no operation "${inv.operation}"`, 'supported: Messaging.Publish, Messaging.Request'));
      }
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Publish answers at once: nats.js queues the message on the connection synchronously, so an
   * actor on the host thread need not suspend for it. Request (and errors: handle() reports them)
   * go the asynchronous way.
   */
  handleSync(inv: Invocation): Uint8Array | undefined {
    if (inv.operation !== MessagingCodec.Publish.operation) return undefined;
    const b = this.bound.get(inv.origin.public_key);
    if (!b) return undefined;
    try {
      return this.publishNow(b, inv.msg);
    } catch {
      return undefined; // handle() runs it again and rejects with the same error
    }
  }

  /**
   * Messaging.Publish from a payload borrowed from guest memory (valid only during this call; see
   * BorrowingInvocationHandler): served only when the body is copied before this returns, i.e. a
   * plain publish written as a NATS frame (publish-frames.ts copies it into its frame). A reply
   * subject (nc.publish keeps the body until nats.js flushes), no frame writer, Request, a missing
   * link and every error are undefined, with nothing sent; the host then copies the payload and
   * comes back through handleSync() or handle(), which report the error.
   */
  handleBorrowed(inv: Invocation): Uint8Array | undefined {
    if (inv.operation !== MessagingCodec.Publish.operation) return undefined;
    const b = this.bound.get(inv.origin.public_key);
    if (b === undefined || b.frames === undefined) return undefined;
    try {
      return this.publishNow(b, inv.msg, true);
    } catch {
      return undefined;
    }
  }

  private publish(b: Bound, payload: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(this.publishNow(b, payload) ?? EMPTY); // undefined only for a borrowed payload
  }

  /** `borrowed`: the payload is a view of guest memory; only the frame writer (which copies) may see it. */
  private publishNow(b: Bound, payload: Uint8Array, borrowed = false): Uint8Array | undefined {
    const r = b.repeat;
    const again = r !== undefined && b.frames !== undefined ? bodyAfter(payload, r.bytes) : undefined;
    if (again !== undefined) {
      // the subject of the last publish (already checked), no reply subject: only the size is new
      this.checkSize(b, again.length, 'Publish');
      b.frames!.publish(r!.subject, again);
      return EMPTY;
    }
    const m = fastPubMessage(payload, b.checked) ?? MessagingCodec.Publish.decodeInput(payload);
    if (m.subject !== b.checked) {
      const bad = checkSubject(m.subject, false);
      if (bad) throw new StratusError('BAD_REQUEST', `Messaging.Publish: subject "${m.subject}" is not a valid NATS subject: ${bad}`);
      b.checked = m.subject;
      b.repeat = undefined;
    } else if (r === undefined && !m.replyTo) {
      b.repeat = publishPrefix(m.subject);
    }
    if (m.replyTo !== undefined && m.replyTo !== '') {
      const badReply = checkSubject(m.replyTo, false);
      if (badReply) throw new StratusError('BAD_REQUEST', `Messaging.Publish: replyTo "${m.replyTo}" is not a valid NATS subject: ${badReply}`);
    }
    this.checkSize(b, m.body.length, 'Publish');
    if (!m.replyTo && b.frames !== undefined) b.frames.publish(m.subject, m.body); // copies the body
    else if (borrowed) return undefined; // nc.publish keeps the body until nats.js flushes
    else b.nc.publish(m.subject, m.body, m.replyTo ? { reply: m.replyTo } : undefined);
    return EMPTY;
  }

  private async request(b: Bound, payload: Uint8Array): Promise<Uint8Array> {
    const m = MessagingCodec.Request.decodeInput(payload);
    const bad = checkSubject(m.subject, false);
    if (bad) throw new StratusError('BAD_REQUEST', `Messaging.Request: subject "${m.subject}" is not a valid NATS subject: ${bad}`);
    this.checkSize(b, m.body.length, 'Request');
    const timeout = m.timeoutMs > 0 ? m.timeoutMs : this.host!.rpcTimeoutMs;
    let reply: Msg;
    try {
      reply = await b.nc.request(m.subject, m.body, { timeout });
    } catch (e) {
      const text = String((e as Error).message ?? e);
      if (/no responders/i.test(text) || (e as { code?: string }).code === '503') {
        throw new StratusError('BAD_REQUEST', `Messaging.Request: nobody subscribes to "${m.subject}" (no responders)`, 'start the service that answers on that subject, or check the subject');
      }
      if (/timeout/i.test(text)) {
        throw new StratusError('TIMEOUT', `Messaging.Request: no reply on "${m.subject}" within ${timeout} ms`, 'raise timeoutMs in the request, or check that the responder answers');
      }
      throw new StratusError('INTERNAL', `Messaging.Request to "${m.subject}" failed: ${text}`);
    }
    const out: ReplyMessage = { subject: reply.subject, body: reply.data, ...(reply.reply ? { replyTo: reply.reply } : {}) };
    return MessagingCodec.Request.encodeOutput(out);
  }

  private checkSize(b: Bound, n: number, op: string): void {
    const max = b.nc.info?.max_payload;
    if (max !== undefined && n > max) {
      throw new StratusError('BAD_REQUEST', `Messaging.${op}: the body is ${n} bytes, over the NATS server's max_payload of ${max} bytes`,
        'send a smaller message, or raise max_payload in the NATS server configuration');
    }
  }

  async health(): Promise<{ healthy: boolean; message?: string }> {
    const down = [...this.bound.values()].filter((b) => b.nc.isClosed());
    if (down.length) return { healthy: false, message: `${down.length} link(s) lost their NATS connection: ${down.map((b) => b.settings.nats.servers.join(',')).join('; ')}` };
    return { healthy: true, message: `${this.bound.size} link(s)` };
  }

  async shutdown(): Promise<void> {
    await this.links.run(async () => {
      const all = [...this.bound.values()];
      this.bound.clear();
      for (const b of all) await this.unbind(b);
    });
  }

  private requireHost(): ProviderHost {
    if (!this.host) throw new StratusError('PROVIDER_NOT_RUNNING', 'messaging provider received a link before start()');
    return this.host;
  }
}
