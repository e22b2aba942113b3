// Names where ids are expected: `stratus ctl link put hello httpserver wasmcloud:httpserver` means
// the running actor named (or call-aliased) "hello" and the provider named "httpserver". A name is
// accepted only when it picks out exactly one id; otherwise the error says what was expected and
// lists what there is. Pure: the caller passes what runs and what can be started.
import { StratusError } from '../core/errors.js';

export interface NamedActor { id: string; name: string; callAlias?: string }
export interface NamedProvider { id: string; name: string; contractId: string; linkName?: string }

const ACTOR_KEY = /^M[A-Z2-7]{55}$/;
const PROVIDER_KEY = /^V[A-Z2-7]{55}$/;
/** Looks like a (possibly mistyped) key: left for the host, which says "not running" or "not a key". */
const KEY_LIKE = (prefix: string) => new RegExp(`^${prefix}[A-Z0-9]+$`);

function short(id: string): string {
  return `${id.slice(0, 8)}…`;
}

/** An actor id (M...), or the name or call alias of exactly one running actor, as its id. */
export function resolveActorArg(arg: string, running: readonly NamedActor[]): string {
  if (ACTOR_KEY.test(arg)) return arg;
  const hits = running.filter((a) => a.name === arg || a.callAlias === arg);
  const ids = [...new Set(hits.map((a) => a.id))];
  if (ids.length === 1) return ids[0];
  if (ids.length > 1) {
    throw new StratusError('BAD_REQUEST', `"${arg}" names ${ids.length} running actors: ${hits.map((a) => `${a.id} (${a.name})`).join(', ')}`,
      'give the actor id (M...) of the one you mean');
  }
  if (KEY_LIKE('M').test(arg)) return arg;
  const list = running.map((a) => `${a.name}${a.callAlias ? ` (alias ${a.callAlias})` : ''} = ${a.id}`);
  throw new StratusError('BAD_REQUEST',
    `"${arg}" is neither an actor id (56 characters starting with M) nor the name or call alias of a running actor`,
    running.length === 0
      ? 'no actor is running: start it first with `stratus ctl start actor <file.wasm>`, then use its name or id'
      : `running actors: ${list.join('; ')}`);
}

/**
 * A provider id (V...), or the name or contract id of one provider: running ones first (the one
 * with `linkName` when several run), then those that can be started (built-in ids are stable, so a
 * link may name a provider before it starts).
 */
export function resolveProviderArg(arg: string, running: readonly NamedProvider[], known: readonly NamedProvider[], linkName?: string): string {
  if (PROVIDER_KEY.test(arg)) return arg;
  const match = (p: NamedProvider) => p.name === arg || p.contractId === arg;
  for (const pool of [running.filter((p) => linkName === undefined || p.linkName === linkName), running, known]) {
    const ids = [...new Set(pool.filter(match).map((p) => p.id))];
    if (ids.length === 1) return ids[0];
    if (ids.length > 1) {
      throw new StratusError('BAD_REQUEST', `"${arg}" names ${ids.length} providers: ${pool.filter(match).map((p) => `${p.id} (${p.name})`).join(', ')}`,
        'give the provider id (V...) of the one you mean');
    }
  }
  if (KEY_LIKE('V').test(arg)) return arg;
  const all = new Map([...running, ...known].map((p) => [p.id, p]));
  throw new StratusError('BAD_REQUEST',
    `"${arg}" is neither a provider id (56 characters starting with V) nor the name or contract id of a provider`,
    `providers: ${[...all.values()].map((p) => `${p.name} (${p.contractId}) = ${short(p.id)}`).join('; ') || 'none'}; list them with \`stratus ctl get inventory\``);
}

/** A contract id (`ns:name`), or a provider's name standing for its contract (`httpserver` → `wasmcloud:httpserver`). */
export function resolveContractArg(arg: string, known: readonly NamedProvider[]): string {
  if (arg.includes(':')) return arg;
  const hit = known.find((p) => p.name === arg);
  if (hit) return hit.contractId;
  throw new StratusError('BAD_REQUEST', `"${arg}" is not a contract id`,
    `contract ids look like namespace:name, e.g. ${[...new Set(known.map((p) => p.contractId))].join(', ') || 'wasmcloud:httpserver'}`);
}
