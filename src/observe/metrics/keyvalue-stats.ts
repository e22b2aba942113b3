// Key-value operations by backend (lmdb, memory, redis). A host call names the actor and the link
// name; which backend serves it follows from that link's values (the provider's own parser), so
// the backend of each (actor, link name) is kept from the host's link changes.
import { KEYVALUE_OPERATIONS } from '../../providers/keyvalue/codec.js';
import { parseKvSettings } from '../../providers/keyvalue/settings.js';
import { CAPS } from '../../core/contracts.js';
import type { LinkDefinition } from '../../core/wire.js';
import type { Outcome } from '../../host/events.js';
import { OTHER } from './bounded-map.js';
import { OutcomeCounts } from './call-stats.js';

/** A link whose values name no backend the provider knows (it refuses such a link anyway). */
export const UNKNOWN_BACKEND = 'unknown';

/** The backend a key-value link's values select. */
export function backendOf(values: Record<string, string>): string {
  try {
    return parseKvSettings(values).backend;
  } catch {
    return UNKNOWN_BACKEND;
  }
}

export class KeyValueStats {
  /** backend -> operation -> outcomes. Operations are the contract's (others count as OTHER). */
  readonly byBackend = new Map<string, Map<string, OutcomeCounts>>();
  /** actor -> link name -> backend, from the links. */
  private readonly backends = new Map<string, Map<string, string>>();

  linkPut(link: LinkDefinition): void {
    if (link.contract_id !== CAPS.KEY_VALUE) return;
    let byName = this.backends.get(link.actor_id);
    if (!byName) this.backends.set(link.actor_id, byName = new Map());
    byName.set(link.link_name, backendOf(link.values));
  }

  linkDeleted(link: LinkDefinition): void {
    if (link.contract_id !== CAPS.KEY_VALUE) return;
    this.backends.get(link.actor_id)?.delete(link.link_name);
  }

  operation(actorId: string, linkName: string, operation: string, outcome: Outcome): void {
    const backend = this.backends.get(actorId)?.get(linkName);
    if (backend === undefined) return; // no key-value link: refused before any backend (see host calls)
    let ops = this.byBackend.get(backend);
    if (!ops) this.byBackend.set(backend, ops = new Map());
    const op = Object.hasOwn(KEYVALUE_OPERATIONS, operation) ? operation : OTHER;
    let counts = ops.get(op);
    if (!counts) ops.set(op, counts = new OutcomeCounts());
    counts.add(outcome);
  }
}
