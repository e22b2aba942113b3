// The requests every host (plain subscriptions) or one host of the lattice (queue group `P`)
// answers: ping, claims and links queries, link definitions, auctions, registry credentials
// (reference §4.8; OTP HEAD `control_interface/lattice_server.ex`).
import { stat } from 'node:fs/promises';
import { Refusal, successAck } from './acks.js';
import { parseActorAuction, parseLinkDel, parseLinkPut, parseProviderAuction, parseRegistries } from './commands.js';
import type { ControlState } from './control-state.js';
import { pingReply } from './host-views.js';
import { includesAll } from './instance-book.js';
import { latticeClaims } from './lattice-claims.js';
import type { LocalOps } from './local-ops.js';
import { providerArchiveRef, resolveActorRef, resolveProviderRef } from './references.js';
import type { Outcome } from './host-commands.js';

const enc = new TextEncoder();
const json = (v: unknown): Outcome => ({ reply: enc.encode(JSON.stringify(v)) });

/** `f()`, or undefined when it refuses (the reference is one this host cannot start). */
function unlessRefused<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof Refusal) return undefined;
    throw e;
  }
}

export class LatticeRequests {
  constructor(private readonly s: ControlState, private readonly ops: LocalOps) {}

  /** `ping.hosts`: this host's summary; also a heartbeat, as OTP HEAD does. */
  ping(): Outcome {
    const ctx = this.s.ctx;
    this.s.heartbeat();
    return json(pingReply(this.s.facts(), ctx.host.inventory().uptimeSeconds));
  }

  async claims(): Promise<Outcome> {
    // bounded well under a client's 2 s default, so a lattice without the bucket still answers in time
    return json({ claims: await latticeClaims(this.s.ctx, Math.min(1000, this.s.ctx.config.rpcTimeoutMs)) });
  }

  links(): Outcome {
    // the definitions only: a link's status is this host's view, not the lattice's
    const links = this.s.ctx.host.links().map((l) => ({
      id: l.id, actor_id: l.actor_id, provider_id: l.provider_id, link_name: l.link_name, contract_id: l.contract_id, values: l.values,
    }));
    return json({ links });
  }

  async linkPut(body: Uint8Array): Promise<Outcome> {
    const l = parseLinkPut(body);
    await this.ops.putLink({ actor_id: l.actorId, provider_id: l.providerId, contract_id: l.contractId, link_name: l.linkName, values: l.values });
    return { reply: successAck() };
  }

  async linkDel(body: Uint8Array): Promise<Outcome> {
    const l = parseLinkDel(body);
    await this.ops.deleteLink(l.actorId, l.contractId, l.linkName);
    return { reply: successAck() };
  }

  /**
   * `auction.actor`: bid when the labels match and this host can load the reference (a
   * `file://` module that exists here, with file loads allowed); otherwise stay silent, so the
   * auctioneer picks a host that can start it.
   */
  async auctionActor(body: Uint8Array): Promise<Outcome> {
    const a = parseActorAuction(body);
    const cfg = this.s.ctx.config;
    if (!includesAll(cfg.labels, a.constraints)) return {};
    const src = unlessRefused(() => resolveActorRef(a.actorRef, cfg.allowFileLoad));
    if (!src) return {};
    // an OCI reference any host can pull; a file only the hosts that have it
    if (src.kind === 'file' && !(await stat(src.path).then((st) => st.isFile(), () => false))) return {};
    return json({ actor_ref: a.actorRef, constraints: a.constraints, host_id: this.s.ctx.host.id });
  }

  /** `auction.provider`: bid when the labels match, the provider is one this host has, and it does not run it yet. */
  auctionProvider(body: Uint8Array): Outcome {
    const a = parseProviderAuction(body);
    const ctx = this.s.ctx;
    if (!includesAll(ctx.config.labels, a.constraints)) return {};
    const bid = json({ provider_ref: a.providerRef, link_name: a.linkName, constraints: a.constraints, host_id: ctx.host.id });
    // an archive's id is in the archive: the launch itself refuses a duplicate
    if (unlessRefused(() => providerArchiveRef(a.providerRef, ctx.config.allowFileLoad))) return bid;
    const p = unlessRefused(() => resolveProviderRef(a.providerRef));
    if (!p) return {};
    if (ctx.host.inventory().providers.some((x) => x.id === p.id && x.linkName === a.linkName)) return {};
    return bid;
  }

  registries(body: Uint8Array): Outcome {
    this.s.registries = { ...this.s.registries, ...parseRegistries(body) };
    return { reply: successAck() };
  }
}
