// Links kept in the lattice bucket (`LINKDEF_{id}`, reference §4.7): the LinkStore a lattice member's
// Host uses. A put or delete is written to the bucket and applied to the local copy once the bucket
// acknowledged it; every change from elsewhere (another host, wash writing the bucket directly)
// arrives through the bucket watcher (metadata.ts). Reads come from the local copy, synchronously.
// Links outlive any host: the bucket holds them.
import { notStartedError, StratusError } from '../../core/errors.js';
import type { LinkDefinition } from '../../core/wire.js';
import { MemoryLinkStore, sameLink } from '../../host/links/link-store.js';
import { decodeLink, encodeLink, linkKey } from './entries.js';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void;

/** Where the store writes: the bucket, through the metadata's revision gate. */
export interface LinkWriter {
  /** Whether the lattice's NATS connection is up (writes fail fast while it is not). */
  online(): boolean;
  /** The servers, for error texts. */
  readonly where: string;
  put(key: string, json: string): Promise<void>;
  purge(key: string): Promise<void>;
}

export class KvLinkStore extends MemoryLinkStore {
  /** Bucket key -> link id. Usually `LINKDEF_{id}`; older control clients used random keys. */
  private readonly keyToId = new Map<string, string>();
  /** Link id -> the key its current value came from. */
  private readonly owner = new Map<string, string>();

  constructor(private readonly writer: LinkWriter, private readonly log: Log) {
    super();
  }

  override async put(link: LinkDefinition): Promise<void> {
    const current = this.get(link.id);
    if (current && sameLink(current, link)) return;
    this.assertOnline('stored');
    try {
      await this.writer.put(linkKey(link.id), encodeLink(link));
    } catch (e) {
      throw writeError('store', link, this.writer.where, e);
    }
  }

  override async delete(id: string): Promise<LinkDefinition | undefined> {
    const link = this.get(id);
    if (!link) return undefined;
    this.assertOnline('deleted');
    const keys = [...this.keyToId].filter(([, v]) => v === id).map(([k]) => k);
    try {
      for (const key of keys.length > 0 ? keys : [linkKey(id)]) await this.writer.purge(key);
    } catch (e) {
      throw writeError('delete', link, this.writer.where, e);
    }
    return link;
  }

  /** A `LINKDEF_` entry from the bucket (or our own acknowledged write). */
  applyEntry(key: string, operation: 'PUT' | 'DEL' | 'PURGE', value: Uint8Array): void {
    if (operation !== 'PUT') {
      const id = this.keyToId.get(key);
      if (id === undefined) return;
      this.keyToId.delete(key);
      if (this.owner.get(id) !== key) return;
      this.owner.delete(id);
      // another key may still hold the same link (an old random key and the id key)
      const other = [...this.keyToId].find(([, v]) => v === id);
      if (other) {
        this.owner.set(id, other[0]);
        return;
      }
      this.applyDelete(id);
      return;
    }
    const decoded = decodeLink(value);
    if ('error' in decoded) {
      this.log('warn', `ignoring lattice bucket entry ${key}: it is not a link definition (${decoded.error})`);
      return;
    }
    const link = decoded.ok;
    const previousId = this.keyToId.get(key);
    if (previousId !== undefined && previousId !== link.id) this.applyEntry(key, 'DEL', new Uint8Array(0));
    this.keyToId.set(key, link.id);
    this.owner.set(link.id, key);
    this.apply(link);
  }

  private assertOnline(what: string): void {
    if (this.writer.online()) return;
    throw notStartedError('HOST_UNREACHABLE', `the lattice's NATS server (${this.writer.where}) cannot be reached right now; the link was not ${what}`,
      'try again once NATS is back (this host reconnects by itself and keeps serving local calls meanwhile)');
  }
}

function writeError(what: 'store' | 'delete', link: LinkDefinition, where: string, e: unknown): StratusError {
  if (e instanceof StratusError) return e;
  return new StratusError('HOST_UNREACHABLE', `could not ${what} the link for ${link.actor_id} on ${link.contract_id} (link name '${link.link_name}') in the lattice bucket at ${where}: ${(e as Error).message}`,
    'check that NATS with JetStream is reachable and retry (a write that timed out may still arrive and then shows in `stratus ctl link query`)');
}
