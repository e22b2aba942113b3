// What the host asks before it starts an actor or a provider and before it performs an inbound
// invocation (reference §4.10). The host only knows this interface; the lattice supplies the
// implementation that asks a policy service over NATS (src/lattice/policy.ts).

export type PolicyAction = 'start_actor' | 'start_provider' | 'perform_invocation';

/** The requesting side, shaped as wasmCloud's policy request `source`. */
export interface PolicySource {
  publicKey: string;
  contractId: string;
  linkName: string;
  capabilities: string[];
  issuer: string;
  issuedOn: string;
  expiresAt?: number;
  expired: boolean;
}

/** What the action is about, shaped as wasmCloud's policy request `target`. */
export interface PolicyTarget {
  publicKey: string;
  contractId: string;
  linkName: string;
  issuer: string;
}

export interface PolicyGate {
  /** A decision already known (cached), without a promise; undefined when it must be asked. */
  cached(action: PolicyAction, source: PolicySource, target: PolicyTarget): { permitted: boolean; message: string } | undefined;
  /** Resolves when permitted; rejects with an explained error when denied, or when the policy
   *  service did not answer (no responders, timeout): both deny. */
  decide(action: PolicyAction, source: PolicySource, target: PolicyTarget): Promise<void>;
}
