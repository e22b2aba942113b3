// `stratus app validate`: a manifest checked without a host, against the built-in providers this
// Stratus has, with the claims of the actors it can read (a .wasm file, or a project's built
// module or stratus.json) so a missing link is a warning before anything is deployed.
import { readFile, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readActorClaims } from '../claims/verify.js';
import { BUILTIN_CATALOG } from '../providers/builtin-catalog.js';
import { loadConfig } from '../toolchain/config.js';
import { checkManifest, type AppManifest } from './manifest.js';
import type { ManifestProblem } from './manifest-problems.js';
import { missingLinkWarnings } from './app-changes.js';
import { buildState } from './build-cache.js';

export interface ValidationReport {
  valid: boolean;
  file: string;
  name?: string;
  format?: AppManifest['format'];
  summary?: string;
  problems: ManifestProblem[];
  warnings: ManifestProblem[];
  notes: string[];
}

export function builtinContracts(): Record<string, string> {
  return Object.fromEntries(BUILTIN_CATALOG.filter((p) => p.load).map((p) => [p.name, p.contractId]));
}

/** A stat never waits on what the path names (unlike a read of a FIFO), so it may stay synchronous. */
export function pathKind(p: string): 'file' | 'dir' | 'missing' | 'other' {
  try {
    const s = statSync(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

/** The capabilities an actor claims, when they can be read without building or pulling. */
async function claimedCaps(path: string): Promise<string[] | undefined> {
  try {
    if (pathKind(path) === 'dir') {
      const b = await buildState(path);
      if (!b.exists || !b.fresh) return loadConfig(path).claims;
      path = b.wasmPath;
    }
    if (!(await stat(path)).isFile()) return undefined;
    return readActorClaims(new Uint8Array(await readFile(path)))?.claims.wascap.caps ?? undefined;
  } catch {
    return undefined; // an OCI reference, an unreadable project: nothing to say here
  }
}

export async function validateManifestFile(abs: string, text: string): Promise<ValidationReport> {
  const contracts = builtinContracts();
  const r = checkManifest(text, { baseDir: resolve(abs, '..'), providers: contracts, pathKind }, `manifest ${abs}`);
  const m = r.manifest;
  const warnings = [...r.warnings];
  if (m && r.problems.length === 0) {
    const caps = new Map<string, string[]>();
    for (const a of m.actors) {
      const c = await claimedCaps(a.path);
      if (c) caps.set(a.name, c);
    }
    for (const w of missingLinkWarnings(m, caps, contracts)) warnings.push({ where: 'top level', what: w });
  }
  return {
    valid: r.problems.length === 0 && m !== undefined,
    file: abs,
    ...(m ? { name: m.name, format: m.format, summary: `${m.actors.length} actor(s), ${m.providers.length} provider(s), ${m.links.length} link(s)` } : {}),
    problems: r.problems,
    warnings,
    notes: m?.notes ?? [],
  };
}
