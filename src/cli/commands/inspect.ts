// `stratus inspect`: can this module run on wasmCloud / Stratus? Portability report plus claims summary.
// Exit 0 = runnable (portable; claims valid, or none), 3 = not portable, not a wasm module, or claims
// present but invalid (tampered, bad signature, hash mismatch, expired), 2 = the path names no file.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { formatClaimsSummary, inspectModuleClaims, type ClaimsSummary } from '../../claims/summary.js';
import { isStratusError, StratusError } from '../../core/errors.js';
import { readActorModuleFile } from '../../core/user-files.js';
import { checkPortability, formatPortabilityReport } from '../../wasm/portability.js';
import { addOutputOption, commandAction, emit, exitCodeFor } from '../output.js';

interface ClaimsFinding {
  summary: ClaimsSummary | null;
  /** Why present claims make the module unrunnable (undecodable token, or verification failed). */
  problem?: StratusError;
}

function claimsOf(module: Uint8Array): ClaimsFinding {
  let summary: ClaimsSummary | undefined;
  try {
    summary = inspectModuleClaims(module);
  } catch (e) {
    // The token cannot even be decoded: the claims are present and invalid.
    return { summary: null, problem: isStratusError(e) ? e : new StratusError('BAD_SIGNATURE', (e as Error).message) };
  }
  if (!summary) return { summary: null };
  if (!summary.reason) return { summary };
  return { summary, problem: new StratusError(summary.reason.code, summary.reason.message) };
}

function claimsText(c: ClaimsFinding): string {
  if (c.summary) return formatClaimsSummary(c.summary, 'Embedded');
  if (c.problem) return `Embedded claims: unreadable — ${c.problem.code}: ${c.problem.message.split('\n')[0]}`;
  return 'Embedded claims: none (unsigned; sign with `stratus claims sign`)';
}

export function register(program: Command): void {
  addOutputOption(program.command('inspect')
    .argument('<wasm>', 'actor module (.wasm)')
    .description('check that a module is a portable wasmCloud actor: classify every import, check required exports, show claims')
    .addHelpText('after', '\nExit codes: 0 runnable, 2 the path names no file, 3 not portable, not wasm, or claims present but invalid.'))
    .action(commandAction(async (format, input: string) => {
      const module = await readActorModuleFile(input);
      const report = checkPortability(module);
      const claims = claimsOf(module);
      const runnable = report.portable && !claims.problem;
      emit(format, {
        file: input, ...report, runnable, claims: claims.summary,
        ...(claims.problem && !claims.summary ? { claimsError: claims.problem.message } : {}),
      }, () => {
        const lines = formatPortabilityReport(report, basename(input)).split('\n');
        // The report's first line is its verdict; a portable module with bad claims still cannot run.
        if (report.portable && claims.problem) lines[0] = `${basename(input)}: NOT RUNNABLE — portable, but its claims are invalid (${claims.problem.code})`;
        return `${lines.join('\n')}\n\n${claimsText(claims)}`;
      });
      if (!report.portable) {
        process.exitCode = exitCodeFor(new StratusError('NOT_PORTABLE', 'not portable'));
      } else if (claims.problem) {
        if (format === 'text') process.stderr.write(`error: ${input} cannot run: its claims are invalid: ${claims.problem.message}\n`);
        process.exitCode = exitCodeFor(claims.problem);
      }
    }));
}
