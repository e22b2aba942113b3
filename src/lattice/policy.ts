// The policy service client (reference §4.10, OTP `policy/manager.ex`): before the host starts an
// actor or a provider, and before it performs an inbound invocation, it sends a JSON request on
// WASMCLOUD_POLICY_TOPIC and waits for `{permitted, message?, requestId}`. Decisions are cached
// per (action, source, target); a decision published on WASMCLOUD_POLICY_CHANGES_TOPIC with a
// known requestId replaces the cached one. No responders and timeouts deny, with the reason.
import { randomUUID } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { StratusError } from '../core/errors.js';
import type { PolicyAction, PolicyGate, PolicySource, PolicyTarget } from '../host/policy-gate.js';
import type { LatticeComponent, LatticeContext } from './types.js';

export interface PolicyHostInfo {
  publicKey: string;
  issuer: string;
  latticeId: string;
  labels: Record<string, string>;
  clusterIssuers: string[];
}

export interface PolicyOptions {
  topic: string;
  changesTopic?: string;
  /** How long to wait for the policy service (ms). OTP waits its RPC timeout. */
  timeoutMs: number;
  host: PolicyHostInfo;
  log(level: 'info' | 'warn', text: string): void;
}

interface Decision {
  permitted: boolean;
  message: string;
  requestId: string;
  /** Denied because nobody answered: not cached, the next attempt asks again. */
  transient?: boolean;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function cacheKey(action: PolicyAction, s: PolicySource, t: PolicyTarget): string {
  return JSON.stringify([action, s.publicKey, s.contractId, s.linkName, s.issuer, s.expired, t.publicKey, t.contractId, t.linkName, t.issuer]);
}

export class PolicyService implements PolicyGate {
  private readonly decisions = new Map<string, Decision>();
  private readonly keyByRequest = new Map<string, string>();
  private readonly pending = new Map<string, Promise<Decision>>();
  private changes?: Subscription;

  constructor(private readonly nc: NatsConnection, private readonly o: PolicyOptions) {
    if (o.changesTopic) {
      this.changes = nc.subscribe(o.changesTopic, { callback: (_e, m) => this.changed(m.data) });
    }
  }

  cached(action: PolicyAction, source: PolicySource, target: PolicyTarget) {
    return this.decisions.get(cacheKey(action, source, target));
  }

  async decide(action: PolicyAction, source: PolicySource, target: PolicyTarget): Promise<void> {
    const key = cacheKey(action, source, target);
    const d = this.decisions.get(key) ?? await this.ask(key, action, source, target);
    if (!d.permitted) {
      throw new StratusError('MISSING_CLAIM', `Policy denied ${action.replace('_', ' ')} of ${target.publicKey}${source.publicKey && source.publicKey !== target.publicKey ? ` from ${source.publicKey}` : ''}: ${d.message || 'no reason given'}`,
        `the policy service on ${this.o.topic} decides this; change its rules, or publish a new decision on ${this.o.changesTopic ?? 'WASMCLOUD_POLICY_CHANGES_TOPIC'}`);
    }
  }

  private ask(key: string, action: PolicyAction, source: PolicySource, target: PolicyTarget): Promise<Decision> {
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight; // one question per decision, however many callers wait for it
    const requestId = randomUUID();
    const body = { requestId, source, target, action, host: this.o.host };
    const p = this.nc.request(this.o.topic, enc.encode(JSON.stringify(body)), { timeout: this.o.timeoutMs }).then(
      (m) => this.answer(m.data, requestId),
      (e: unknown) => {
        const text = String((e as Error).message ?? e);
        const why = /no responders|503/i.test(text) || (e as { code?: string }).code === '503'
          ? `no policy service subscribes to ${this.o.topic} (no responders)`
          : /timeout/i.test(text) ? `the policy service on ${this.o.topic} did not answer within ${this.o.timeoutMs} ms` : `asking the policy service on ${this.o.topic} failed: ${text}`;
        this.o.log('warn', `policy: ${action} of ${target.publicKey} denied: ${why}`);
        // not cached: the next attempt asks again
        return { permitted: false, message: `${why}; denied by default`, requestId, transient: true };
      },
    ).then((d) => {
      this.pending.delete(key);
      if (!d.transient) {
        this.decisions.set(key, d);
        this.keyByRequest.set(requestId, key);
      }
      return d;
    });
    this.pending.set(key, p);
    return p;
  }

  private answer(data: Uint8Array, requestId: string): Decision {
    let r: { permitted?: unknown; message?: unknown; requestId?: unknown };
    try {
      r = JSON.parse(dec.decode(data)) as typeof r;
    } catch {
      return { permitted: false, message: `the policy service answered with something that is not JSON; denied by default`, requestId };
    }
    if (typeof r.permitted !== 'boolean') {
      return { permitted: false, message: 'the policy service answer has no boolean "permitted"; denied by default', requestId };
    }
    return { permitted: r.permitted, message: typeof r.message === 'string' ? r.message : '', requestId };
  }

  /** A decision pushed on the changes topic: replaces the cached decision of that request. */
  private changed(data: Uint8Array): void {
    let r: { permitted?: unknown; message?: unknown; requestId?: unknown };
    try { r = JSON.parse(dec.decode(data)) as typeof r; } catch { this.o.log('warn', `policy: ignoring a change that is not JSON on ${this.o.changesTopic}`); return; }
    const key = typeof r.requestId === 'string' ? this.keyByRequest.get(r.requestId) : undefined;
    if (!key || typeof r.permitted !== 'boolean') { this.o.log('warn', `policy: ignoring a change for unknown request ${String(r.requestId)}`); return; }
    this.decisions.set(key, { permitted: r.permitted, message: typeof r.message === 'string' ? r.message : '', requestId: r.requestId as string });
    this.o.log('info', `policy: decision of request ${String(r.requestId)} changed to ${r.permitted ? 'permitted' : 'denied'}`);
  }

  close(): void {
    this.changes?.unsubscribe();
    this.decisions.clear();
    this.keyByRequest.clear();
  }
}

/** The lattice part that sets the host's policy gate when the lattice config names a topic. */
export function policyComponent(): LatticeComponent {
  let svc: PolicyService | undefined;
  let ctx: LatticeContext | undefined;
  return {
    name: 'policy',
    async start(c) {
      const p = c.config.policy;
      if (!p) return;
      ctx = c;
      svc = new PolicyService(c.rpc, {
        topic: p.topic, ...(p.changesTopic ? { changesTopic: p.changesTopic } : {}), timeoutMs: p.timeoutMs,
        host: { publicKey: c.host.id, issuer: c.clusterKey.publicKey, latticeId: c.config.prefix, labels: c.config.labels, clusterIssuers: c.config.clusterIssuers },
        log: (level, text) => c.log(level, text),
      });
      c.host.usePolicy(svc);
      c.log('info', `policy: asking ${p.topic} before starts and inbound invocations${p.changesTopic ? `; changes on ${p.changesTopic}` : ''}`);
    },
    async stop() {
      ctx?.host.usePolicy(undefined);
      svc?.close();
      svc = undefined;
    },
  };
}
