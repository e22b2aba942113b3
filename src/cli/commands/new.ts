// `stratus new actor <name>` (project from a template) and `stratus gen` (both ends of an
// interface from one .smithy file).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { addOutputOption, emit, fail, outputFormat, EXIT, type OutputFormat } from '../output.js';
import { createActorProject, TEMPLATES, TEMPLATE_DESCRIPTIONS } from '../../build/scaffold.js';
import { BuildError } from '../../build/errors.js';
import { generateInterface } from '../../codegen/generate.js';
import { SmithyError } from '../../codegen/smithy.js';
import { StratusError } from '../../host/errors.js';

function safeFormat(opts: { output?: string }): OutputFormat | undefined {
  try {
    return outputFormat(opts);
  } catch (e) {
    fail('text', e, EXIT.USAGE);
    return undefined;
  }
}

export function register(program: Command): void {
  const newCmd = program.command('new').description('create a new project from a template');

  addOutputOption(
    newCmd.command('actor')
      .description('create an AssemblyScript actor project that builds as is')
      .argument('<name>', 'actor name (letters, digits, "_" or "-")')
      .option('-t, --template <template>', `template: ${TEMPLATES.join(', ')}`, 'hello')
      .option('-p, --path <dir>', 'directory to create (default: ./<name>)')
      .addHelpText('after', `\nTemplates:\n${TEMPLATES.map((t) => `  ${t.padEnd(10)} ${TEMPLATE_DESCRIPTIONS[t]}`).join('\n')}\n\nThen: cd <dir> && stratus build`),
  ).action((name: string, opts: { template: string; path?: string; output?: string }) => {
    const format = safeFormat(opts);
    if (!format) return;
    try {
      const r = createActorProject(name, opts.template, opts.path);
      emit(format, { name, template: r.template, dir: r.dir, files: r.files }, () => {
        const rel0 = relative(process.cwd(), r.dir) || '.';
        const rel = rel0.startsWith('..') ? r.dir : rel0;
        return [`Created actor "${name}" from template ${r.template} in ${rel}`, ...r.files.map((f) => `  ${f}`), '', 'Next:', `  cd ${rel}`, '  stratus build', '  npm test'].join('\n');
      });
    } catch (e) {
      fail(format, e, e instanceof BuildError ? EXIT.USAGE : EXIT.FAILED);
    }
  });

  addOutputOption(
    program.command('gen')
      .description('generate AssemblyScript actor bindings and TypeScript host codecs from a Smithy interface')
      .requiredOption('-i, --interface <file.smithy>', 'interface definition (Smithy IDL subset, see interfaces/README.md)')
      .option('--as-out <dir>', 'write AssemblyScript bindings (<name>.ts) here')
      .option('--ts-out <dir>', 'write TypeScript types + msgpack codecs (<name>.ts) here')
      .option('--sdk-import <specifier>', 'module the AS bindings import the SDK from', '@stratus/actor-as')
      .option('--ts-runtime <specifier>', 'module the TS codecs import their runtime from (default: the installed stratus package)'),
  ).action((opts: { interface: string; asOut?: string; tsOut?: string; sdkImport: string; tsRuntime?: string; output?: string }) => {
    const format = safeFormat(opts);
    if (!format) return;
    if (!opts.asOut && !opts.tsOut) {
      fail(format, new StratusError('BAD_REQUEST', 'nothing to generate', 'pass --as-out <dir> and/or --ts-out <dir>'), EXIT.USAGE);
      return;
    }
    const file = resolve(opts.interface);
    if (!existsSync(file)) {
      fail(format, new StratusError('BAD_REQUEST', `interface file ${opts.interface} does not exist`, 'pass the path of a .smithy file, e.g. interfaces/pingpong.smithy'), EXIT.USAGE);
      return;
    }
    try {
      const g = generateInterface(file, { asOut: opts.asOut, tsOut: opts.tsOut, sdkImport: opts.sdkImport, tsRuntimeImport: opts.tsRuntime });
      const written = [g.assemblyScript?.path, g.typeScript?.path].filter((p): p is string => !!p);
      emit(format, { interface: file, written }, () => ['Generated:', ...written.map((p) => `  ${relative(process.cwd(), p)}`)].join('\n'));
    } catch (e) {
      const err = e instanceof SmithyError ? new StratusError('BAD_REQUEST', e.message, 'fix the interface definition (see interfaces/README.md for the supported subset)') : e;
      fail(format, err, e instanceof SmithyError ? EXIT.INVALID : EXIT.FAILED);
    }
  });
}
