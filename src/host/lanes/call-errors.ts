// The errors a failed guest call turns into, shared by both execution lanes so a trap reads the
// same whether the instance ran on a worker thread or on the host thread.
import { notStartedError, StratusError } from '../../core/errors.js';

export type FailureKind = 'guest' | 'trap' | 'memory' | 'exit';

export function callFailure(kind: FailureKind, text: string, label: string, operation: string, maxMemoryPages: number): StratusError {
  switch (kind) {
    case 'guest':
      return new StratusError('GUEST_ERROR', text);
    case 'memory':
      return new StratusError('MEMORY_LIMIT', `actor ${label} ran out of memory in ${operation}: it reached its ceiling of ${maxMemoryPages} pages (${maxMemoryPages * 64} KiB) and trapped (${text})`,
        'raise the limit with maxMemoryPages, or fix the actor\'s memory use; the instance was replaced');
    case 'exit':
      return new StratusError('TRAP', `actor ${label} ended ${operation} early: ${text}`, 'actors must return from __guest_call instead of exiting; the instance was replaced');
    default:
      return new StratusError('TRAP', `actor ${label} trapped in ${operation}: ${text}`, 'the instance was replaced; other calls are unaffected');
  }
}

/**
 * For a trap below the ceiling: memory at half of it or more is said in the error. A guest
 * allocator traps (`unreachable`) when memory.grow fails for a block larger than the room left,
 * and that room may still hold a page, so atCeiling() cannot tell; the figures let the reader.
 */
export function memoryNote(pages: number, maxMemoryPages: number): string {
  if (pages * 2 < maxMemoryPages) return '';
  const mib = (p: number) => (p / 16).toFixed(p % 16 === 0 ? 0 : 1);
  return ` (its memory was at ${mib(pages)} of its ${mib(maxMemoryPages)} MiB ceiling: an allocation larger than what is left traps this way; raise maxMemoryPages or lower the actor's memory use)`;
}

/** Why a new instance could not start: its exports, an exit from an init export, or a trap in one. */
export type StartFailureCause = 'MISSING_EXPORT' | 'PROC_EXIT' | 'TRAP';

export function startFailure(label: string, text: string, cause: StartFailureCause): StratusError {
  const message = `actor ${label} failed to start an instance: ${text}`;
  if (cause === 'MISSING_EXPORT') return new StratusError('MISSING_EXPORT', message, 'build the actor as a wasmbus actor exporting memory and __guest_call');
  return new StratusError('TRAP', message, cause === 'PROC_EXIT'
    ? 'the actor exited in its init exports (_start/start/wapc_init); it must return instead'
    : 'the actor trapped in its init exports (_start/start/wapc_init)');
}

export function timeoutError(label: string, operation: string, timeoutMs: number): StratusError {
  return new StratusError('TIMEOUT', `actor ${label} did not answer ${operation} within ${timeoutMs} ms; its instance was stopped and a fresh one started`,
    'check the actor for endless loops or slow host calls, or raise the deadline (HostOptions.rpcTimeoutMs, `--timeout`)');
}

export function queueTimeoutError(label: string, operation: string, timeoutMs: number, instances: number): StratusError {
  return notStartedError('TIMEOUT', `actor ${label} did not answer ${operation} within ${timeoutMs} ms: all ${instances} instance(s) stayed busy`,
    'raise maxInstances for this actor or the deadline (HostOptions.rpcTimeoutMs)');
}

/** Whether memory can no longer grow, i.e. the instance hit its ceiling (it is discarded anyway). */
export function atCeiling(memory: WebAssembly.Memory): boolean {
  try {
    memory.grow(1);
    return false;
  } catch {
    return true;
  }
}

/** A call refused because its actor is stopping or stopped: it never started. */
export function stoppedBeforeStart(label: string, operation: string): StratusError {
  return notStartedError('ACTOR_NOT_RUNNING', `actor ${label} is not running, so ${operation} was not performed`, 'start the actor again, or check `stratus ctl get inventory`');
}

/** A call in progress when its actor was stopped: it may have made host calls already. */
export function stoppedMidCall(label: string, operation: string): StratusError {
  return new StratusError('INTERRUPTED', `actor ${label} was stopped while serving ${operation}; the call may have had effects before it was stopped`,
    'check the outcome before retrying; a host drains calls in flight when it stops cleanly');
}
