// Which providers and links `stratus dev` puts in place for an actor, from its claims alone.
// Pure: no host, no I/O. httpserver listens on the --port; keyvalue gets no values, so it uses the
// embedded durable store (lmdb under $STRATUS_HOME/data); builtins served by the host need nothing.
import { BUILTIN_CATALOG } from '../../providers/builtin-catalog.js';

export interface PlannedLink {
  /** Built-in provider name (httpserver, keyvalue). */
  provider: string;
  contractId: string;
  values: Record<string, string>;
}

export interface LinkPlan {
  links: PlannedLink[];
  /** Claims dev cannot satisfy by itself, said once to the user. */
  notes: string[];
}

export interface PlanOptions {
  /** HTTP port for wasmcloud:httpserver. */
  port: number;
  /** Listen address; default 127.0.0.1 (a dev loop is not for the network). */
  address?: string;
}

/** Providers dev links by itself: their links need no choice beyond the HTTP port. */
const AUTO_LINKED = new Set(['httpserver', 'keyvalue']);

export function planLinks(caps: readonly string[], o: PlanOptions): LinkPlan {
  const links: PlannedLink[] = [];
  const notes: string[] = [];
  for (const cap of [...new Set(caps)]) {
    const p = BUILTIN_CATALOG.find((b) => b.contractId === cap);
    if (p && p.runsAs === 'host') continue;
    if (!p) {
      notes.push(`the actor claims ${cap}, which no built-in provider serves: link a provider yourself with \`stratus ctl link put\``);
      continue;
    }
    if (!AUTO_LINKED.has(p.name)) {
      notes.push(`the actor claims ${cap}, served by the built-in ${p.name} provider, whose link needs values only you can choose (subjects, allowed hosts...): link it with \`stratus ctl link put\``);
      continue;
    }
    const values: Record<string, string> = p.name === 'httpserver' ? { address: `${o.address ?? '127.0.0.1'}:${o.port}` } : {};
    links.push({ provider: p.name, contractId: p.contractId, values });
  }
  return { links, notes };
}

/** The revision the next build is signed with: above what runs, never below stratus.json's. */
export function nextRevision(configured: number, running: number | undefined): number {
  return running === undefined ? configured : Math.max(configured, running + 1);
}

