// HostData: what a wasmCloud host writes on a provider's stdin, one line of base64(JSON)
// (reference §5.1; OTP `generate_hostinfo_for_provider`, WELD `core/HostData`). Field names are
// wasmCloud's, so a provider built with wasmCloud's SDK reads what Stratus writes and the reverse.
// Pure: parsing, encoding, and link definitions as they arrive in HostData and on `linkdefs.put`.
import { StratusError } from '../core/errors.js';
import type { LinkDefinition } from '../core/wire.js';
import { linkDefinitionId } from '../claims/linkdef-id.js';

export interface HostData {
  host_id: string;
  lattice_rpc_prefix: string;
  link_name: string;
  lattice_rpc_user_jwt: string;
  lattice_rpc_user_seed: string;
  lattice_rpc_url: string;
  lattice_rpc_tls?: boolean;
  env_values: Record<string, string>;
  instance_id: string;
  provider_key: string;
  link_definitions: LinkDefinition[];
  config_json?: string | null;
  default_rpc_timeout_ms?: number | null;
  cluster_issuers: string[];
  invocation_seed: string;
  js_domain?: string | null;
  structured_logging?: boolean;
  log_level?: string | null;
}

function bad(what: string): StratusError {
  return new StratusError('BAD_REQUEST', `the HostData on stdin is not usable: ${what}`,
    'start this provider from a host (`stratus ctl start provider <file.par.gz>`); it reads one line of base64(JSON HostData) on stdin');
}

/** The line the host writes: standard base64 with padding, then a newline. */
export function encodeHostData(h: HostData): string {
  return Buffer.from(JSON.stringify(h)).toString('base64') + '\n';
}

function str(o: Record<string, unknown>, k: string, required: boolean): string {
  const v = o[k];
  if (v === undefined || v === null) {
    if (required) throw bad(`field ${k} is missing`);
    return '';
  }
  if (typeof v !== 'string') throw bad(`field ${k} is not a string`);
  return v;
}

/** A link definition from untrusted JSON or msgpack (HostData, `linkdefs.put`/`.del`). */
export function linkFromWire(v: unknown, what: string): LinkDefinition {
  if (typeof v !== 'object' || v === null) throw new StratusError('BAD_REQUEST', `${what}: not a LinkDefinition map`);
  const o = v as Record<string, unknown>;
  const s = (k: string) => (typeof o[k] === 'string' ? o[k] as string : '');
  const actor = s('actor_id');
  const contract = s('contract_id');
  if (!actor || !contract) throw new StratusError('BAD_REQUEST', `${what}: actor_id and contract_id are required`);
  const link = s('link_name') || 'default';
  const values: Record<string, string> = {};
  if (typeof o.values === 'object' && o.values !== null) {
    for (const [k, x] of Object.entries(o.values as Record<string, unknown>)) if (typeof x === 'string') values[k] = x;
  }
  return { id: s('id') || linkDefinitionId(actor, contract, link), actor_id: actor, provider_id: s('provider_id'), link_name: link, contract_id: contract, values };
}

/** Parse the stdin line (whitespace trimmed, as wasmbus-rpc does). */
export function parseHostData(line: string): HostData {
  const text = line.trim();
  if (text === '') throw bad('stdin held no line');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  } catch (e) {
    throw bad(`not base64 of a JSON object (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null) throw bad('not a JSON object');
  const o = json as Record<string, unknown>;
  for (const k of ['env_values', 'link_definitions', 'cluster_issuers']) if (o[k] === undefined) throw bad(`field ${k} is missing`);
  if (!Array.isArray(o.link_definitions)) throw bad('link_definitions is not an array');
  if (!Array.isArray(o.cluster_issuers) || !o.cluster_issuers.every((x) => typeof x === 'string')) throw bad('cluster_issuers is not an array of strings');
  const timeout = o.default_rpc_timeout_ms;
  return {
    host_id: str(o, 'host_id', true),
    lattice_rpc_prefix: str(o, 'lattice_rpc_prefix', true),
    link_name: str(o, 'link_name', false) || 'default',
    lattice_rpc_user_jwt: str(o, 'lattice_rpc_user_jwt', false),
    lattice_rpc_user_seed: str(o, 'lattice_rpc_user_seed', false),
    lattice_rpc_url: str(o, 'lattice_rpc_url', true),
    lattice_rpc_tls: o.lattice_rpc_tls === true,
    env_values: (o.env_values ?? {}) as Record<string, string>,
    instance_id: str(o, 'instance_id', false),
    provider_key: str(o, 'provider_key', true),
    link_definitions: (o.link_definitions as unknown[]).map((l, i) => linkFromWire(l, `HostData link_definitions[${i}]`)),
    config_json: typeof o.config_json === 'string' ? o.config_json : null,
    default_rpc_timeout_ms: typeof timeout === 'number' && timeout > 0 ? timeout : null,
    cluster_issuers: o.cluster_issuers as string[],
    invocation_seed: str(o, 'invocation_seed', true),
    js_domain: typeof o.js_domain === 'string' && o.js_domain !== '' ? o.js_domain : null,
    structured_logging: o.structured_logging === true,
    log_level: typeof o.log_level === 'string' ? o.log_level : null,
  };
}
