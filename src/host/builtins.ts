// In-process builtin capabilities (reference §2.5, §2.6). Callers check the capability claim first
// (router.ts); these only execute the operation.
import { randomInt, randomUUID, randomBytes } from 'node:crypto';
import { encode } from '../codec/msgpack.js';
import { LoggingCodec } from '../codec/interfaces/logging.js';
import { NumberGenCodec } from '../codec/interfaces/numbergen.js';
import { LOGGING, NUMBERGEN } from '../core/contracts.js';

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

/** Decodes the actor's payload with the generated codec (bounded: the bytes are untrusted), then runs `run`. */
function withInput<T>(decode: (p: Uint8Array, path: string) => T, payload: Uint8Array, operation: string, run: (input: T) => BuiltinResult): BuiltinResult {
  let input: T;
  try {
    input = decode(payload, operation);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  return run(input);
}

/** Execute a builtin operation for `actorId`; `log` receives Logging.WriteLog lines. */
export function runBuiltin(contractId: string, operation: string, payload: Uint8Array, actorId: string, log: (level: LogLevel, text: string) => void): BuiltinResult {
  if (contractId === LOGGING) {
    if (operation !== 'Logging.WriteLog') return fail(`${LOGGING} has no operation ${operation}; use Logging.WriteLog`);
    return withInput(LoggingCodec.WriteLog.decodeInput, payload, operation, (m) => {
      log(logLevel(m.level), `[${actorId}] ${m.text}`);
      return { ok: true, data: EMPTY };
    });
  }
  if (contractId === NUMBERGEN) {
    switch (operation) {
      case 'NumberGen.GenerateGuid':
        return { ok: true, data: encode(randomUUID()) };
      case 'NumberGen.Random32':
        return { ok: true, data: encode(randomBytes(4).readUInt32LE(0)) };
      case 'NumberGen.RandomInRange':
        return withInput(NumberGenCodec.RandomInRange.decodeInput, payload, operation, ({ min, max }) => {
          if (min > max) return fail(`NumberGen.RandomInRange: min (${min}) is greater than max (${max})`);
          // inclusive in both OTP and WCRT (§2.6); randomInt's upper bound is exclusive and < 2^48
          return { ok: true, data: encode(min + randomInt(0, max - min + 1)) };
        });
      default:
        return fail(`${NUMBERGEN} has no operation ${operation}; use NumberGen.GenerateGuid, NumberGen.Random32 or NumberGen.RandomInRange`);
    }
  }
  return fail(`unknown builtin ${contractId}`);
}
