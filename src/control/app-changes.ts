// What `stratus app deploy` / `undeploy` did (or, with --dry-run, would do), and who owns what.
// An app owns only what it started; something started by hand stays when the app goes; something
// two apps use stays until the last of them goes (ownership passes on). Pure.
import { BUILTINS } from '../core/contracts.js';
import type { AppManifest } from './manifest.js';
import type { AppRecord } from './state-store.js';
import { sameLink } from './state-store.js';

export type ChangeAction =
  | 'built' | 'started' | 'scaled' | 'replaced' | 'put' | 'updated'   // made or changed
  | 'kept'                                                             // already as wanted: left alone
  | 'removed' | 'restored' | 'left';                                   // on the way out

export interface AppChange {
  kind: 'project' | 'actor' | 'provider' | 'link';
  action: ChangeAction;
  /** `actor kvcounter (MB...)`, `provider httpserver (VB..., link name default)`, ... */
  what: string;
  detail?: string;
}

export type LinkKey = { actor_id: string; contract_id: string; link_name: string };
export type Started = NonNullable<AppRecord['started']>;

/** What an app started; records from before ownership was kept count everything as started. */
export function startedBy(app: AppRecord): Started {
  return app.started ?? {
    actors: [...app.actors],
    providers: app.providers.map((p) => ({ id: p.id, linkName: p.linkName })),
    links: [...app.links],
  };
}

export const ownsActor = (s: Started, id: string) => s.actors.includes(id);
export const ownsProvider = (s: Started, id: string, linkName: string) => s.providers.some((p) => p.id === id && p.linkName === linkName);
export const ownsLink = (s: Started, l: LinkKey) => s.links.some((x) => sameLink(x, l));

/** Who else uses a part, for "left: still used by app ..." */
export function usersOf(apps: AppRecord[], part: { actor?: string; provider?: { id: string; linkName: string }; link?: LinkKey }): AppRecord[] {
  return apps.filter((a) =>
    (part.actor !== undefined && a.actors.includes(part.actor))
    || (part.provider !== undefined && a.providers.some((p) => p.id === part.provider!.id && p.linkName === part.provider!.linkName))
    || (part.link !== undefined && a.links.some((l) => sameLink(l, part.link!))));
}

/**
 * Warnings for actors whose claims name a provider contract the manifest links them to nowhere:
 * every call they make on it would be denied. The host's own builtins need no link.
 */
export function missingLinkWarnings(m: AppManifest, capsByActor: Map<string, string[]>, contracts: Record<string, string>): string[] {
  const out: string[] = [];
  for (const a of m.actors) {
    const caps = capsByActor.get(a.name);
    if (!caps) continue;
    for (const c of caps) {
      if (BUILTINS.includes(c)) continue;
      const linked = m.links.some((l) => l.actor === a.name && (l.contract ?? contracts[l.provider]) === c);
      if (linked) continue;
      const provider = Object.entries(contracts).find(([, id]) => id === c)?.[0];
      out.push(`actor "${a.name}" claims ${c} but the manifest links it to no provider for it, so its ${c} calls will be denied`
        + (provider ? m.format === 'wadm'
          ? ` (add a capability component for ${provider} and a linkdef trait on "${a.name}" targeting it)`
          : ` (add provider ${provider} and a link from "${a.name}" to it)` : ''));
    }
  }
  return out;
}

const VERB: Record<ChangeAction, [done: string, planned: string]> = {
  built: ['built', 'would build'],
  started: ['started', 'would start'],
  scaled: ['scaled', 'would scale'],
  replaced: ['replaced', 'would replace'],
  put: ['put', 'would put'],
  updated: ['updated', 'would update'],
  kept: ['left alone', 'would leave alone'],
  removed: ['removed', 'would remove'],
  restored: ['restored', 'would restore'],
  left: ['left running', 'would leave running'],
};

/** One line per change, `  started  provider httpserver (...)  — detail`. */
export function describeChanges(changes: AppChange[], dryRun: boolean): string[] {
  const verbs = changes.map((c) => VERB[c.action][dryRun ? 1 : 0]);
  const width = Math.max(0, ...verbs.map((v) => v.length));
  return changes.map((c, i) => `  ${verbs[i]!.padEnd(width)}  ${c.what}${c.detail ? ` — ${c.detail}` : ''}`);
}

export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 10)}…` : id;
}
