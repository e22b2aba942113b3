// Output conventions shared by every command: `-o json` for scripts, text for people, and one
// rule that turns any error into the exit status (the README's CLI table).
import { CommanderError, type Command } from 'commander';
import { StratusError, type StratusErrorCode } from '../core/errors.js';

export const EXIT = {
  OK: 0,
  FAILED: 1,       // the operation was attempted and failed (actor error, trap, timeout, host unreachable)
  USAGE: 2,        // the command was used wrongly (bad flag value, missing argument, a path that names no file)
  REJECTED: 3,     // the input was read and rejected (not portable, bad claims, invalid manifest, over a limit)
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * The exit status for each error code. A `Record` over every code, so adding a code to
 * src/core/errors.ts does not compile until it is placed here. The same table applies to errors
 * raised in this process and to those the host sends back (`{error, code}`), so a refusal reads
 * the same whether the CLI or the host noticed it.
 */
const EXIT_FOR_CODE: Record<StratusErrorCode, ExitCode> = {
  BAD_REQUEST: EXIT.USAGE,

  INVALID_MODULE: EXIT.REJECTED,
  NOT_PORTABLE: EXIT.REJECTED,
  MISSING_EXPORT: EXIT.REJECTED,
  NO_CLAIMS: EXIT.REJECTED,
  BAD_SIGNATURE: EXIT.REJECTED,
  HASH_MISMATCH: EXIT.REJECTED,
  EXPIRED: EXIT.REJECTED,
  NOT_YET_VALID: EXIT.REJECTED,
  UNTRUSTED_ISSUER: EXIT.REJECTED,
  // The module against its memory ceiling: refused at load (initial memory above the limit) or
  // out of memory in a call; either way the fix is the module or the limit, not a retry.
  MEMORY_LIMIT: EXIT.REJECTED,
  INVALID_MANIFEST: EXIT.REJECTED,
  INVALID_PROJECT: EXIT.REJECTED,
  INVALID_INTERFACE: EXIT.REJECTED,

  // A link the host or its provider refused when it was put: wrong contract, a value the provider
  // cannot use, a port another listener holds, a Redis it cannot reach.
  LINK_INVALID: EXIT.FAILED,
  MISSING_CLAIM: EXIT.FAILED,
  MISSING_LINK: EXIT.FAILED,
  UNKNOWN_TARGET: EXIT.FAILED,
  ACTOR_NOT_RUNNING: EXIT.FAILED,
  PROVIDER_NOT_RUNNING: EXIT.FAILED,
  TRAP: EXIT.FAILED,
  TIMEOUT: EXIT.FAILED,
  INTERRUPTED: EXIT.FAILED,
  GUEST_ERROR: EXIT.FAILED,
  BUILD_FAILED: EXIT.FAILED,
  HOST_UNREACHABLE: EXIT.FAILED,
  // OCI registries (push, pull, references resolved at start): the operation was attempted and the
  // registry was down, refused the credentials, or had no such artifact.
  REGISTRY_UNREACHABLE: EXIT.FAILED,
  REGISTRY_DENIED: EXIT.FAILED,
  ARTIFACT_NOT_FOUND: EXIT.FAILED,
  INTERNAL: EXIT.FAILED,
};

/** The one exit-code rule: commander usage errors 2 (help/version 0), StratusErrors by code, anything else 1. */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  if (err instanceof StratusError) return EXIT_FOR_CODE[err.code] ?? EXIT.FAILED;
  return EXIT.FAILED;
}

export type OutputFormat = 'text' | 'json';

export function addOutputOption(cmd: Command): Command {
  return cmd.option('-o, --output <format>', 'output format: text or json', 'text');
}

export function outputFormat(opts: { output?: string }): OutputFormat {
  if (opts.output === undefined || opts.output === 'text') return 'text';
  if (opts.output === 'json') return 'json';
  throw new StratusError('BAD_REQUEST', `unknown output format "${opts.output}"`, 'use -o text or -o json');
}

/** Print a result either as JSON (whole object) or via a text renderer. */
export function emit(format: OutputFormat, value: unknown, text: () => string): void {
  if (format === 'json') process.stdout.write(JSON.stringify(value, null, 2) + '\n');
  else process.stdout.write(text().replace(/\n?$/, '\n'));
}

/** Report an error and set the exit status by {@link exitCodeFor}; JSON mode prints `{"error": ..., "code": ...}`. */
export function fail(format: OutputFormat, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof StratusError ? err.code : 'INTERNAL';
  if (format === 'json') process.stdout.write(JSON.stringify({ error: message, code }, null, 2) + '\n');
  else process.stderr.write(`error: ${message}\n`);
  process.exitCode = exitCodeFor(err);
}

/**
 * A commander action with the shared conventions: `-o` parsed first (an unknown format is a usage
 * error reported as text), then `fn(format, ...positional arguments, options)`; any error goes
 * through {@link fail}.
 */
export function commandAction<A extends unknown[]>(fn: (format: OutputFormat, ...args: A) => unknown) {
  return async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    let format: OutputFormat = 'text';
    try {
      format = outputFormat(cmd.opts() as { output?: string });
      await fn(format, ...(args.slice(0, -1) as A));
    } catch (e) {
      fail(format, e);
    }
  };
}
