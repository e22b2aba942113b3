// Durable host state: what was running and linked, so `stratus up` after a restart (or a crash)
// brings the same actors, providers and links back. Written atomically (tmp + rename) on every
// change, so a crash never leaves a half-written file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { LinkDefinition } from '../host/types.js';
import { StratusError } from '../host/errors.js';

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
}

export interface HostState {
  version: 1;
  /** Server seed (SN...) so the host keeps its id across restarts. */
  hostSeed?: string;
  actors: PersistedActor[];
  providers: PersistedProvider[];
  links: PersistedLink[];
  apps: AppRecord[];
}

export function emptyState(): HostState {
  return { version: 1, actors: [], providers: [], links: [], apps: [] };
}

export class StateStore {
  private state: HostState;

  constructor(readonly file: string) {
    this.state = loadState(file);
  }

  get(): HostState {
    return this.state;
  }

  /** Apply a change and write it out immediately. */
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
    actors: Array.isArray(parsed.actors) ? parsed.actors : [],
    providers: Array.isArray(parsed.providers) ? parsed.providers : [],
    links: Array.isArray(parsed.links) ? parsed.links : [],
    apps: Array.isArray(parsed.apps) ? parsed.apps : [],
  };
}

/** Same link key as wasmCloud: (actor, contract, link name). */
export function sameLink(a: { actor_id: string; contract_id: string; link_name: string },
  b: { actor_id: string; contract_id: string; link_name: string }): boolean {
  return a.actor_id === b.actor_id && a.contract_id === b.contract_id && a.link_name === b.link_name;
}
