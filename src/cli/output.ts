// Output conventions shared by every command: `-o json` for scripts, text for people,
// and exit codes that mean something.
import type { Command } from 'commander';
import { StratusError } from '../host/errors.js';

export const EXIT = {
  OK: 0,
  FAILED: 1,       // the operation failed (runtime error, actor error, host unreachable)
  USAGE: 2,        // bad arguments
  INVALID: 3,      // input rejected: not portable, bad signature, invalid claims, bad manifest
} as const;

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

/** Report an error and set the exit code; JSON mode prints `{"error": ..., "code": ...}`. */
export function fail(format: OutputFormat, err: unknown, exitCode: number = EXIT.FAILED): void {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof StratusError ? err.code : 'INTERNAL';
  if (format === 'json') process.stdout.write(JSON.stringify({ error: message, code }, null, 2) + '\n');
  else process.stderr.write(`error: ${message}\n`);
  process.exitCode = exitCode;
}
