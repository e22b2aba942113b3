// `stratus new actor <name>` (project from a template) and `stratus gen` (both ends of an
// interface from one .smithy file).
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { addOutputOption, commandAction, emit } from '../output.js';
import { createActorProject, TEMPLATES, TEMPLATE_DESCRIPTIONS } from '../../toolchain/scaffold.js';
import { generateInterface } from '../../codegen/generate.js';
import { createProviderProject } from '../../provider-sdk/scaffold.js';
import { SmithyError } from '../../codegen/smithy.js';
import { StratusError } from '../../core/errors.js';

export function register(program: Command): void {
  const newCmd = program.command('new').description('create a new project from a template');

  addOutputOption(
    newCmd.command('actor')
      .description('create an AssemblyScript actor project that builds as is')
      .argument('<name>', 'actor name (letters, digits, "_" or "-")')
      .option('-t, --template <template>', `template: ${TEMPLATES.join(', ')}`, 'hello')
      .option('-p, --path <dir>', 'directory to create (default: ./<name>)')
      .addHelpText('after', `\nTemplates:\n${TEMPLATES.map((t) => `  ${t.padEnd(10)} ${TEMPLATE_DESCRIPTIONS[t]}`).join('\n')}\n\nThen: cd <dir> && stratus build`),
  ).action(commandAction((format, name: string, opts: { template: string; path?: string }) => {
    const r = createActorProject(name, opts.template, opts.path);
    emit(format, { name, template: r.template, dir: r.dir, files: r.files }, () => {
      const rel0 = relative(process.cwd(), r.dir) || '.';
      const rel = rel0.startsWith('..') ? r.dir : rel0;
      return [`Created actor "${name}" from template ${r.template} in ${rel}`, ...r.files.map((f) => `  ${f}`), '', 'Next:', `  cd ${rel}`, '  stratus build', '  npm test'].join('\n');
    });
  }));

  addOutputOption(
    newCmd.command('provider')
      .description('create a capability provider project (provider SDK) that builds into a signed .par.gz as is')
      .argument('<name>', 'provider name (letters, digits, "_" or "-")')
      .option('-p, --path <dir>', 'directory to create (default: ./<name>)')
      .option('-c, --capid <contract-id>', 'capability contract id (default: example:<name>)')
      .option('-v, --vendor <vendor>', 'vendor written into the claims', 'example'),
  ).action(commandAction((format, name: string, opts: { path?: string; capid?: string; vendor: string }) => {
    const r = createProviderProject(name, opts);
    emit(format, { name, dir: r.dir, files: r.files, capid: r.capid }, () => {
      const rel = relative(process.cwd(), r.dir) || '.';
      return [`Created provider "${name}" (${r.capid}) in ${rel.startsWith('..') ? r.dir : rel}`, ...r.files.map((f) => `  ${f}`), '', 'Next:', `  cd ${rel}`, '  npm run build', `  stratus ctl start provider build/${name.toLowerCase()}.par.gz`].join('\n');
    });
  }));

  addOutputOption(
    program.command('gen')
      .description('generate AssemblyScript actor bindings and TypeScript host codecs from a Smithy interface')
      .requiredOption('-i, --interface <file.smithy>', 'interface definition (Smithy IDL subset, see interfaces/README.md)')
      .option('--as-out <dir>', 'write AssemblyScript bindings (<name>.ts) here')
      .option('--ts-out <dir>', 'write TypeScript types + msgpack codecs (<name>.ts) here')
      .option('--sdk-import <specifier>', 'module the AS bindings import the SDK from', '@stratus/actor-as')
      .option('--ts-runtime <specifier>', 'module the TS codecs import their runtime from (default: the installed stratus package)'),
  ).action(commandAction((format, opts: { interface: string; asOut?: string; tsOut?: string; sdkImport: string; tsRuntime?: string }) => {
    if (!opts.asOut && !opts.tsOut) {
      throw new StratusError('BAD_REQUEST', 'nothing to generate', 'pass --as-out <dir> and/or --ts-out <dir>');
    }
    const file = resolve(opts.interface);
    if (!existsSync(file)) {
      throw new StratusError('BAD_REQUEST', `interface file ${opts.interface} does not exist`, 'pass the path of a .smithy file, e.g. interfaces/pingpong.smithy');
    }
    let g;
    try {
      g = generateInterface(file, { asOut: opts.asOut, tsOut: opts.tsOut, sdkImport: opts.sdkImport, tsRuntimeImport: opts.tsRuntime });
    } catch (e) {
      if (e instanceof SmithyError) throw new StratusError('INVALID_INTERFACE', e.message, 'fix the interface definition (see interfaces/README.md for the supported subset)');
      throw e;
    }
    const written = [g.assemblyScript?.path, g.typeScript?.path].filter((p): p is string => !!p);
    emit(format, { interface: file, written }, () => ['Generated:', ...written.map((p) => `  ${relative(process.cwd(), p)}`)].join('\n'));
  }));
}
