// wadm's `core.oam.dev/v1beta1` Application manifests (wasmCloud 0.x), read into Stratus's
// AppManifest: `actor` components (image: an OCI reference, a file:// module, or a path), `capability`
// components (wasmCloud's published provider images run on the built-in provider for their
// contract), `linkdef` traits on actors, and `spreadscaler` / `daemonscaler` traits (replicas split
// over spread entries by weight, with label requirements). Pure: paths are checked through the
// context, and the result says in `notes` how each image maps onto Stratus.
import { isAbsolute, resolve } from 'node:path';
import { parseReference } from '../../oci/reference.js';
import {
  checkHeader, isObject, labels, list, str,
  type AppManifest, type ManifestActor, type ManifestContext, type ManifestLink, type ManifestProvider, type SpreadShare,
} from '../manifest.js';
import type { Problems } from '../manifest-problems.js';
import { nearest } from '../../host/links/link-input.js';
import { publishedProvider, PUBLISHED_EXAMPLES } from './images.js';
import { splitReplicas, type SpreadEntry } from './spread.js';

const COMPONENT_TYPES = ['actor', 'capability', 'provider'] as const;
const TRAIT_TYPES = ['spreadscaler', 'daemonscaler', 'linkdef'] as const;
const DEFAULT_WEIGHT = 100;

interface PendingLink { where: string; actor: string; target: string; values: Record<string, string> }

export function parseWadm(doc: Record<string, unknown>, ctx: ManifestContext, p: Problems): AppManifest {
  p.checkKeys('top level', doc, ['apiVersion', 'kind', 'metadata', 'spec']);
  const name = checkHeader(p, doc, ['name', 'annotations', 'labels']);
  const actors: ManifestActor[] = [];
  const providers: (ManifestProvider & { where: string })[] = [];
  const pending: PendingLink[] = [];
  const notes: string[] = [];
  const names = new Set<string>();

  if (!isObject(doc.spec)) p.add('spec', 'is required and must be a mapping with components');
  else {
    p.checkKeys('spec', doc.spec, ['components']);
    if (doc.spec.components === undefined) p.add('spec.components', 'is required: a list of actor and capability components');
    list(p, 'spec.components', doc.spec.components).forEach((c, i) => {
      const where = `spec.components[${i}]`;
      if (!isObject(c)) return p.add(where, 'must be a mapping with name, type and properties');
      p.checkKeys(where, c, ['name', 'type', 'properties', 'traits']);
      const cname = str(p, `${where}.name`, c.name, true);
      if (cname) {
        if (names.has(cname)) p.add(`${where}.name`, `duplicate component name "${cname}"`);
        names.add(cname);
      }
      const type = componentType(p, `${where}.type`, c.type);
      if (!isObject(c.properties)) {
        p.add(`${where}.properties`, type === 'actor' ? 'is required: a mapping with image' : 'is required: a mapping with image and contract');
        return;
      }
      const traits = parseTraits(p, where, c.traits, type);
      if (!cname || !type) return;
      if (type === 'actor') {
        const a = parseActor(p, `${where}.properties`, c.properties, ctx);
        if (!a) return;
        const { count, spread } = scale(p, where, cname, traits.scaler);
        actors.push({ name: cname, path: a, count, spread });
        for (const l of traits.links) pending.push({ ...l, actor: cname });
      } else {
        const prov = parseCapability(p, `${where}.properties`, c.properties, ctx, cname, notes);
        if (!prov) return;
        const { spread } = scale(p, where, cname, traits.scaler);
        if (traits.scaler && spread.reduce((n, s) => n + s.count, 0) > 1) {
          p.warn(`${where}.traits`, `a built-in provider runs once per host and link name; replicas above 1 mean one instance on each of that many hosts`);
        }
        if (providers.some((x) => x.name === prov.name && x.linkName === prov.linkName)) {
          p.add(`${where}.properties`, `another component already runs the ${prov.archive ? 'provider archive' : 'built-in'} ${prov.name} provider with link name "${prov.linkName}"; give this one another link_name`);
        }
        providers.push({ ...prov, spread, where });
      }
    });
  }

  const links: ManifestLink[] = [];
  for (const l of pending) {
    const prov = providers.find((x) => x.component === l.target);
    if (!prov) {
      const isActor = actors.some((a) => a.name === l.target);
      const near = nearest(l.target, providers.map((x) => x.component!));
      p.add(`${l.where}.target`, isActor
        ? `"${l.target}" is an actor: actors call each other without link definitions; a linkdef targets a capability component`
        : `no capability component named "${l.target}"${near ? `; did you mean "${near}"?` : ''}${providers.length ? ` (capability components: ${providers.map((x) => x.component).join(', ')})` : ''}`);
      continue;
    }
    const contract = prov.archive?.contract ?? ctx.providers[prov.name]!;
    if (links.some((x) => x.actor === l.actor && x.provider === prov.name && x.linkName === prov.linkName)) {
      p.add(l.where, `actor "${l.actor}" already has a linkdef on ${contract} link name "${prov.linkName}"`);
      continue;
    }
    const defaults = publishedProvider(prov.image ?? '')?.linkDefaults?.(l.values) ?? {};
    links.push({ actor: l.actor, provider: prov.name, linkName: prov.linkName, contract: prov.archive?.contract, values: { ...defaults, ...l.values } });
  }
  return { name, actors, providers: providers.map(({ where: _w, ...x }) => x), links, format: 'wadm', notes };
}

function componentType(p: Problems, where: string, v: unknown): (typeof COMPONENT_TYPES)[number] | undefined {
  const t = str(p, where, v, true);
  if (!t) return undefined;
  if ((COMPONENT_TYPES as readonly string[]).includes(t)) return t as (typeof COMPONENT_TYPES)[number];
  if (t === 'component') {
    p.add(where, '"component" is wasmCloud 1.0\'s WebAssembly component type; Stratus runs wasmCloud 0.x actors: use type "actor"');
    return undefined;
  }
  const near = nearest(t, COMPONENT_TYPES);
  p.add(where, `unknown component type "${t}"${near ? `; did you mean "${near}"?` : ''} (types: actor, capability)`);
  return undefined;
}

interface Scaler { where: string; kind: 'spreadscaler' | 'daemonscaler'; replicas: number; spread: SpreadEntry[] }
interface Traits { scaler?: Scaler; links: Omit<PendingLink, 'actor'>[] }

function parseTraits(p: Problems, where: string, v: unknown, type: string | undefined): Traits {
  const out: Traits = { links: [] };
  list(p, `${where}.traits`, v).forEach((t, i) => {
    const tw = `${where}.traits[${i}]`;
    if (!isObject(t)) return p.add(tw, 'must be a mapping with type and properties');
    p.checkKeys(tw, t, ['type', 'properties']);
    const ttype = str(p, `${tw}.type`, t.type, true);
    if (!ttype) return;
    if (!(TRAIT_TYPES as readonly string[]).includes(ttype)) {
      const near = nearest(ttype, TRAIT_TYPES);
      return p.add(`${tw}.type`, `unknown trait type "${ttype}"${near ? `; did you mean "${near}"?` : ''} (traits: ${TRAIT_TYPES.join(', ')})`);
    }
    if (!isObject(t.properties)) {
      return p.add(`${tw}.properties`, ttype === 'linkdef' ? 'is required: a mapping with target (and values)' : 'is required: a mapping with replicas (and spread)');
    }
    const props = t.properties;
    if (ttype === 'linkdef') {
      if (type === 'capability' || type === 'provider') {
        return p.add(`${tw}.type`, 'linkdef traits belong on the actor that uses the provider, not on the capability component');
      }
      p.checkKeys(`${tw}.properties`, props, ['target', 'values']);
      const target = str(p, `${tw}.properties.target`, props.target, true);
      const values = labels(p, `${tw}.properties.values`, props.values) ?? {};
      if (target) out.links.push({ where: `${tw}.properties`, target, values });
      return;
    }
    if (out.scaler) return p.add(`${tw}.type`, `a component takes one scaler trait; ${out.scaler.where} is already a ${out.scaler.kind}`);
    p.checkKeys(`${tw}.properties`, props, ['replicas', 'instances', 'spread']);
    // wadm's first releases called it `instances`; both are accepted, as wadm does.
    const raw = props.replicas ?? props.instances;
    let replicas = 1;
    const misspelt = Object.keys(props).some((k) => k !== 'replicas' && k !== 'instances' && nearest(k, ['replicas', 'instances']));
    if (raw === undefined) { if (!misspelt) p.add(`${tw}.properties.replicas`, 'is required: how many instances to run'); }
    else if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 1000) {
      p.add(`${tw}.properties.${props.replicas !== undefined ? 'replicas' : 'instances'}`, `must be a whole number from 1 to 1000, got ${JSON.stringify(raw)} (to remove everything, run \`stratus app undeploy\`)`);
    } else replicas = raw;
    const spread: SpreadEntry[] = [];
    list(p, `${tw}.properties.spread`, props.spread).forEach((s, j) => {
      const sw = `${tw}.properties.spread[${j}]`;
      if (!isObject(s)) return p.add(sw, 'must be a mapping with name, requirements and weight');
      p.checkKeys(sw, s, ['name', 'requirements', 'weight']);
      const sname = str(p, `${sw}.name`, s.name, true) ?? `spread${j}`;
      const requirements = labels(p, `${sw}.requirements`, s.requirements) ?? {};
      let weight = DEFAULT_WEIGHT;
      if (s.weight !== undefined) {
        if (typeof s.weight !== 'number' || !Number.isInteger(s.weight) || s.weight < 0) p.add(`${sw}.weight`, `must be a whole number >= 0, got ${JSON.stringify(s.weight)}`);
        else weight = s.weight;
      }
      spread.push({ name: sname, requirements, weight });
    });
    if (spread.length > 0 && spread.every((s) => s.weight === 0)) p.add(`${tw}.properties.spread`, 'every entry has weight 0, so no instance would run anywhere');
    out.scaler = { where: tw, kind: ttype as Scaler['kind'], replicas, spread };
  });
  return out;
}

function scale(p: Problems, where: string, cname: string, scaler: Scaler | undefined): { count: number; spread: SpreadShare[] } {
  if (!scaler) {
    p.warn(`${where}.traits`, `component "${cname}" has no spreadscaler; wadm would not run it, Stratus runs one instance`);
    return { count: 1, spread: splitReplicas(1, []) };
  }
  // daemonscaler: `replicas` on every matching host; one host per entry here (each entry's requirements)
  const spread = scaler.kind === 'daemonscaler'
    ? (scaler.spread.length ? scaler.spread : [{ name: 'default', requirements: {}, weight: DEFAULT_WEIGHT }]).map((s) => ({ name: s.name, requirements: s.requirements, count: scaler.replicas }))
    : splitReplicas(scaler.replicas, scaler.spread);
  return { count: spread.reduce((n, s) => n + s.count, 0), spread };
}

/**
 * A capability image that is neither built in nor published: a provider archive, pulled from its
 * registry (OCI reference) or read from a .par.gz (file:// or a path relative to the manifest).
 */
function archiveImage(image: string, ctx: ManifestContext): { kind: 'archive'; name: string } | { kind: 'none'; why: string } {
  const asPath = image.startsWith('file://') ? image.slice('file://'.length) : image;
  const abs = isAbsolute(asPath) ? asPath : resolve(ctx.baseDir, asPath);
  const kind = ctx.pathKind(abs);
  if (/\.par(\.gz)?$/.test(asPath)) {
    if (kind === 'file') return { kind: 'archive', name: abs };
    if (image.startsWith('file://') || !isRegistryRef(image)) return { kind: 'none', why: `provider archive ${abs} ${kind === 'missing' ? 'does not exist' : 'is not a regular file'}` };
  }
  if (kind === 'file') return { kind: 'none', why: `${abs} is not a provider archive (.par.gz)` };
  if (!image.startsWith('file://') && isRegistryRef(image)) return { kind: 'archive', name: image };
  return { kind: 'none', why: `"${image}" is neither a built-in or published provider, nor a provider archive: no .par.gz at ${abs} and not an OCI reference with a registry host` };
}

/** An actor image: a file:// module, a path (relative to the manifest), or an OCI reference. */
function parseActor(p: Problems, where: string, props: Record<string, unknown>, ctx: ManifestContext): string | undefined {
  p.checkKeys(where, props, ['image']);
  const image = str(p, `${where}.image`, props.image, true);
  if (!image) return undefined;
  const asPath = image.startsWith('file://') ? image.slice('file://'.length) : image;
  const abs = isAbsolute(asPath) ? asPath : resolve(ctx.baseDir, asPath);
  const kind = ctx.pathKind(abs);
  if (kind === 'dir') return abs;
  if (kind === 'file') {
    if (!abs.endsWith('.wasm')) p.add(`${where}.image`, `${abs} is not a .wasm file`);
    return abs;
  }
  if (!image.startsWith('file://') && isRegistryRef(image)) return image;
  p.add(`${where}.image`, kind === 'other'
    ? `${abs} is not a regular file or a directory`
    : `${image.startsWith('file://') ? abs : `"${image}"`} is neither an existing file or actor project (looked for ${abs}) nor an OCI reference with a registry host (e.g. wasmcloud.azurecr.io/echo:0.3.8, localhost:5000/echo:0.1.0)`);
  return undefined;
}

function isRegistryRef(image: string): boolean {
  try {
    return parseReference(image).explicitRegistry;
  } catch {
    return false;
  }
}

/** A capability image: one of wasmCloud's published images (or a built-in provider's name) -> the built-in provider. */
function parseCapability(p: Problems, where: string, props: Record<string, unknown>, ctx: ManifestContext, component: string, notes: string[]): ManifestProvider | undefined {
  p.checkKeys(where, props, ['image', 'contract', 'link_name', 'config']);
  const image = str(p, `${where}.image`, props.image, true);
  const contract = str(p, `${where}.contract`, props.contract, false);
  const linkName = str(p, `${where}.link_name`, props.link_name, false) ?? 'default';
  // wadm's `config` (a mapping, or an opaque string) goes to a provider archive's process as
  // HostData.config_json, as wadm passes it in the start command's `configuration`
  const config = providerConfig(p, `${where}.config`, props.config);
  const builtinGetsConfig = () => { if (config !== undefined) p.warn(`${where}.config`, 'built-in providers take no provider configuration; it is ignored (settings go in the linkdef values)'); };
  if (!image) return undefined;
  const builtins = Object.keys(ctx.providers);
  const byContract = (c: string) => builtins.find((n) => ctx.providers[n] === c);
  let name: string | undefined;
  const published = publishedProvider(image);
  if (published) {
    name = byContract(published.contractId);
    if (!name) {
      // no built-in serves it the same way: run wasmCloud's own archive as a process
      if (contract === undefined) {
        p.add(`${where}.contract`, `missing: ${image} (${published.title}) runs as a provider archive, and wadm requires the contract (${published.contractId})`);
        return undefined;
      }
      notes.push(`component "${component}": ${image} (${published.title}) has no built-in counterpart; pulled and run as a provider archive process`);
      return { name: image, linkName, component, image, archive: { contract, ...(config !== undefined ? { config } : {}) } };
    }
    builtinGetsConfig();
    const kv = published.linkDefaults ? `; its links default to ${Object.entries(published.linkDefaults({})).map(([k, v]) => `${k}=${v}`).join(', ')} so the data lives where ${published.title} keeps it` : '';
    notes.push(`component "${component}": ${image} runs on Stratus's built-in ${name} provider (${published.contractId})${kv}`);
  } else if (Object.hasOwn(ctx.providers, image)) {
    builtinGetsConfig();
    name = image;
    notes.push(`component "${component}": the built-in ${name} provider (${ctx.providers[name]})`);
  } else {
    const archive = archiveImage(image, ctx);
    if (archive.kind === 'archive') {
      if (contract === undefined) {
        p.add(`${where}.contract`, `missing: ${image} is a provider archive, and the contract it serves (e.g. wasmcloud:keyvalue) is needed to link actors to it`);
        return undefined;
      }
      notes.push(`component "${component}": provider archive ${archive.name} (${contract}), run as its own process`);
      return { name: archive.name, linkName, component, image, archive: { contract, ...(config !== undefined ? { config } : {}) } };
    }
    const near = nearest(image, builtins);
    p.add(`${where}.image`, `${archive.why}${near ? `; did you mean the built-in "${near}"?` : ''} (a provider archive: an OCI reference such as localhost:5000/greeter:0.1.0, or a .par.gz path; a built-in: ${PUBLISHED_EXAMPLES.slice(0, 2).join(', ')} or ${builtins.join(', ')})`);
    return undefined;
  }
  const serves = ctx.providers[name]!;
  if (contract === undefined) p.warn(`${where}.contract`, `missing (wadm requires it); ${serves} assumed from the image`);
  else if (contract !== serves) p.add(`${where}.contract`, `${image} serves ${serves}, not ${contract}`);
  return { name, linkName, component, image };
}

/** A capability's `config`: a string as it is, a mapping as its JSON (what wadm sends). */
function providerConfig(p: Problems, where: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && !Array.isArray(v)) return JSON.stringify(v);
  p.add(where, `must be a mapping or a string (it reaches the provider as its configuration JSON), not ${Array.isArray(v) ? 'a list' : typeof v}`);
  return undefined;
}
