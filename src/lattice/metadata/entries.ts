// The keys and JSON values of the LATTICEDATA_{prefix} bucket (reference §4.7), byte for byte as
// an OTP host writes them, and tolerant readers for what other writers (wash, older hosts) put
// there. Pure.
//
// OTP writes with Jason from atom-keyed Elixir maps; maps of up to 32 keys keep their keys sorted,
// so the JSON has its keys in alphabetical order (OTP `linkdefs/manager.ex write_linkdef_to_kv`,
// `claims/manager.ex put_claims`). We write the same order.
import { linkDefinitionId } from '../../claims/linkdef-id.js';
import type { LinkDefinition } from '../../core/wire.js';
import type { RoutedActor } from '../../host/router.js';

export const LINKDEF_PREFIX = 'LINKDEF_';
export const CLAIMS_PREFIX = 'CLAIMS_';
export const REFMAP_PREFIX = 'REFMAP_';

/** The bucket (`LATTICEDATA_{prefix}`) and its stream (`KV_LATTICEDATA_{prefix}`). */
export function bucketName(prefix: string): string {
  return `LATTICEDATA_${prefix}`;
}

export function streamName(prefix: string): string {
  return `KV_${bucketName(prefix)}`;
}

/**
 * The stream OTP creates for the bucket (OTP `jetstream/client.ex handle_continue(:ensure_stream)`):
 * one value per key, file storage, rollups allowed (purge), deletes of messages denied, direct
 * gets, a 120 s duplicate window. `replicas` is ours to choose (OTP always asks for 1).
 */
export function bucketStreamConfig(prefix: string, replicas: number) {
  return {
    name: streamName(prefix),
    subjects: [`$KV.${bucketName(prefix)}.>`],
    retention: 'limits',
    max_consumers: -1,
    max_msgs_per_subject: 1,
    max_msgs: -1,
    max_bytes: -1,
    allow_direct: true,
    mirror_direct: false,
    deny_delete: true,
    sealed: false,
    deny_purge: false,
    allow_rollup_hdrs: true,
    max_age: 0,
    max_msg_size: -1,
    storage: 'file',
    discard: 'new',
    num_replicas: replicas,
    duplicate_window: 120_000_000_000,
  } as const;
}

export function linkKey(id: string): string {
  return LINKDEF_PREFIX + id;
}

export function claimsKey(publicKey: string): string {
  return CLAIMS_PREFIX + publicKey;
}

function sortedObject(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

/** A link as OTP writes it under `LINKDEF_{id}`. */
export function encodeLink(link: LinkDefinition): string {
  return JSON.stringify({
    actor_id: link.actor_id,
    contract_id: link.contract_id,
    id: link.id,
    link_name: link.link_name,
    provider_id: link.provider_id,
    values: sortedObject(link.values),
  });
}

export type Decoded<T> = { ok: T } | { error: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A bucket value that must be a JSON object. */
function parseObject(bytes: Uint8Array): Decoded<Record<string, unknown>> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return { error: `not JSON (${(e as Error).message})` };
  }
  return isRecord(v) ? { ok: v } : { error: 'not a JSON object' };
}

/**
 * A link from the bucket, written by any host or by wash. wash writes it without `id` (or with
 * `id: ""`, serde's default), older control clients under a random key: the id is always
 * recomputed from actor, contract and link name (CTL `kv.rs ld_hash`), so every writer's link
 * has the id the hosts use.
 */
export function decodeLink(bytes: Uint8Array): Decoded<LinkDefinition> {
  const parsed = parseObject(bytes);
  if ('error' in parsed) return parsed;
  const v = parsed.ok;
  for (const f of ['actor_id', 'provider_id', 'contract_id', 'link_name'] as const) {
    if (typeof v[f] !== 'string' || v[f] === '') return { error: `field ${f} is missing or not a non-empty string` };
  }
  const values: Record<string, string> = {};
  if (v.values !== undefined && v.values !== null) {
    if (!isRecord(v.values)) return { error: 'field values is not an object' };
    for (const [k, x] of Object.entries(v.values)) {
      if (typeof x !== 'string') return { error: `value ${k} is not a string` };
      values[k] = x;
    }
  }
  const actor_id = v.actor_id as string, contract_id = v.contract_id as string, link_name = v.link_name as string;
  return {
    ok: { id: linkDefinitionId(actor_id, contract_id, link_name), actor_id, provider_id: v.provider_id as string, link_name, contract_id, values },
  };
}

/** What a host knows of an actor when it writes its claims. */
export interface ActorClaimsFacts {
  publicKey: string;
  issuer: string;
  name?: string;
  callAlias?: string;
  caps: readonly string[];
  tags?: readonly string[];
  revision?: number;
  version?: string;
}

/**
 * `CLAIMS_{publicKey}` as OTP writes it (OTP `claims/manager.ex put_claims`): every value a
 * string (caps and tags comma-joined, rev a decimal string), except `version`, which is null when
 * the actor has none.
 */
export function encodeClaims(a: ActorClaimsFacts): string {
  return JSON.stringify({
    call_alias: a.callAlias ?? '',
    caps: a.caps.join(','),
    contract_id: '',
    iss: a.issuer,
    name: a.name ?? '',
    rev: String(a.revision ?? 0),
    sub: a.publicKey,
    tags: (a.tags ?? []).join(','),
    version: a.version ?? null,
  });
}

const ACTOR_KEY = /^M[A-Z2-7]{55}$/;

/**
 * An actor's routing facts from a `CLAIMS_` entry; undefined for a provider's claims (they have a
 * contract id or a V key) and for entries that are not claims at all.
 */
export function decodeActorClaims(key: string, bytes: Uint8Array): Decoded<RoutedActor | undefined> {
  const publicKey = key.slice(CLAIMS_PREFIX.length);
  const parsed = parseObject(bytes);
  if ('error' in parsed) return parsed;
  const v = parsed.ok;
  if (!ACTOR_KEY.test(publicKey)) return { ok: undefined };
  if (typeof v.contract_id === 'string' && v.contract_id !== '') return { ok: undefined };
  const str = (x: unknown) => (typeof x === 'string' ? x : '');
  const alias = str(v.call_alias);
  const actor: RoutedActor = {
    id: publicKey,
    name: str(v.name),
    caps: str(v.caps).split(',').map((c) => c.trim()).filter((c) => c !== ''),
  };
  if (alias.length > 1) actor.callAlias = alias; // OTP caches an alias only when longer than one character
  return { ok: actor };
}

/** The bucket key of an OCI reference's refmap: `REFMAP_` + base64url without padding (as OTP writes it). */
export function refmapKey(ociUrl: string): string {
  return REFMAP_PREFIX + Buffer.from(ociUrl, 'utf8').toString('base64url');
}

/** `REFMAP_` entries: `{oci_url, public_key}`. */
export function decodeRefmap(bytes: Uint8Array): Decoded<{ ociUrl: string; publicKey: string }> {
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    return { error: `not JSON (${(e as Error).message})` };
  }
  if (!isRecord(v) || typeof v.oci_url !== 'string' || typeof v.public_key !== 'string') return { error: 'not an {oci_url, public_key} object' };
  return { ok: { ociUrl: v.oci_url, publicKey: v.public_key } };
}
