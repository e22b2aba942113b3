// `stratus build`: compile, check portability, sign (wash build habits).
import type { Command } from 'commander';
import { relative } from 'node:path';
import { addOutputOption, commandAction, emit } from '../output.js';
import { buildActorProject } from '../../toolchain/project.js';
import { StratusError } from '../../core/errors.js';

function kb(n: number): string {
  return n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`;
}

export function register(program: Command): void {
  addOutputOption(
    program.command('build')
      .description('build, check and sign the actor project in the current directory (or --path)')
      .option('-p, --path <dir>', 'project directory containing stratus.json', '.')
      .option('--optimize <mode>', 'speed or size', 'speed')
      .option('--keep-unsigned', 'also write build/<name>.wasm (before signing)')
      .addHelpText('after', '\nExit codes: 0 built, 1 compile/toolchain failure, 2 bad arguments, 3 invalid project or non-portable module.'),
  ).action(commandAction(async (format, opts: { path: string; optimize: string; keepUnsigned?: boolean }) => {
    if (opts.optimize !== 'speed' && opts.optimize !== 'size') {
      throw new StratusError('BAD_REQUEST', `unknown --optimize "${opts.optimize}"`, 'use speed or size');
    }
    const r = await buildActorProject(opts.path, { optimize: opts.optimize, keepIntermediate: !!opts.keepUnsigned });
    const { portability, warnings, ...rest } = r;
    emit(format, { ...rest, portable: portability.portable }, () => [
      `Built ${r.name} ${r.version} (revision ${r.revision}) in ${(r.buildMs / 1000).toFixed(1)} s`,
      `  module:   ${relative(process.cwd(), r.wasmPath) || r.wasmPath} (${kb(r.size)})`,
      `  actor id: ${r.publicKey}`,
      `  issuer:   ${r.issuer}`,
      `  claims:   ${r.caps.length ? r.caps.join(', ') : '(none)'}`,
      ...(r.callAlias ? [`  alias:    ${r.callAlias}`] : []),
      `  imports:  ${[...new Set(portability.imports.map((i) => i.module))].join(', ') || '(none)'} — portable`,
      ...r.createdKeys.map((k) => `  new key:  ${k}`),
      ...(warnings.trim() ? ['', warnings.trim()] : []),
    ].join('\n'));
  }));
}
