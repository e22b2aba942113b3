// Links persisted in the data directory as a journal (`links.jsonl`): one JSON line per put or
// delete, appended and flushed to disk before the change is applied, so an acknowledged link
// survives a crash or a power cut. Appending keeps a put O(1) however many links there are
// (rewriting one state file per change made deploys of many actors quadratic); the journal is
// compacted into a fresh file once it holds twice the live links. A truncated last line (a crash
// mid-append) is ignored on open, and the file rewritten before anything is appended to it.
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StratusError } from '../../core/errors.js';
import type { LinkDefinition } from '../../core/wire.js';
import { linkDefinitionId } from '../../claims/linkdef-id.js';
import { MemoryLinkStore, sameLink } from './link-store.js';
import { needsCompaction, replayJournal } from '../../core/journal.js';

type Entry = { put: LinkDefinition } | { del: string };

export class FileLinkStore extends MemoryLinkStore {
  private lines = 0;
  /** Lines waiting for the next append, with their writers. */
  private batch: { text: string; done: () => void; fail: (e: Error) => void }[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;

  private constructor(readonly path: string, private file: FileHandle) {
    super();
  }

  /** Opens (or creates) the journal and loads it. */
  static async open(path: string): Promise<FileLinkStore> {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw storeError(path, 'read', e);
    }
    const store = new FileLinkStore(path, await open(path, 'a', 0o600));
    const journal = replayJournal(text,
      (put) => { if (isLink(put)) store.apply({ ...put, id: linkDefinitionId(put.actor_id, put.contract_id, put.link_name) }); },
      (del) => { if (typeof del === 'string') store.applyDelete(del); });
    store.lines = journal.lines;
    if (journal.torn) await store.compact();
    return store;
  }

  override async put(link: LinkDefinition): Promise<void> {
    const current = this.get(link.id);
    if (current && sameLink(current, link)) return;
    await this.append({ put: link });
    this.apply(link);
  }

  override async delete(id: string): Promise<LinkDefinition | undefined> {
    if (!this.get(id)) return undefined;
    await this.append({ del: id });
    return this.applyDelete(id);
  }

  override async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    await this.file.close();
    await super.close();
  }

  /** Appends one entry; changes made in the same turn share one write and one flush. */
  private append(entry: Entry): Promise<void> {
    if (this.closed) return Promise.reject(new StratusError('INTERNAL', `the link store ${this.path} is closed`));
    return new Promise<void>((done, fail) => {
      this.batch.push({ text: JSON.stringify(entry) + '\n', done, fail });
      this.writing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    while (this.batch.length > 0) {
      const batch = this.batch;
      this.batch = [];
      try {
        await this.file.appendFile(batch.map((b) => b.text).join(''));
        await this.file.datasync();
        this.lines += batch.length;
        for (const b of batch) b.done();
      } catch (e) {
        const err = storeError(this.path, 'write', e);
        for (const b of batch) b.fail(err);
      }
    }
    // still inside the write chain: appends that arrive meanwhile wait for the new file
    if (needsCompaction(this.lines, this.size)) await this.compact().catch(() => undefined);
    this.writing = undefined;
    if (this.batch.length > 0) this.writing = this.flush();
  }

  /** Rewrites the journal with only the live links (tmp + rename: never a half-written file). */
  private async compact(): Promise<void> {
    const tmp = `${this.path}.tmp`;
    const out = await open(tmp, 'w', 0o600);
    try {
      const live = this.list();
      await out.writeFile(live.map((l) => JSON.stringify({ put: l }) + '\n').join(''));
      await out.datasync();
    } finally {
      await out.close();
    }
    const old = this.file;
    await rename(tmp, this.path);
    this.file = await open(this.path, 'a', 0o600);
    this.lines = this.size;
    await old.close();
  }
}

function isLink(v: unknown): v is LinkDefinition {
  const l = v as LinkDefinition;
  return typeof l === 'object' && l !== null && typeof l.actor_id === 'string' && typeof l.provider_id === 'string'
    && typeof l.contract_id === 'string' && typeof l.link_name === 'string' && typeof l.values === 'object' && l.values !== null;
}

function storeError(path: string, what: 'read' | 'write', e: unknown): StratusError {
  const code = (e as NodeJS.ErrnoException).code;
  return new StratusError('INTERNAL', `could not ${what} the link store ${path}: ${code ?? (e as Error).message}`,
    code === 'ENOSPC' ? 'free disk space; the link was not stored' : 'check that the data directory is writable; the change was not stored');
}
