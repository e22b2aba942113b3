// Every failure the host reports has a stable code so callers (HTTP provider, CLI exit codes,
// tests) can tell causes apart without parsing prose. Messages say what was wrong and how to fix it.

export type StratusErrorCode =
  | 'INVALID_MODULE'        // not wasm / malformed binary
  | 'NOT_PORTABLE'          // imports outside wasmbus/wapc/supported WASI
  | 'MISSING_EXPORT'        // e.g. no __guest_call or memory
  | 'NO_CLAIMS'             // unsigned module
  | 'BAD_SIGNATURE'         // forged/tampered token
  | 'HASH_MISMATCH'         // module bytes changed after signing
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'UNTRUSTED_ISSUER'
  | 'MISSING_CLAIM'         // capability claim missing for a host call
  | 'MISSING_LINK'          // claim present, no link definition
  | 'UNKNOWN_TARGET'        // actor public key / call alias not found
  | 'ACTOR_NOT_RUNNING'
  | 'PROVIDER_NOT_RUNNING'
  | 'TRAP'                  // guest trapped
  | 'TIMEOUT'               // deadline exceeded (looping actor, slow provider)
  | 'MEMORY_LIMIT'          // guest exceeded its linear memory limit
  | 'GUEST_ERROR'           // guest returned 0 with __guest_error
  | 'LINK_INVALID'          // bad link values / unknown contract / port in use
  | 'BAD_REQUEST'
  | 'INTERNAL';

export class StratusError extends Error {
  constructor(readonly code: StratusErrorCode, message: string, readonly hint?: string) {
    super(hint ? `${message}\n  hint: ${hint}` : message);
    this.name = 'StratusError';
  }
}

export class LinkError extends StratusError {
  constructor(message: string, hint?: string) {
    super('LINK_INVALID', message, hint);
    this.name = 'LinkError';
  }
}

export function isStratusError(e: unknown, code?: StratusErrorCode): e is StratusError {
  return e instanceof StratusError && (code === undefined || e.code === code);
}
