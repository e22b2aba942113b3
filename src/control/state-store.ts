// Durable host state: what was running (links have their own store, host/links/), so `stratus up`
// after a restart (or a crash) brings the same actors, providers and links back.
//
// Two files, because they change at different rates:
//  - `host-state.json`: the host seed, providers and apps. Small and rarely changed; rewritten
//    whole (tmp + rename, so a crash never leaves a half-written file).
//  - `host-actors.jsonl`: the actors, a journal with one JSON line per start, scale or stop. An
//    actor change appends one line, O(1) however many actors run: rewriting the whole state
//    (0.8 MB at 3000 actors) on every start made starting N actors quadratic. The journal is
//    compacted (tmp + fsync + rename) once it holds twice the live actors, so its size and the
//    restore stay linear in N. A torn last line (a crash mid-append) is ignored on open; each
//    line is handed to the kernel before the change is acknowledged, so a crash of the process
//    loses nothing acknowledged (like the JSON file before it, no fsync per change: an OS crash
//    may lose the last changes).
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LinkDefinition } from '../core/wire.js';
import { StratusError } from '../core/errors.js';
import { needsCompaction, replayJournal } from '../core/journal.js';

export interface PersistedActor {
  id: string;
  /** The module copy under data/actors/<id>.wasm. */
  file: string;
  /** Where the user's module came from (shown in the inventory). */
  imageRef: string;
  count: number;
}

export interface PersistedProvider {
  name: string;
  linkName: string;
  /** Start configuration (HostData.config_json of a provider process), given again on restore. */
  config?: string;
}

export type PersistedLink = Omit<LinkDefinition, 'id'>;

export interface AppRecord {
  name: string;
  /** Absolute path of the manifest it was deployed from. */
  manifestPath: string;
  deployedAt: string;
  actors: string[];
  providers: { id: string; name: string; linkName: string }[];
  links: { actor_id: string; contract_id: string; link_name: string }[];
  /** Set when the deploy failed part-way (what is listed above was created). */
  error?: string;
  /**
   * What this app started itself (the lists above also hold what it found running and used). Only
   * these are stopped when it is undeployed, and only when no other app still uses them (then the
   * ownership passes to that app). Absent in records written before: everything counts as started.
   */
  started?: { actors: string[]; providers: { id: string; linkName: string }[]; links: { actor_id: string; contract_id: string; link_name: string }[] };
  /** Instance counts of actors that ran before the app scaled them: restored on undeploy. */
  priorCounts?: Record<string, number>;
  /** The manifest as deployed (`stratus app get`), its format, and what deploying it did. */
  manifestText?: string;
  format?: 'stratus' | 'wadm';
  changes?: { kind: string; action: string; what: string; detail?: string }[];
  notes?: string[];
  warnings?: string[];
}

export interface HostState {
  version: 1;
  /** Server seed (SN...) so the host keeps its id across restarts. */
  hostSeed?: string;
  /** Only in state files written before actors had their journal (host-actors.jsonl): moved there
   *  once, then dropped. The live actors are StateStore.actors(). */
  actors?: PersistedActor[];
  providers: PersistedProvider[];
  /** Only in state files written before links had their own store (data/links.jsonl): read once, then dropped. */
  links?: PersistedLink[];
  apps: AppRecord[];
}

export function emptyState(): HostState {
  return { version: 1, providers: [], apps: [] };
}


export class StateStore {
  private state: HostState;
  private readonly actorsById = new Map<string, PersistedActor>();
  /** The actor journal, next to the state file. */
  readonly actorsFile: string;
  private fd: number | undefined;
  private lines = 0;

  constructor(readonly file: string) {
    this.state = loadState(file);
    this.actorsFile = join(dirname(file), 'host-actors.jsonl');
    const journal = loadActorJournal(this.actorsFile, this.actorsById);
    this.lines = journal.lines;
    const legacy = this.state.actors;
    // A torn last line (a crash mid-append) would swallow the next append: start a clean file.
    if (journal.torn) this.compact();
    if (legacy && legacy.length > 0) {
      // an older state file: its actors move into the journal, then leave the JSON file
      for (const a of legacy) if (isPersistedActor(a) && !this.actorsById.has(a.id)) this.actorsById.set(a.id, a);
      this.compact();
    }
    if (legacy) {
      delete this.state.actors;
      if (legacy.length > 0) this.flush();
    }
  }

  get(): HostState {
    return this.state;
  }

  /** Apply a change to the seed, providers or apps and write the state file. */
  update(change: (s: HostState) => void): void {
    change(this.state);
    this.flush();
  }

  flush(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  // ---- actors (the journal) -------------------------------------------------------------------

  /** The actors to restore, in the order they were first started. */
  actors(): PersistedActor[] {
    return [...this.actorsById.values()];
  }

  actor(id: string): PersistedActor | undefined {
    return this.actorsById.get(id);
  }

  /** Record a started (or scaled, or updated) actor: one appended line. */
  putActor(a: PersistedActor): void {
    const rec = { id: a.id, file: a.file, imageRef: a.imageRef, count: a.count };
    const cur = this.actorsById.get(a.id);
    if (cur && cur.file === rec.file && cur.imageRef === rec.imageRef && cur.count === rec.count) return;
    this.append({ put: rec });
    this.actorsById.set(a.id, rec);
    this.compactIfLong();
  }

  removeActor(id: string): void {
    if (!this.actorsById.has(id)) return;
    this.append({ del: id });
    this.actorsById.delete(id);
    this.compactIfLong();
  }

  /** Forget every saved actor (`stratus up --clean`): the journal is rewritten empty. */
  clearActors(): void {
    this.actorsById.clear();
    this.compact();
  }

  /** Close the journal (a host that stops); a later change opens it again. */
  close(): void {
    if (this.fd === undefined) return;
    try { fsyncSync(this.fd); } catch { /* best effort at shutdown */ }
    closeSync(this.fd);
    this.fd = undefined;
  }

  /** One line, one write(2) on an O_APPEND descriptor, before the change is applied in memory. */
  private append(entry: { put: PersistedActor } | { del: string }): void {
    try {
      if (this.fd === undefined) {
        mkdirSync(dirname(this.actorsFile), { recursive: true, mode: 0o700 });
        this.fd = openSync(this.actorsFile, 'a', 0o600);
      }
      writeSync(this.fd, JSON.stringify(entry) + '\n');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new StratusError('INTERNAL', `could not write the actor journal ${this.actorsFile}: ${code ?? (e as Error).message}`,
        code === 'ENOSPC' ? 'free disk space; the change was not recorded' : 'check that the data directory is writable; the change was not recorded');
    }
    this.lines++;
  }

  /** After a change is applied in memory (compaction writes what is in memory). */
  private compactIfLong(): void {
    if (needsCompaction(this.lines, this.actorsById.size)) this.compact();
  }

  /** Rewrite the journal with only the live actors (tmp + fsync + rename: never a half-written file). */
  private compact(): void {
    mkdirSync(dirname(this.actorsFile), { recursive: true, mode: 0o700 });
    const tmp = `${this.actorsFile}.${process.pid}.tmp`;
    const out = openSync(tmp, 'w', 0o600);
    try {
      let text = '';
      for (const a of this.actorsById.values()) text += JSON.stringify({ put: a }) + '\n';
      writeSync(out, text);
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
    this.close();
    renameSync(tmp, this.actorsFile);
    this.lines = this.actorsById.size;
  }
}

/** Replays the journal into `into`: how many entries it held, and whether its end is torn (no
 *  final newline: a crash mid-append). Torn or foreign lines are skipped. */
export function loadActorJournal(file: string, into: Map<string, PersistedActor>): { lines: number; torn: boolean } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { lines: 0, torn: false };
    throw new StratusError('INTERNAL', `could not read the actor journal ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      'check the permissions of the data directory');
  }
  return replayJournal(text,
    // a put of a known actor keeps its place: restore starts actors in first-start order
    (put) => { if (isPersistedActor(put)) into.set(put.id, put); },
    (del) => { if (typeof del === 'string') into.delete(del); });
}

function isPersistedActor(v: unknown): v is PersistedActor {
  const a = v as PersistedActor;
  return typeof a === 'object' && a !== null && typeof a.id === 'string' && typeof a.file === 'string'
    && typeof a.imageRef === 'string' && Number.isInteger(a.count) && a.count >= 1;
}

export function loadState(file: string): HostState {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
    throw e;
  }
  let parsed: Partial<HostState>;
  try {
    parsed = JSON.parse(text) as Partial<HostState>;
  } catch (e) {
    throw new StratusError('INTERNAL', `host state file ${file} is not valid JSON (${(e as Error).message})`,
      'fix or delete the file; deleting it forgets links, actors and providers (keyvalue data is kept)');
  }
  const s = emptyState();
  return {
    ...s,
    hostSeed: typeof parsed.hostSeed === 'string' ? parsed.hostSeed : undefined,
    ...(Array.isArray(parsed.actors) ? { actors: parsed.actors } : {}),
    providers: Array.isArray(parsed.providers) ? parsed.providers : [],
    ...(Array.isArray(parsed.links) && parsed.links.length > 0 ? { links: parsed.links } : {}),
    apps: Array.isArray(parsed.apps) ? parsed.apps : [],
  };
}

/** Same link key as wasmCloud: (actor, contract, link name). */
export function sameLink(a: { actor_id: string; contract_id: string; link_name: string },
  b: { actor_id: string; contract_id: string; link_name: string }): boolean {
  return a.actor_id === b.actor_id && a.contract_id === b.contract_id && a.link_name === b.link_name;
}
