// A client of the control interface (what wash's control-interface client does), used by
// `stratus ctl` and `stratus app deploy` in lattice mode: requests to one host or the queue
// group, collections of answers from every host (pings, auctions), and the event stream.
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { StratusError, type StratusErrorCode } from '../../core/errors.js';
import { ERROR_CODE_HEADER, type CtlOperationAck } from './acks.js';
import type { CloudEvent } from './cloud-event.js';
import { observeSubject, type ObserveReply, type ObserveRequest } from './observe-reply.js';
import { ctlPrefix, ctlSubject, eventSubject, rpcEventSubject, type HostCommand } from './subjects.js';

export interface ClientOptions {
  lattice: string;
  /** `wasmbus.ctl` unless the hosts were given another WASMCLOUD_CTL_TOPIC_PREFIX. */
  topicPrefix?: string;
  /** Deadline of one request (ms); also how long `hosts()` collects ping replies. */
  timeoutMs: number;
  /** How long auctions collect bids (ms); default timeoutMs. */
  auctionTimeoutMs?: number;
}

/** An event as received, with the error code a Stratus host adds to failure events. */
export interface ReceivedEvent {
  subject: string;
  event: CloudEvent<any>;
  code?: StratusErrorCode;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function codeOf(m: Msg): StratusErrorCode | undefined {
  return (m.headers?.get(ERROR_CODE_HEADER) || undefined) as StratusErrorCode | undefined;
}

export class LatticeCtlClient {
  readonly prefix: string;

  constructor(readonly nc: NatsConnection, readonly o: ClientOptions) {
    this.prefix = ctlPrefix(o.topicPrefix ?? 'wasmbus.ctl', o.lattice);
  }

  private async request(subject: string, body: unknown, timeoutMs = this.o.timeoutMs): Promise<Msg> {
    try {
      return await this.nc.request(subject, body === undefined ? '' : enc.encode(JSON.stringify(body)), { timeout: timeoutMs });
    } catch (e) {
      const text = (e as Error).message;
      if (/no responders/i.test(text)) {
        throw new StratusError('HOST_UNREACHABLE', `no host of lattice "${this.o.lattice}" answers on ${subject}`,
          'check the lattice prefix (-x) and the host id (`stratus ctl get hosts` lists them)');
      }
      if (/timeout/i.test(text)) throw new StratusError('TIMEOUT', `no answer on ${subject} within ${timeoutMs} ms`, 'raise --timeout-ms, or check the host');
      throw new StratusError('HOST_UNREACHABLE', `request on ${subject} failed: ${text}`);
    }
  }

  private json<T>(m: Msg, subject: string): T {
    try {
      return JSON.parse(dec.decode(m.data)) as T;
    } catch {
      throw new StratusError('INTERNAL', `the answer on ${subject} is not JSON: ${dec.decode(m.data).slice(0, 200)}`);
    }
  }

  /** A command's acknowledgement; a refusal becomes a StratusError with the host's code (or INTERNAL). */
  private async command(subject: string, body: unknown): Promise<CtlOperationAck> {
    const m = await this.request(subject, body);
    const ack = this.json<CtlOperationAck>(m, subject);
    if (typeof ack?.accepted !== 'boolean') throw new StratusError('INTERNAL', `the answer on ${subject} is not an acknowledgement: ${dec.decode(m.data).slice(0, 200)}`);
    if (!ack.accepted) throw new StratusError(codeOf(m) ?? 'INTERNAL', ack.error || `the host refused the command on ${subject}`);
    return ack;
  }

  /** Every answer within `waitMs` (wash's collect_timeout). */
  private async collect<T>(subject: string, body: unknown, waitMs: number): Promise<T[]> {
    const out: T[] = [];
    const replies = await this.nc.requestMany(subject, body === undefined ? '' : enc.encode(JSON.stringify(body)), { maxWait: waitMs, strategy: 'timer' });
    try {
      for await (const m of replies) {
        try {
          const v = JSON.parse(dec.decode(m.data)) as T & { accepted?: boolean; error?: string };
          if (v && v.accepted === false) throw new StratusError(codeOf(m) ?? 'INTERNAL', v.error ?? `refused on ${subject}`);
          out.push(v);
        } catch (e) {
          if (e instanceof StratusError) throw e;
          /* an answer that is not JSON: not a host's */
        }
      }
    } catch (e) {
      if (e instanceof StratusError) throw e;
      // no responders ends the collection empty
    }
    return out;
  }

  hosts(): Promise<any[]> {
    return this.collect(ctlSubject.pingHosts(this.prefix), undefined, this.o.timeoutMs);
  }

  async inventory(hostId: string): Promise<any> {
    const subject = ctlSubject.inventory(this.prefix, hostId);
    const m = await this.request(subject, undefined);
    const inv = this.json<any>(m, subject);
    if (inv?.accepted === false) throw new StratusError(codeOf(m) ?? 'INTERNAL', inv.error);
    return inv;
  }

  async claims(): Promise<{ claims: Record<string, string | null>[] }> {
    const subject = ctlSubject.claims(this.prefix);
    return this.json(await this.request(subject, undefined), subject);
  }

  async links(): Promise<{ links: any[] }> {
    const subject = ctlSubject.links(this.prefix);
    return this.json(await this.request(subject, undefined), subject);
  }

  linkPut(l: { actor_id: string; provider_id: string; contract_id: string; link_name: string; values: Record<string, string> }): Promise<CtlOperationAck> {
    return this.command(ctlSubject.linkPut(this.prefix), l);
  }

  linkDel(actorId: string, contractId: string, linkName: string): Promise<CtlOperationAck> {
    return this.command(ctlSubject.linkDel(this.prefix), { actor_id: actorId, contract_id: contractId, link_name: linkName });
  }

  auctionActor(actorRef: string, constraints: Record<string, string>): Promise<{ actor_ref: string; host_id: string; constraints: Record<string, string> }[]> {
    return this.collect(ctlSubject.auctionActor(this.prefix), { actor_ref: actorRef, constraints }, this.o.auctionTimeoutMs ?? this.o.timeoutMs);
  }

  auctionProvider(providerRef: string, linkName: string, constraints: Record<string, string>): Promise<{ provider_ref: string; link_name: string; host_id: string }[]> {
    return this.collect(ctlSubject.auctionProvider(this.prefix), { provider_ref: providerRef, link_name: linkName, constraints }, this.o.auctionTimeoutMs ?? this.o.timeoutMs);
  }

  /** A command to one host (`cmd.{hostId}.{op}`) with the body wash sends. */
  hostCommand(hostId: string, op: HostCommand, body: Record<string, unknown>): Promise<CtlOperationAck> {
    return this.command(ctlSubject.command(this.prefix, hostId, op), { ...body, host_id: hostId });
  }

  /**
   * A Stratus host's observe extension (observe-reply.ts): figures, failures, health, link status and
   * log after the cursors given. A host that is not Stratus has no such subject: HOST_UNREACHABLE
   * (no responders) or TIMEOUT.
   */
  async observe(hostId: string, req: ObserveRequest, timeoutMs = this.o.timeoutMs): Promise<ObserveReply> {
    const subject = observeSubject(this.prefix, hostId);
    const m = await this.request(subject, req, timeoutMs);
    const v = this.json<ObserveReply & { accepted?: boolean; error?: string }>(m, subject);
    if (v?.accepted === false) throw new StratusError(codeOf(m) ?? 'INTERNAL', v.error ?? `refused on ${subject}`);
    if (typeof v?.stratus_observe !== 'number') throw new StratusError('INTERNAL', `the answer on ${subject} is not an observe reply: ${dec.decode(m.data).slice(0, 200)}`);
    return v;
  }

  /** Every lattice event (and invocation result) from now on, until the subscription ends. */
  async watch(onEvent: (e: ReceivedEvent) => void, lattice = this.o.lattice): Promise<Subscription[]> {
    const subs = [eventSubject(lattice), rpcEventSubject(lattice)].map((subject) => this.nc.subscribe(subject, {
      callback: (err, m) => {
        if (err) return;
        try {
          onEvent({ subject: m.subject, event: JSON.parse(dec.decode(m.data)), code: codeOf(m) });
        } catch { /* not a CloudEvent */ }
      },
    }));
    await this.nc.flush();
    return subs;
  }

  /**
   * Listen for the event that ends a command (wash's `wait_for_*_event`): start it before sending
   * the command, then `wait()` resolves with the first event `match` calls `'ok'` and rejects with
   * the error of the first it calls `'failed'` (the host's code from the header), or with TIMEOUT.
   */
  async expectEvent(match: (e: CloudEvent<any>) => 'ok' | 'failed' | undefined, what: string): Promise<EventWait> {
    let found: { event: CloudEvent<any>; code?: StratusErrorCode; ok: boolean } | undefined;
    let wake: (() => void) | undefined;
    const subs = await this.watch(({ event, code }) => {
      if (found) return;
      const r = match(event);
      if (!r) return;
      found = { event, code, ok: r === 'ok' };
      wake?.();
    });
    const cancel = () => { for (const s of subs) s.unsubscribe(); };
    return {
      cancel,
      wait: async (timeoutMs) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          if (!found) await new Promise<void>((res) => { wake = res; timer = setTimeout(res, timeoutMs); });
        } finally {
          clearTimeout(timer);
          cancel();
        }
        if (!found) {
          throw new StratusError('TIMEOUT', `no event saying ${what} arrived within ${timeoutMs} ms`,
            'it may still be in progress: check `stratus ctl get inventory <host-id>`, or raise --timeout-ms');
        }
        if (!found.ok) throw new StratusError(found.code ?? 'INTERNAL', String(found.event.data?.error ?? `${what} failed`));
        return found.event;
      },
    };
  }
}

export interface EventWait {
  wait(timeoutMs: number): Promise<CloudEvent<any>>;
  cancel(): void;
}
