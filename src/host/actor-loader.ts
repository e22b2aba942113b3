// What happens to a module before its first instance: claims verified (signature, hash, validity,
// issuer), portability checked, memory ceiling written into it, and, for the inline lane, fuel
// checks and the Asyncify transform added. Nothing here runs an instance or touches host tables.
import { verifyActorModule } from '../claims/verify.js';
import type { VerifiedActor } from '../claims/types.js';
import { assertPortable } from '../wasm/portability.js';
import { limitMemory } from '../wasm/memory-limit.js';
import { JWT_SECTION_NAMES, stripCustomSections } from '../wasm/custom-sections.js';
import { prepareForHostThread } from '../wasm/host-thread.js';
import type { HostScope } from '../core/scope.js';
import { parseModule } from '../wasm/sections.js';
import { WASI_MODULE } from '../wasm/abi.js';
import type { RoutedActor } from './router.js';
import { sharedModule, type ModuleInMaking } from './module-memo.js';
import { scopeKey } from '../core/scope.js';

/** The host-call imports an inline instance may suspend in. */
export const SUSPENDING_IMPORTS = ['wasmbus.__host_call', 'wapc.__host_call'];

export interface LoadedActor {
  verified: VerifiedActor;
  routed: RoutedActor;
  /** The module with its memory ceiling, as the worker lane runs it. */
  patched: Uint8Array;
}

export interface VerifyOptions {
  allowUnsigned?: boolean;
  trustedIssuers?: string[];
  maxMemoryPages: number;
}

/** Verify and patch a module (synchronous, cheap: the claims hash and one pass over the sections). */
export function loadActor(module: Uint8Array, o: VerifyOptions): LoadedActor {
  const verified = verifyActorModule(module, { allowUnsigned: o.allowUnsigned, trustedIssuers: o.trustedIssuers });
  assertPortable(module);
  const claims = verified.claims;
  const routed: RoutedActor = {
    id: verified.publicKey,
    name: claims.wascap.name ?? verified.publicKey,
    caps: claims.wascap.caps ?? [],
    callAlias: claims.wascap.call_alias || undefined,
  };
  // The hash was checked on the original bytes; the patched bytes are what runs.
  return { verified, routed, patched: limitMemory(module, o.maxMemoryPages) };
}

/**
 * What host-thread preparation takes (its code cache key) and worker lanes keep: the patched module
 * without its claims section, which changes with every signing (iat); a start and a start's hint
 * (Host.expectStart) must make the same bytes.
 */
export function withoutClaims(patched: Uint8Array): Uint8Array {
  return stripCustomSections(patched, JWT_SECTION_NAMES);
}

/** Why a module cannot run on the host thread, or undefined when it can. */
export function inlineObstacle(patched: Uint8Array): string | undefined {
  if (parseModule(patched).imports.some((i) => i.module === WASI_MODULE && i.name === 'poll_oneoff')) {
    return 'it imports WASI poll_oneoff (it may sleep)';
  }
  return undefined;
}

/**
 * The module prepared for the host thread: fuel checks and Asyncify, done on this host's
 * preparation worker (src/wasm/host-thread.ts) so the event loop stays free meanwhile. `module`
 * rejects when the instrumentation cannot handle it (the actor then runs on worker threads);
 * `slow` resolves when it is a transform away rather than a cache read (see startsOnWorkers).
 */
export function prepareInline(scope: HostScope, input: Uint8Array, log: (level: 'debug' | 'info' | 'warn' | 'error', text: string) => void, cachedOnly = false, transformAfter?: Promise<unknown>): ModuleInMaking {
  // `input` is the module without the claims token (the caller strips it): it changes with every signing
  // (iat), and a re-signed but otherwise identical module would miss the code cache and pay the
  // ~1.4 s transform again.
  // Copies of one module (different claims, same code) share one compiled module (module-memo.ts).
  return sharedModule(scope, input, () => {
    let slow!: () => void;
    const isSlow = new Promise<void>((r) => { slow = r; });
    const module = prepareForHostThread(scope, input, { imports: SUSPENDING_IMPORTS, log, slow, cachedOnly, transformAfter }).then((bytes) => WebAssembly.compile(bytes));
    return { module, slow: isSlow };
  });
}

/**
 * Actors of one host that may serve on worker threads while their host-thread code is prepared.
 * A worker lane costs a thread per instance; without a bound, a thousand copies of a new module
 * started at once would make a thousand threads to save each a second. Past the bound a start
 * waits for the code, as before.
 */
export const EARLY_WORKER_STARTS = 4;

const EARLY_WORKERS = scopeKey('actors serving on workers while prepared', () => ({ inUse: 0 }));

/**
 * Whether a start whose preparation is slow (a cache miss, or queued behind a transform) should
 * serve on the worker lane meanwhile; when it should, the returned function frees the place once
 * the actor moved to the host thread (or gave up doing so).
 */
export function startsOnWorkers(scope: HostScope): (() => void) | undefined {
  const slots = scope.use(EARLY_WORKERS);
  if (slots.inUse >= EARLY_WORKER_STARTS) return undefined;
  slots.inUse++;
  let freed = false;
  return () => {
    if (!freed) slots.inUse--;
    freed = true;
  };
}
