// `stratus inspect`: can this module run on wasmCloud / Stratus? Portability report plus claims summary.
// Exit 0 = portable, 3 = not portable (or not a wasm module), 1 = file could not be read.
import { basename } from 'node:path';
import type { Command } from 'commander';
import { formatClaimsSummary, inspectModuleClaims, type ClaimsSummary } from '../../claims/summary.js';
import { checkPortability, formatPortabilityReport } from '../../wasm/portability.js';
import { addOutputOption, emit, EXIT, fail, outputFormat, type OutputFormat } from '../output.js';
import { exitCodeFor, readModuleFile } from './claims.js';

function claimsOf(module: Uint8Array): { summary: ClaimsSummary | null; error?: string } {
  try {
    return { summary: inspectModuleClaims(module) ?? null };
  } catch (e) {
    // an undecodable token does not change the portability verdict; report it alongside
    return { summary: null, error: (e as Error).message };
  }
}

export function register(program: Command): void {
  addOutputOption(program.command('inspect')
    .argument('<wasm>', 'actor module (.wasm)')
    .description('check that a module is a portable wasmCloud actor: classify every import, check required exports, show claims'))
    .action((input: string, opts: { output?: string }) => {
      let format: OutputFormat = 'text';
      try {
        format = outputFormat(opts);
        const module = readModuleFile(input);
        const report = checkPortability(module);
        const claims = claimsOf(module);
        emit(format, { file: input, ...report, claims: claims.summary, ...(claims.error ? { claimsError: claims.error } : {}) }, () => {
          const claimsText = claims.summary ? formatClaimsSummary(claims.summary, 'Embedded')
            : claims.error ? `Embedded claims: unreadable — ${claims.error.split('\n')[0]}` : 'Embedded claims: none (unsigned; sign with `stratus claims sign`)';
          return `${formatPortabilityReport(report, basename(input))}\n\n${claimsText}`;
        });
        if (!report.portable) process.exitCode = EXIT.INVALID;
      } catch (e) {
        fail(format, e, exitCodeFor(e));
      }
    });
}
