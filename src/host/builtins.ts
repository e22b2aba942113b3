// In-process builtin capabilities (reference §2.5, §2.6). Callers check the capability claim first
// (router.ts); these only execute the operation.
import { randomInt, randomUUID, randomBytes } from 'node:crypto';
import { decode, encode } from '../codec/msgpack.js';
import { LOGGING, NUMBERGEN } from './router.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const EMPTY = new Uint8Array(0);

export type BuiltinResult = { ok: true; data: Uint8Array } | { ok: false; error: string };

function fail(error: string): BuiltinResult {
  return { ok: false, error };
}

export function logLevel(level: unknown): LogLevel {
  switch (level) {
    case 'info': case 'warn': case 'error': case 'debug': return level;
    case 'critical': return 'error';
    default: return 'debug'; // OTP logs unknown levels (and WCRT's trace) at debug
  }
}

function decodeMap(payload: Uint8Array, what: string): Record<string, unknown> | string {
  try {
    const v = decode(payload);
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) return v as Record<string, unknown>;
    return `${what}: expected a msgpack map`;
  } catch (e) {
    return `${what}: payload is not valid msgpack (${e instanceof Error ? e.message : e})`;
  }
}

function u32(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff ? v : undefined;
}

/** Execute a builtin operation for `actorId`; `log` receives Logging.WriteLog lines. */
export function runBuiltin(contractId: string, operation: string, payload: Uint8Array, actorId: string, log: (level: LogLevel, text: string) => void): BuiltinResult {
  if (contractId === LOGGING) {
    if (operation !== 'Logging.WriteLog') return fail(`${LOGGING} has no operation ${operation}; use Logging.WriteLog`);
    const m = decodeMap(payload, 'Logging.WriteLog');
    if (typeof m === 'string') return fail(m);
    if (typeof m.text !== 'string') return fail('Logging.WriteLog: field "text" (string) is required');
    log(logLevel(m.level), `[${actorId}] ${m.text}`);
    return { ok: true, data: EMPTY };
  }
  if (contractId === NUMBERGEN) {
    switch (operation) {
      case 'NumberGen.GenerateGuid':
        return { ok: true, data: encode(randomUUID()) };
      case 'NumberGen.Random32':
        return { ok: true, data: encode(randomBytes(4).readUInt32LE(0)) };
      case 'NumberGen.RandomInRange': {
        const m = decodeMap(payload, 'NumberGen.RandomInRange');
        if (typeof m === 'string') return fail(m);
        const min = u32(m.min);
        const max = u32(m.max);
        if (min === undefined || max === undefined) return fail('NumberGen.RandomInRange: "min" and "max" must be u32 integers');
        if (min > max) return fail(`NumberGen.RandomInRange: min (${min}) is greater than max (${max})`);
        // inclusive in both OTP and WCRT (§2.6); randomInt's upper bound is exclusive and < 2^48
        return { ok: true, data: encode(min + randomInt(0, max - min + 1)) };
      }
      default:
        return fail(`${NUMBERGEN} has no operation ${operation}; use NumberGen.GenerateGuid, NumberGen.Random32 or NumberGen.RandomInRange`);
    }
  }
  return fail(`unknown builtin ${contractId}`);
}
