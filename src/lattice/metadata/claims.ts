// Publishes the claims of every actor that runs on this host as `CLAIMS_{publicKey}` (reference
// §4.7), as OTP does on every actor start (`actor_module.ex start_actor` -> `claims/manager.ex
// put_claims` -> `kv_put`). Other hosts route calls by call alias or key through these entries
// (directory.ts), and wash reads them for `wash get claims`.
//
// Claims are not deleted when an actor stops: OTP never deletes a CLAIMS_ key (nothing in
// wasmcloud-otp writes a delete for one; only its loader handles deletes written by others), so
// an actor's claims stay known to the lattice after it stops, as with wasmCloud.
import type { Host } from '../../host/host.js';
import type { ActorDescription } from '../../host/api.js';
import type { HostEventMap } from '../../host/events.js';
import { claimsKey, encodeClaims, type ActorClaimsFacts } from './entries.js';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void;

export interface ClaimsWriter {
  online(): boolean;
  /** What the bucket holds under `key` now (from the watcher), to skip writes that change nothing. */
  current(key: string): string | undefined;
  put(key: string, json: string): Promise<void>;
}

/** The claims of a running actor (an empty version is no version: OTP writes null for both). */
export function describedFacts(a: ActorDescription): ActorClaimsFacts {
  return {
    publicKey: a.id, issuer: a.issuer, name: a.name, callAlias: a.callAlias || undefined, caps: a.caps,
    tags: a.claims.wascap.tags ?? [], revision: a.revision, version: a.version || undefined,
  };
}

/**
 * The claims of an actor from its `actor_started` event. The event is the source, not the
 * inventory: it fires while the first instance starts, before the actor is in the host's tables.
 */
export function startedFacts(e: HostEventMap['actor_started']): ActorClaimsFacts {
  const c = e.claims;
  return {
    publicKey: e.public_key, issuer: c.issuer, name: c.name, callAlias: c.call_alias || undefined, caps: c.caps,
    tags: c.tags, revision: c.revision, version: c.version || undefined,
  };
}

export class ClaimsPublisher {
  private unsubscribe: (() => void) | undefined;
  /** Writes in flight, by key: the JSON being written. */
  private readonly writing = new Map<string, string>();

  constructor(private readonly host: Host, private readonly writer: ClaimsWriter, private readonly log: Log) {}

  /** Publish the actors running now, and every actor that starts from now on. */
  start(): void {
    this.unsubscribe = this.host.events.on('actor_started', (e) => this.write(startedFacts(e)));
    this.publishAll();
  }

  /** Make sure every running actor's claims are in the bucket (after a reconnect: the bucket may have lost writes). */
  publishAll(): void {
    for (const a of this.host.inventory().actors) this.write(describedFacts(a));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private write(a: ActorClaimsFacts): void {
    const key = claimsKey(a.publicKey);
    const json = encodeClaims(a);
    if (this.writer.current(key) === json || this.writing.get(key) === json) return;
    if (!this.writer.online()) return; // publishAll() runs again once NATS is back
    this.writing.set(key, json);
    this.writer.put(key, json)
      .catch((e: unknown) => this.log('warn', `could not publish the claims of actor ${a.publicKey} (${a.name}) to the lattice: ${(e as Error).message}; other hosts cannot route to it by call alias until it is published (it is retried after the next reconnect)`))
      .finally(() => { if (this.writing.get(key) === json) this.writing.delete(key); });
  }
}
