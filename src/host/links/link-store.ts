// Where link definitions live, wasmCloud's way (OTP `linkdefs/manager.ex`): a write goes to the
// store first and only then reaches whoever serves the link, wherever that is; reads come from a
// local copy, synchronously. This file has the contract and the in-memory store (tests, one-shot
// hosts); file-link-store.ts persists to the data directory; the lattice adds a JetStream KV store.
import { linkDefinitionId } from '../../claims/linkdef-id.js';
import type { LinkDefinition } from '../../core/wire.js';

export type LinkChange =
  | { kind: 'put'; link: LinkDefinition; previous?: LinkDefinition }
  | { kind: 'delete'; link: LinkDefinition };

export interface LinkStore {
  /** By link id (reference §4.7), from the local copy. */
  get(id: string): LinkDefinition | undefined;
  /** By the three parts that make the id. */
  find(actorId: string, contractId: string, linkName: string): LinkDefinition | undefined;
  list(): LinkDefinition[];
  /** Resolves once the link is stored; watchers have seen the change by then. */
  put(link: LinkDefinition): Promise<void>;
  /** Resolves with the deleted link (undefined if there was none) once the delete is stored. */
  delete(id: string): Promise<LinkDefinition | undefined>;
  /** Every change, from this process or (for shared stores) from elsewhere. Returns unwatch. */
  watch(fn: (change: LinkChange) => void): () => void;
  close(): Promise<void>;
}

export function sameLinkValues(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

/** Same provider and values (the id already covers actor, contract and link name). */
export function sameLink(a: LinkDefinition, b: LinkDefinition): boolean {
  return a.id === b.id && a.provider_id === b.provider_id && sameLinkValues(a.values, b.values);
}

/** Links held in memory only. Base of the persistent stores, which write first and then apply. */
export class MemoryLinkStore implements LinkStore {
  private readonly links = new Map<string, LinkDefinition>();
  private readonly watchers: ((change: LinkChange) => void)[] = [];

  get(id: string): LinkDefinition | undefined {
    return this.links.get(id);
  }

  find(actorId: string, contractId: string, linkName: string): LinkDefinition | undefined {
    return this.links.get(linkDefinitionId(actorId, contractId, linkName));
  }

  /** How many links are stored (without copying them as list() does). */
  protected get size(): number { return this.links.size; }

  list(): LinkDefinition[] {
    return [...this.links.values()];
  }

  async put(link: LinkDefinition): Promise<void> {
    this.apply(link);
  }

  async delete(id: string): Promise<LinkDefinition | undefined> {
    return this.applyDelete(id);
  }

  watch(fn: (change: LinkChange) => void): () => void {
    this.watchers.push(fn);
    return () => {
      const i = this.watchers.indexOf(fn);
      if (i >= 0) this.watchers.splice(i, 1);
    };
  }

  async close(): Promise<void> {
    this.watchers.length = 0;
  }

  /** Change the local copy and tell the watchers (an identical put changes nothing). */
  protected apply(link: LinkDefinition): void {
    const previous = this.links.get(link.id);
    if (previous && sameLink(previous, link)) return;
    const copy = { ...link, values: { ...link.values } };
    this.links.set(link.id, copy);
    this.notify({ kind: 'put', link: copy, previous });
  }

  protected applyDelete(id: string): LinkDefinition | undefined {
    const link = this.links.get(id);
    if (!link) return undefined;
    this.links.delete(id);
    this.notify({ kind: 'delete', link });
    return link;
  }

  private notify(change: LinkChange): void {
    for (const fn of [...this.watchers]) fn(change);
  }
}
