// The dashboard's actions: each one the same controller call `stratus ctl` ends in, with the same
// argument checks and error texts (a count that is not a whole number, a value that is not
// KEY=VALUE). Bodies come from the page as JSON; anything missing or of the wrong type is refused
// with what to send instead.
import { StratusError } from '../core/errors.js';
import type { HostController } from '../control/controller.js';

type Body = Record<string, unknown>;

/** A text field of an action's body, trimmed; missing or empty gives `fallback` or a BAD_REQUEST naming `what`. */
export function bodyText(b: Body, key: string, what: string, fallback?: string): string {
  const v = b[key];
  if (v === undefined || v === null || v === '') {
    if (fallback !== undefined) return fallback;
    throw new StratusError('BAD_REQUEST', `${what} is missing`, `fill in ${what}`);
  }
  if (typeof v !== 'string') throw new StratusError('BAD_REQUEST', `${what} must be text`);
  return v.trim();
}

/** As `stratus ctl scale actor` / `--count` check it. */
export function parseCount(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : Number(String(v ?? '').trim() || NaN);
  if (!Number.isInteger(n) || n < 1) {
    throw new StratusError('BAD_REQUEST', `${what} must be a whole number >= 1, got "${String(v ?? '')}"`,
      n === 0 ? 'to remove an actor, stop it' : 'give the number of instances, e.g. 2');
  }
  return n;
}

/** Link values, one KEY=VALUE a line (as `stratus ctl link put` takes them as arguments). */
export function parseValues(v: unknown): Record<string, string> {
  if (v !== undefined && typeof v !== 'string') throw new StratusError('BAD_REQUEST', 'link values must be text, one KEY=VALUE a line');
  const values: Record<string, string> = {};
  for (const raw of (v ?? '').split('\n')) {
    const kv = raw.trim();
    if (kv === '') continue;
    const i = kv.indexOf('=');
    if (i < 1) throw new StratusError('BAD_REQUEST', `value "${kv}" must look like KEY=VALUE (e.g. port=8080)`, 'write one KEY=VALUE a line');
    values[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
  }
  return values;
}

export type ActionName = 'start-actor' | 'stop-actor' | 'scale-actor' | 'start-provider' | 'stop-provider' | 'put-link' | 'delete-link';

export const ACTIONS: Record<ActionName, (c: HostController, b: Body) => Promise<unknown>> = {
  'start-actor': (c, b) => c.startActorFile(bodyText(b, 'ref', 'the actor (a .wasm file path or an OCI reference)'), parseCount(b.count ?? 1, 'count')),
  'stop-actor': async (c, b) => { await c.stopActor(bodyText(b, 'id', 'the actor id')); return { stopped: true }; },
  'scale-actor': (c, b) => c.scaleActor(bodyText(b, 'id', 'the actor id'), parseCount(b.count, 'count')),
  'start-provider': (c, b) => c.startProvider(bodyText(b, 'name', 'the provider'), bodyText(b, 'link_name', 'the link name', 'default')),
  'stop-provider': (c, b) => c.stopProvider(bodyText(b, 'id', 'the provider id'), bodyText(b, 'link_name', 'the link name', 'default')),
  'put-link': async (c, b) => {
    const r = await c.putLink({
      actor_id: bodyText(b, 'actor_id', 'the actor'), provider_id: bodyText(b, 'provider_id', 'the provider'),
      contract_id: bodyText(b, 'contract_id', 'the contract id'), link_name: bodyText(b, 'link_name', 'the link name', 'default'),
      values: parseValues(b.values),
    });
    return { ...r.link, status: r.status, warnings: r.warnings };
  },
  'delete-link': async (c, b) => {
    await c.deleteLink(bodyText(b, 'actor_id', 'the actor'), bodyText(b, 'contract_id', 'the contract id'), bodyText(b, 'link_name', 'the link name', 'default'));
    return { deleted: true };
  },
};

export function isAction(name: string): name is ActionName {
  return Object.hasOwn(ACTIONS, name);
}
