// The control interface of one host on NATS: the subscriptions OTP HEAD makes (plain ones every
// host sees, the queue group `P` where one host answers), a handler per subject, and a reply for
// every request. Every message is untrusted: a handler's refusal or failure becomes
// `{"accepted":false,"error":…}` (with the error code in a header) and the host goes on.
import { headers, type Msg, type Subscription } from '@nats-io/nats-core';
import { isStratusError, type StratusErrorCode, errorText } from '../../core/errors.js';
import type { LatticeComponent, LatticeContext } from '../types.js';
import { ERROR_CODE_HEADER, failureAck, Refusal } from './acks.js';
import type { ControlState } from './control-state.js';
import { HostCommands, type Outcome } from './host-commands.js';
import { LatticeRequests } from './lattice-requests.js';
import { localOps } from './local-ops.js';
import { ObserveExtension } from './observe-extension.js';
import { observeSubject } from './observe-reply.js';
import { hostSubscriptions, isHostCommand, subjectTokens } from './subjects.js';

/** How long draining waits for commands in flight (a start of a big module takes a while). */
const DRAIN_WAIT_MS = 30_000;

export class ControlComponent implements LatticeComponent {
  readonly name = 'control';
  private subs: Subscription[] = [];
  private readonly inflight = new Set<Promise<unknown>>();
  private closing = false;
  private hostCommands?: HostCommands;
  private requests?: LatticeRequests;
  private observe?: ObserveExtension;

  constructor(private readonly s: ControlState) {}

  async start(ctx: LatticeContext): Promise<void> {
    this.s.attach(ctx);
    const ops = localOps(ctx);
    this.hostCommands = new HostCommands(this.s, ops, (w) => this.track(w));
    this.requests = new LatticeRequests(this.s, ops);
    for (const { subject, queue } of hostSubscriptions(this.s.prefix, ctx.host.id)) {
      this.subs.push(ctx.ctl.subscribe(subject, { queue, callback: (err, msg) => this.onMessage(err, msg) }));
    }
    // the Stratus observe extension (observe-reply.ts): what a lattice dashboard polls
    this.observe = new ObserveExtension(this.s);
    this.observe.start();
    this.subs.push(ctx.ctl.subscribe(observeSubject(this.s.prefix, ctx.host.id), { callback: (err, msg) => this.onMessage(err, msg) }));
    // the server knows every subscription before the host says it is part of the lattice
    await ctx.ctl.flush();
  }

  private track(work: Promise<unknown>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }

  private onMessage(err: Error | null, msg: Msg): void {
    if (err) {
      this.s.ctx.log('warn', `control subscription failed: ${err.message}`);
      return;
    }
    this.track(this.handle(msg).catch((e) => this.s.ctx.log('error', `control request on ${msg.subject} failed: ${errorText(e)}`)));
  }

  private async handle(msg: Msg): Promise<void> {
    let outcome: Outcome;
    let code: StratusErrorCode | undefined;
    try {
      if (this.closing) throw new Refusal(`host ${this.s.ctx.host.id} is stopping and takes no more commands`, 'HOST_UNREACHABLE');
      outcome = await this.route(msg.subject, msg.data);
    } catch (e) {
      const refusal = e instanceof Refusal || isStratusError(e);
      code = refusal ? e.code : 'INTERNAL';
      if (!refusal) this.s.ctx.log('error', `control request on ${msg.subject} failed: ${errorText(e)}`);
      outcome = { reply: failureAck(refusal ? e.message : `internal error: ${errorText(e)}`) };
    }
    if (outcome.reply && msg.reply) {
      let opts;
      if (code) {
        const h = headers();
        h.set(ERROR_CODE_HEADER, code);
        opts = { headers: h };
      }
      msg.respond(outcome.reply, opts);
    }
    if (outcome.after) {
      await this.s.ctx.ctl.flush().catch(() => undefined);
      outcome.after();
    }
  }

  /** The handler a subject's tokens after `P` name (OTP splits the same way and matches the tuple). */
  private route(subject: string, body: Uint8Array): Outcome | Promise<Outcome> {
    const t = subjectTokens(subject, this.s.prefix) ?? [];
    const hostId = this.s.ctx.host.id;
    const req = this.requests!;
    const [a, b, c] = t;
    if (t.length === 2 && a === 'ping' && b === 'hosts') return req.ping();
    if (t.length === 2 && a === 'get' && b === 'claims') return req.claims();
    if (t.length === 2 && a === 'get' && b === 'links') return req.links();
    if (t.length === 2 && a === 'linkdefs' && b === 'put') return req.linkPut(body);
    if (t.length === 2 && a === 'linkdefs' && b === 'del') return req.linkDel(body);
    if (t.length === 2 && a === 'auction' && b === 'actor') return req.auctionActor(body);
    if (t.length === 2 && a === 'auction' && b === 'provider') return req.auctionProvider(body);
    if (t.length === 2 && a === 'registries' && b === 'put') return req.registries(body);
    if (t.length === 3 && a === 'get' && b === hostId && c === 'inv') return this.hostCommands!.inventory();
    if (t.length === 3 && a === 'stratus' && b === 'observe' && c === hostId) return this.observe!.answer(body);
    if (t.length === 3 && a === 'cmd' && b === hostId && c !== undefined && isHostCommand(c)) return this.hostCommands!.run(c, body);
    throw new Refusal(`Invalid request topic ${subject.slice(0, 200)}: no control operation has this subject; ` +
      `host commands are ${this.s.prefix}.cmd.<host-id>.{la,sa,scale,upd,lp,sp,stop} (see the control interface table, reference §4.8)`);
  }

  async drain(): Promise<void> {
    this.closing = true;
    await Promise.all(this.subs.map((s) => s.drain().catch(() => undefined)));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inflight]),
      new Promise((r) => { timer = setTimeout(r, DRAIN_WAIT_MS); timer.unref(); }),
    ]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    this.closing = true;
    this.observe?.stop();
    for (const s of this.subs) {
      try { s.unsubscribe(); } catch { /* the connection is closed already */ }
    }
    this.subs = [];
  }
}
