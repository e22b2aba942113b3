// The project file `stratus.json`: what to build and which claims to sign it with.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BuildError } from './errors.js';

export const CONFIG_FILE = 'stratus.json';
export const LANGUAGES = ['assemblyscript', 'c'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface ProjectConfig {
  /** Actor name (claims `name`); also the output file stem: build/<name>_s.wasm. */
  name: string;
  /** Human version (claims `ver`). */
  version: string;
  /** Monotonic revision (claims `rev`). */
  revision: number;
  /** Capability contract ids the actor may use (claims `caps`). */
  claims: string[];
  /** Optional call alias other actors can use instead of the public key. */
  call_alias?: string;
  tags?: string[];
  language: Language;
  /** Entry source, relative to the project; default assembly/index.ts (AS) or src/actor.c (C). */
  entry?: string;
  /** Account key name under $STRATUS_HOME/keys used as issuer; default "stratus". */
  issuer?: string;
  /**
   * Module key name under $STRATUS_HOME/keys (`<key>_module.nk`): the actor's identity. `stratus new`
   * writes a unique one; without it the name is used, and only one project directory may own it.
   */
  key?: string;
}

function bad(file: string, what: string, fix: string): BuildError {
  return new BuildError('config', 'INVALID_PROJECT', `${file}: ${what}`, fix);
}

/** Validates a parsed config object, reporting the first problem with a fix. */
export function validateConfig(raw: unknown, file = CONFIG_FILE): ProjectConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(file, 'must contain a JSON object', 'see `stratus new actor --help` for a template');
  const c = raw as Record<string, unknown>;
  if (typeof c.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(c.name)) {
    throw bad(file, `"name" must be letters, digits, "_" or "-" (got ${JSON.stringify(c.name)})`, 'e.g. "name": "kvcounter"');
  }
  const version = c.version === undefined ? '0.1.0' : c.version;
  if (typeof version !== 'string') throw bad(file, '"version" must be a string', 'e.g. "version": "0.1.0"');
  const revision = c.revision === undefined ? 0 : c.revision;
  if (typeof revision !== 'number' || !Number.isInteger(revision) || revision < 0 || revision > 0x7fffffff) {
    throw bad(file, `"revision" must be a whole number ≥ 0 (got ${JSON.stringify(c.revision)})`, 'e.g. "revision": 0');
  }
  const claims = c.claims === undefined ? [] : c.claims;
  if (!Array.isArray(claims) || claims.some((x) => typeof x !== 'string' || !/^[a-z0-9_-]+(:[a-z0-9_-]+)+$/i.test(x))) {
    throw bad(file, '"claims" must be a list of capability contract ids', 'e.g. "claims": ["wasmcloud:httpserver", "wasmcloud:keyvalue"]');
  }
  const language = c.language === undefined ? 'assemblyscript' : c.language;
  if (!LANGUAGES.includes(language as Language)) throw bad(file, `unsupported "language" ${JSON.stringify(language)}`, `use one of: ${LANGUAGES.join(', ')}`);
  if (c.call_alias !== undefined && typeof c.call_alias !== 'string') throw bad(file, '"call_alias" must be a string', 'e.g. "call_alias": "stratus/ponger"');
  if (c.tags !== undefined && (!Array.isArray(c.tags) || c.tags.some((t) => typeof t !== 'string'))) throw bad(file, '"tags" must be a list of strings', 'e.g. "tags": ["demo"]');
  if (c.entry !== undefined && typeof c.entry !== 'string') throw bad(file, '"entry" must be a path', 'e.g. "entry": "assembly/index.ts"');
  if (c.issuer !== undefined && (typeof c.issuer !== 'string' || !/^[A-Za-z0-9._-]+$/.test(c.issuer))) throw bad(file, '"issuer" must be a key name', 'e.g. "issuer": "stratus"');
  if (c.key !== undefined && (typeof c.key !== 'string' || !/^[A-Za-z0-9._-]+$/.test(c.key))) throw bad(file, '"key" must be a key name (letters, digits, ".", "_", "-")', 'e.g. "key": "kvcounter-3f9a01c2"');
  return {
    name: c.name, version, revision, claims: claims as string[], language: language as Language,
    ...(c.call_alias ? { call_alias: c.call_alias as string } : {}),
    ...(c.tags ? { tags: c.tags as string[] } : {}),
    ...(c.entry ? { entry: c.entry as string } : {}),
    ...(c.issuer ? { issuer: c.issuer as string } : {}),
    ...(c.key ? { key: c.key as string } : {}),
  };
}

/** Reads and validates `<dir>/stratus.json`. */
export function loadConfig(dir: string): ProjectConfig {
  const file = join(dir, CONFIG_FILE);
  if (!existsSync(file)) {
    throw new BuildError('config', 'INVALID_PROJECT', `no ${CONFIG_FILE} in ${dir}`, 'run the command inside an actor project, pass --path <dir>, or create one with `stratus new actor <name>`');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw bad(file, `is not valid JSON: ${(e as Error).message}`, 'fix the syntax (trailing commas and comments are not allowed)');
  }
  return validateConfig(raw, file);
}
