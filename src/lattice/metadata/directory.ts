// Actors the lattice knows by their published claims (`CLAIMS_` entries of every host), by public
// key and by call alias. The RPC part's RemoteRoute asks it for actors that do not run here.
// Pure: fed by the bucket watcher (metadata.ts).
//
// As in OTP (`claims/manager.ex cache_call_alias`: `:ets.insert_new`), the first actor to claim an
// alias keeps it; here the alias is freed again when that actor's claims are deleted.
import type { RoutedActor } from '../../host/router.js';
import type { ActorDirectory } from '../types.js';

export class ClaimsDirectory implements ActorDirectory {
  private readonly byKey = new Map<string, RoutedActor>();
  private readonly byAlias = new Map<string, string>();

  actor(idOrAlias: string): RoutedActor | undefined {
    const direct = this.byKey.get(idOrAlias);
    if (direct) return direct;
    const key = this.byAlias.get(idOrAlias);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** Every actor with published claims. */
  all(): RoutedActor[] {
    return [...this.byKey.values()];
  }

  put(actor: RoutedActor): void {
    const previous = this.byKey.get(actor.id);
    if (previous?.callAlias && previous.callAlias !== actor.callAlias) this.releaseAlias(previous.callAlias, actor.id);
    this.byKey.set(actor.id, actor);
    if (actor.callAlias && !this.byAlias.has(actor.callAlias)) this.byAlias.set(actor.callAlias, actor.id);
  }

  delete(publicKey: string): void {
    const previous = this.byKey.get(publicKey);
    if (!previous) return;
    this.byKey.delete(publicKey);
    if (previous.callAlias) this.releaseAlias(previous.callAlias, publicKey);
  }

  /** Free an alias its owner gave up, and hand it to another actor that claims it, if any. */
  private releaseAlias(alias: string, owner: string): void {
    if (this.byAlias.get(alias) !== owner) return;
    this.byAlias.delete(alias);
    for (const a of this.byKey.values()) {
      if (a.callAlias === alias && a.id !== owner) {
        this.byAlias.set(alias, a.id);
        return;
      }
    }
  }
}
