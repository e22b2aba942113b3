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
  | 'INTERRUPTED'           // stopped part-way (actor stopped, moved off the host thread): it may have had effects
  | 'MEMORY_LIMIT'          // guest exceeded its linear memory limit
  | 'GUEST_ERROR'           // guest returned 0 with __guest_error
  | 'LINK_INVALID'          // bad link values / unknown contract / port in use
  | 'INVALID_MANIFEST'      // an application manifest was read and rejected
  | 'INVALID_PROJECT'       // an actor project (stratus.json, entry file) was read and rejected
  | 'INVALID_INTERFACE'     // a Smithy interface definition was read and rejected
  | 'BUILD_FAILED'          // the compiler reported errors in the actor's sources
  | 'HOST_UNREACHABLE'      // no host answers on the control socket
  | 'REGISTRY_UNREACHABLE'  // no answer from an OCI registry (down, wrong address, TLS against plain HTTP)
  | 'REGISTRY_DENIED'       // an OCI registry refused the credentials given (or their absence)
  | 'ARTIFACT_NOT_FOUND'    // an OCI registry has no such repository, tag or digest
  | 'BAD_REQUEST'           // the request itself is wrong: a bad argument, a path that names no file
  | 'INTERNAL';

export class StratusError extends Error {
  /** The operation certainly did not start, so retrying it cannot apply it twice (an HTTP front
   *  end may answer 503). False when it may have run part-way: a timeout, a trap, an interruption. */
  notStarted = false;

  constructor(readonly code: StratusErrorCode, message: string, readonly hint?: string) {
    super(hint ? `${message}\n  hint: ${hint}` : message);
    this.name = 'StratusError';
  }
}

/** A StratusError for an operation that was refused before it started (see `notStarted`). */
export function notStartedError(code: StratusErrorCode, message: string, hint?: string): StratusError {
  const e = new StratusError(code, message, hint);
  e.notStarted = true;
  return e;
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

/** The message of anything thrown (an Error's message, else its text). */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
