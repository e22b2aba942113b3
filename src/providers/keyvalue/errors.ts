// The errors every key-value backend reports, worded the same way whatever the backend
// (README.md "Errors"). They reach the calling actor as the host-call error text.
import { StratusError } from '../../core/errors.js';
import { I32_MAX, I32_MIN } from '../msgpack.js';

export type KvKind = 'string' | 'list' | 'set';

const WANTS: Record<KvKind, string> = { string: 'string values', list: 'lists', set: 'sets' };

export function wrongType(op: string, key: string, holds: string, wants: KvKind): StratusError {
  return new StratusError('BAD_REQUEST', `WRONGTYPE: key "${key}" holds a ${holds}, but KeyValue.${op} works on ${WANTS[wants]}`,
    'use a different key, or remove this one first with KeyValue.Del');
}

export function notAnInteger(key: string, value: string): StratusError {
  const shown = value.length > 40 ? value.slice(0, 37) + '...' : value;
  return new StratusError('BAD_REQUEST', `NOTINT: key "${key}" holds "${shown}", which is not a 32-bit integer, so KeyValue.Increment cannot add to it`,
    `Increment works on decimal integers between ${I32_MIN} and ${I32_MAX} (or a missing key, which counts as 0)`);
}

export function overflow(key: string, current: number, delta: number): StratusError {
  return new StratusError('BAD_REQUEST', `OVERFLOW: incrementing key "${key}" (${current}) by ${delta} leaves the 32-bit range [${I32_MIN}, ${I32_MAX}]; the value is unchanged`,
    'KeyValue.Increment returns an i32 on the wire; keep counters within that range or reset them');
}
