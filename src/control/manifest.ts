// Application manifests in the spirit of wadm: one YAML file naming the actors, providers and
// links of an app. Parsing and validation are pure; every problem is collected and reported at
// once (with the field path) before anything is started.
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { StratusError } from '../host/errors.js';

export const MANIFEST_API_VERSION = 'stratus.dev/v1';
export const MANIFEST_KIND = 'Application';

export interface ManifestActor {
  /** Name used by links in this manifest. */
  name: string;
  /** Absolute path to a signed .wasm file, or to an actor project directory that gets built. */
  path: string;
  count: number;
}

export interface ManifestProvider {
  /** Built-in provider name: httpserver, keyvalue, ... */
  name: string;
  linkName: string;
}

export interface ManifestLink {
  /** Name of an actor in this manifest. */
  actor: string;
  /** Name of a provider in this manifest. */
  provider: string;
  linkName: string;
  /** Contract id; defaults to the provider's contract. */
  contract?: string;
  values: Record<string, string>;
}

export interface AppManifest {
  name: string;
  actors: ManifestActor[];
  providers: ManifestProvider[];
  links: ManifestLink[];
}

export interface ManifestContext {
  /** Directory relative paths are resolved against (the manifest's directory). */
  baseDir: string;
  /** Known built-in providers: name -> contract id. */
  providers: Record<string, string>;
  /** What exists on disk (injected so this module stays free of I/O). */
  pathKind: (absPath: string) => 'file' | 'dir' | 'missing';
}

const NAME_RE = /^[a-z0-9]([a-z0-9._-]{0,62})$/i;

class Problems {
  readonly list: string[] = [];
  add(where: string, what: string): void {
    this.list.push(`${where}: ${what}`);
  }
}

function checkKeys(p: Problems, where: string, obj: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) p.add(where, `unknown field "${k}" (allowed: ${allowed.join(', ')})`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(p: Problems, where: string, v: unknown, required: boolean): string | undefined {
  if (v === undefined || v === null) {
    if (required) p.add(where, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v.length === 0) {
    p.add(where, `must be a non-empty string, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return v;
}

function list(p: Problems, where: string, v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add(where, 'must be a list');
    return [];
  }
  return v;
}

/** Parse and validate a manifest. Throws one StratusError listing every problem. */
export function parseManifest(text: string, ctx: ManifestContext, source = 'manifest'): AppManifest {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new StratusError('BAD_REQUEST', `${source} is not valid YAML: ${(e as Error).message}`);
  }
  const p = new Problems();
  if (!isObject(doc)) throw new StratusError('BAD_REQUEST', `${source} must be a YAML mapping with apiVersion, kind, metadata and spec`);
  checkKeys(p, 'top level', doc, ['apiVersion', 'kind', 'metadata', 'spec']);
  if (doc.apiVersion !== MANIFEST_API_VERSION) p.add('apiVersion', `must be "${MANIFEST_API_VERSION}", got ${JSON.stringify(doc.apiVersion)}`);
  if (doc.kind !== MANIFEST_KIND) p.add('kind', `must be "${MANIFEST_KIND}", got ${JSON.stringify(doc.kind)}`);

  let name = '';
  if (!isObject(doc.metadata)) p.add('metadata', 'is required and must be a mapping with a name');
  else {
    checkKeys(p, 'metadata', doc.metadata, ['name', 'annotations', 'description']);
    name = str(p, 'metadata.name', doc.metadata.name, true) ?? '';
    if (name && !NAME_RE.test(name)) p.add('metadata.name', `"${name}" must be letters, digits, '.', '_' or '-' (max 63)`);
  }

  const actors: ManifestActor[] = [];
  const providers: ManifestProvider[] = [];
  const links: ManifestLink[] = [];
  if (!isObject(doc.spec)) p.add('spec', 'is required and must be a mapping with actors, providers and links');
  else {
    checkKeys(p, 'spec', doc.spec, ['actors', 'providers', 'links']);
    list(p, 'spec.actors', doc.spec.actors).forEach((a, i) => {
      const where = `spec.actors[${i}]`;
      if (!isObject(a)) return p.add(where, 'must be a mapping with name and path');
      checkKeys(p, where, a, ['name', 'path', 'count']);
      const aname = str(p, `${where}.name`, a.name, true);
      const apath = str(p, `${where}.path`, a.path, true);
      let count = 1;
      if (a.count !== undefined) {
        if (typeof a.count !== 'number' || !Number.isInteger(a.count) || a.count < 1) p.add(`${where}.count`, `must be a whole number >= 1, got ${JSON.stringify(a.count)}`);
        else count = a.count;
      }
      if (!aname || !apath) return;
      if (actors.some((x) => x.name === aname)) p.add(`${where}.name`, `duplicate actor name "${aname}"`);
      const abs = isAbsolute(apath) ? apath : resolve(ctx.baseDir, apath);
      const kind = ctx.pathKind(abs);
      if (kind === 'missing') p.add(`${where}.path`, `${abs} does not exist (give a signed .wasm file or an actor project directory)`);
      else if (kind === 'file' && !abs.endsWith('.wasm')) p.add(`${where}.path`, `${abs} is not a .wasm file`);
      actors.push({ name: aname, path: abs, count });
    });
    list(p, 'spec.providers', doc.spec.providers).forEach((v, i) => {
      const where = `spec.providers[${i}]`;
      if (!isObject(v)) return p.add(where, 'must be a mapping with name (and optional linkName)');
      checkKeys(p, where, v, ['name', 'linkName']);
      const pname = str(p, `${where}.name`, v.name, true);
      const linkName = str(p, `${where}.linkName`, v.linkName, false) ?? 'default';
      if (!pname) return;
      if (!(pname in ctx.providers)) {
        p.add(`${where}.name`, `unknown provider "${pname}" (built-in providers: ${Object.keys(ctx.providers).join(', ')})`);
        return;
      }
      if (providers.some((x) => x.name === pname && x.linkName === linkName)) p.add(where, `provider "${pname}" with link name "${linkName}" is listed twice`);
      providers.push({ name: pname, linkName });
    });
    list(p, 'spec.links', doc.spec.links).forEach((l, i) => {
      const where = `spec.links[${i}]`;
      if (!isObject(l)) return p.add(where, 'must be a mapping with actor and provider');
      checkKeys(p, where, l, ['actor', 'provider', 'linkName', 'contract', 'values']);
      const actor = str(p, `${where}.actor`, l.actor, true);
      const provider = str(p, `${where}.provider`, l.provider, true);
      const linkName = str(p, `${where}.linkName`, l.linkName, false) ?? 'default';
      const contract = str(p, `${where}.contract`, l.contract, false);
      const values: Record<string, string> = {};
      if (l.values !== undefined && l.values !== null) {
        if (!isObject(l.values)) p.add(`${where}.values`, 'must be a mapping of KEY: value');
        else for (const [k, val] of Object.entries(l.values)) {
          if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') values[k] = String(val);
          else p.add(`${where}.values.${k}`, 'must be a string, number or boolean');
        }
      }
      if (actor && !actors.some((a) => a.name === actor)) p.add(`${where}.actor`, `no actor named "${actor}" in spec.actors`);
      if (provider) {
        const prov = providers.find((x) => x.name === provider && x.linkName === linkName);
        if (!prov) p.add(`${where}.provider`, `no provider "${provider}" with link name "${linkName}" in spec.providers`);
        else if (contract && contract !== ctx.providers[provider]) p.add(`${where}.contract`, `provider "${provider}" implements ${ctx.providers[provider]}, not ${contract}`);
      }
      if (actor && provider) {
        const c = contract ?? ctx.providers[provider];
        if (links.some((x) => x.actor === actor && (x.contract ?? ctx.providers[x.provider]) === c && x.linkName === linkName)) {
          p.add(where, `duplicate link for actor "${actor}" on ${c} link name "${linkName}"`);
        }
        links.push({ actor, provider, linkName, contract, values });
      }
    });
  }
  if (p.list.length > 0) {
    throw new StratusError('BAD_REQUEST', `${source} is invalid:\n  - ${p.list.join('\n  - ')}`,
      `see examples/kvcounter/app.yaml for a working manifest`);
  }
  return { name, actors, providers, links };
}

/** Contract of a manifest link (explicit or the provider's). */
export function linkContract(link: ManifestLink, providers: Record<string, string>): string {
  return link.contract ?? providers[link.provider];
}
