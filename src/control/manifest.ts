// Application manifests: Stratus's own `stratus.dev/v1` format (one YAML file naming the actors,
// providers and links of an app) and wadm's `core.oam.dev/v1beta1` Applications (wadm/), both
// read into one AppManifest. Parsing and validation are pure; every problem is collected and
// reported at once (line, field path, a suggestion) before anything is started.
import { isAbsolute, resolve } from 'node:path';
import { StratusError } from '../core/errors.js';
import { formatProblem, LocatedYaml, Problems, type ManifestProblem } from './manifest-problems.js';
import { nearest } from '../host/links/link-input.js';
import { parseWadm } from './wadm/parse.js';

export const MANIFEST_API_VERSION = 'stratus.dev/v1';
export const MANIFEST_KIND = 'Application';
/** wadm's Application manifests (wasmCloud 0.x, OAM). */
export const WADM_API_VERSION = 'core.oam.dev/v1beta1';
export const API_VERSIONS = [MANIFEST_API_VERSION, WADM_API_VERSION] as const;

export interface ManifestActor {
  /** Name used by links in this manifest. */
  name: string;
  /** Absolute path to a signed .wasm file, or to an actor project directory that gets built. */
  path: string;
  count: number;
  /** Labels the host must have, in lattice mode (`stratus app deploy` with lattice flags: auctions). */
  constraints?: Record<string, string>;
  /** wadm spreadscaler: where the instances go (count is their sum); see wadm/spread.ts. */
  spread?: SpreadShare[];
}

/** One entry of a wadm spread with the instances it gets. */
export interface SpreadShare {
  name: string;
  /** Labels a host must have for these instances. */
  requirements: Record<string, string>;
  count: number;
}

export interface ManifestProvider {
  /** Built-in provider name: httpserver, keyvalue, ... */
  name: string;
  linkName: string;
  /** Labels the host must have, in lattice mode. */
  constraints?: Record<string, string>;
  /** wadm: where the provider may run (the first share whose requirements a host meets). */
  spread?: SpreadShare[];
  /** wadm: the component's name and image, for output ("runs on the built-in httpserver"). */
  component?: string;
  image?: string;
  /** wadm: a provider archive (an absolute .par.gz path or an OCI reference, in `name`) and the contract it serves. */
  archive?: { contract: string; config?: string };
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
  /** Which format it was written in. */
  format: 'stratus' | 'wadm';
  /** What a reader should know about how it maps onto Stratus (built-in providers for images). */
  notes: string[];
}

/** Everything found in a manifest, without throwing (`stratus app validate`). */
export interface ManifestCheck {
  manifest?: AppManifest;
  problems: ManifestProblem[];
  warnings: ManifestProblem[];
}

export interface ManifestContext {
  /** Directory relative paths are resolved against (the manifest's directory). */
  baseDir: string;
  /** Known built-in providers: name -> contract id. */
  providers: Record<string, string>;
  /** What exists on disk (injected so this module stays free of I/O). */
  pathKind: (absPath: string) => 'file' | 'dir' | 'missing' | 'other';
}

const NAME_RE = /^[a-z0-9]([a-z0-9._-]{0,62})$/i;

function checkKeys(p: Problems, where: string, obj: Record<string, unknown>, allowed: string[]): void {
  p.checkKeys(where, obj, allowed);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(p: Problems, where: string, v: unknown, required: boolean): string | undefined {
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

/** An optional mapping of label: value (numbers and booleans as text, like link values). */
export function labels(p: Problems, where: string, v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) {
    p.add(where, 'must be a mapping of label: value');
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean') out[k] = String(val);
    else p.add(`${where}.${k}`, 'must be a string, number or boolean');
  }
  return out;
}

export function list(p: Problems, where: string, v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add(where, 'must be a list');
    return [];
  }
  return v;
}

/** Parse and validate a manifest. Throws one StratusError listing every problem (with lines). */
export function parseManifest(text: string, ctx: ManifestContext, source = 'manifest'): AppManifest {
  const r = checkManifest(text, ctx, source);
  if (!r.manifest || r.problems.length > 0) {
    throw new StratusError('INVALID_MANIFEST', `${source} is invalid:\n  - ${r.problems.map(formatProblem).join('\n  - ')}`,
      r.manifest?.format === 'wadm' || isWadmText(text) ? `see docs/app-manifests.md and examples/kvcounter/wadm.yaml for a working wadm manifest`
        : `see examples/kvcounter/app.yaml for a working manifest`);
  }
  return r.manifest;
}

function isWadmText(text: string): boolean {
  return text.includes(WADM_API_VERSION);
}

/** Every problem and warning of a manifest, with line numbers; `manifest` is set when it could be read at all. */
export function checkManifest(text: string, ctx: ManifestContext, source = 'manifest'): ManifestCheck {
  const yaml = new LocatedYaml(text);
  const syntax = yaml.syntaxErrors();
  if (syntax.length > 0) {
    return { problems: [{ where: 'top level', what: `${source} is not valid YAML: ${syntax.join('; ')}` }], warnings: [] };
  }
  const doc: unknown = yaml.doc.toJS({ maxAliasCount: 100 });
  if (!isObject(doc)) {
    return { problems: [{ where: 'top level', what: `${source} must be a YAML mapping with apiVersion, kind, metadata and spec` }], warnings: [] };
  }
  const p = new Problems();
  const manifest = doc.apiVersion === WADM_API_VERSION ? parseWadm(doc, ctx, p) : parseStratus(doc, ctx, p);
  p.locate(yaml);
  return { manifest, problems: p.list, warnings: p.warnings };
}

/** Kind and metadata, shared by both formats. Returns the app name ('' when missing). */
export function checkHeader(p: Problems, doc: Record<string, unknown>, metadataKeys: string[]): string {
  if (!(API_VERSIONS as readonly string[]).includes(doc.apiVersion as string)) {
    const near = typeof doc.apiVersion === 'string' ? nearest(doc.apiVersion, API_VERSIONS) : undefined;
    p.add('apiVersion', `must be "${MANIFEST_API_VERSION}" (Stratus) or "${WADM_API_VERSION}" (wadm), got ${JSON.stringify(doc.apiVersion)}${near ? `; did you mean "${near}"?` : ''}`);
  }
  if (doc.kind !== MANIFEST_KIND) p.add('kind', `must be "${MANIFEST_KIND}", got ${JSON.stringify(doc.kind)}`);
  let name = '';
  if (!isObject(doc.metadata)) p.add('metadata', 'is required and must be a mapping with a name');
  else {
    checkKeys(p, 'metadata', doc.metadata, metadataKeys);
    name = str(p, 'metadata.name', doc.metadata.name, true) ?? '';
    if (name && !NAME_RE.test(name)) p.add('metadata.name', `"${name}" must be letters, digits, '.', '_' or '-' (max 63)`);
  }
  return name;
}

function parseStratus(doc: Record<string, unknown>, ctx: ManifestContext, p: Problems): AppManifest {
  checkKeys(p, 'top level', doc, ['apiVersion', 'kind', 'metadata', 'spec']);
  const name = checkHeader(p, doc, ['name', 'annotations', 'description']);

  const actors: ManifestActor[] = [];
  const providers: ManifestProvider[] = [];
  const links: ManifestLink[] = [];
  if (!isObject(doc.spec)) p.add('spec', 'is required and must be a mapping with actors, providers and links');
  else {
    checkKeys(p, 'spec', doc.spec, ['actors', 'providers', 'links']);
    list(p, 'spec.actors', doc.spec.actors).forEach((a, i) => {
      const where = `spec.actors[${i}]`;
      if (!isObject(a)) return p.add(where, 'must be a mapping with name and path');
      checkKeys(p, where, a, ['name', 'path', 'count', 'constraints']);
      const constraints = labels(p, `${where}.constraints`, a.constraints);
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
      else if (kind === 'other') p.add(`${where}.path`, `${abs} is not a regular file or a directory (give a signed .wasm file or an actor project directory)`);
      else if (kind === 'file' && !abs.endsWith('.wasm')) p.add(`${where}.path`, `${abs} is not a .wasm file`);
      actors.push({ name: aname, path: abs, count, ...(constraints ? { constraints } : {}) });
    });
    list(p, 'spec.providers', doc.spec.providers).forEach((v, i) => {
      const where = `spec.providers[${i}]`;
      if (!isObject(v)) return p.add(where, 'must be a mapping with name (and optional linkName)');
      checkKeys(p, where, v, ['name', 'linkName', 'constraints']);
      const constraints = labels(p, `${where}.constraints`, v.constraints);
      const pname = str(p, `${where}.name`, v.name, true);
      const linkName = str(p, `${where}.linkName`, v.linkName, false) ?? 'default';
      if (!pname) return;
      if (!(pname in ctx.providers)) {
        const near = nearest(pname, Object.keys(ctx.providers));
        p.add(`${where}.name`, `unknown provider "${pname}"${near ? `; did you mean "${near}"?` : ''} (built-in providers: ${Object.keys(ctx.providers).join(', ')})`);
        return;
      }
      if (providers.some((x) => x.name === pname && x.linkName === linkName)) p.add(where, `provider "${pname}" with link name "${linkName}" is listed twice`);
      providers.push({ name: pname, linkName, ...(constraints ? { constraints } : {}) });
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
      if (actor && !actors.some((a) => a.name === actor)) {
        const near = nearest(actor, actors.map((a) => a.name));
        p.add(`${where}.actor`, `no actor named "${actor}" in spec.actors${near ? `; did you mean "${near}"?` : ''}`);
      }
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
  return { name, actors, providers, links, format: 'stratus', notes: [] };
}

/** Contract of a manifest link (explicit or the provider's). */
export function linkContract(link: ManifestLink, providers: Record<string, string>): string {
  return link.contract ?? providers[link.provider];
}
