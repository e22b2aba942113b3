// Ties parser and generators together: one .smithy file in, AssemblyScript guest bindings
// and TypeScript host codecs out.
import { readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, basename, dirname } from 'node:path';
import { parseSmithy } from './smithy.js';
import { generateAssemblyScript } from './assemblyscript.js';
import { generateTypeScript } from './typescript.js';
import { moduleName } from './names.js';

import { packageRoot } from '../core/package-root.js';

export { packageRoot };

export interface GeneratedFiles {
  name: string;
  assemblyScript?: { path: string; text: string };
  typeScript?: { path: string; text: string };
}

export interface GenerateOptions {
  asOut?: string;
  tsOut?: string;
  /** Import specifier for the SDK in AS output; default "@stratus/actor-as". */
  sdkImport?: string;
  /** Import specifier for the codec runtime in TS output; default: the installed stratus runtime. */
  tsRuntimeImport?: string;
  /** Don't write, just return the text (used by the drift test). */
  dryRun?: boolean;
}

/** Generates both ends for one interface file. */
export function generateInterface(file: string, opts: GenerateOptions): GeneratedFiles {
  const src = readFileSync(file, 'utf8');
  const model = parseSmithy(src, basename(file));
  const name = moduleName(file);
  const out: GeneratedFiles = { name };
  if (opts.asOut) {
    const text = generateAssemblyScript(model, { sdkImport: opts.sdkImport ?? '@stratus/actor-as', sourceLabel: basename(file) });
    out.assemblyScript = { path: join(opts.asOut, `${name}.ts`), text };
  }
  if (opts.tsOut) {
    const text = generateTypeScript(model, { runtimeImport: opts.tsRuntimeImport ?? defaultTsRuntimeImport(), sourceLabel: basename(file) });
    out.typeScript = { path: join(opts.tsOut, `${name}.ts`), text };
  }
  if (!opts.dryRun) {
    for (const f of [out.assemblyScript, out.typeScript]) {
      if (!f) continue;
      mkdirSync(dirname(f.path), { recursive: true });
      writeFileSync(f.path, f.text);
    }
  }
  return out;
}

/**
 * Where user-generated TS finds the codec runtime: this stratus installation's compiled runtime,
 * by absolute path, as a scaffolded provider project imports the SDK. A bare
 * `stratus/dist/src/...` specifier would be refused by the package's `exports`, which only
 * publish the library entry; tsc and Node both resolve an absolute path, and the provider bundler
 * (src/provider-sdk/bundle.ts) rewrites it, so packed providers do not depend on it.
 */
export function defaultTsRuntimeImport(root = packageRoot()): string {
  return join(root, 'dist', 'src', 'codec', 'interfaces', 'runtime.js');
}

/** The built-in interfaces and where their generated code is checked in. */
export function builtinTargets(root = packageRoot()): { file: string; asOut: string; tsOut: string }[] {
  const dir = join(root, 'interfaces');
  return readdirSync(dir).filter((f) => f.endsWith('.smithy')).sort().map((f) => ({
    file: join(dir, f),
    asOut: join(root, 'sdk', 'assemblyscript', 'assembly', 'interfaces'),
    tsOut: join(root, 'src', 'codec', 'interfaces'),
  }));
}

/** Regenerates every built-in interface (pingpong's AS side goes to the pingpong example instead). */
export function generateBuiltins(dryRun = false, root = packageRoot()): GeneratedFiles[] {
  return builtinTargets(root).map((t) => {
    const isExample = basename(t.file) === 'pingpong.smithy';
    return generateInterface(t.file, {
      asOut: isExample ? join(root, 'examples', 'pingpong', 'shared') : t.asOut,
      tsOut: t.tsOut,
      sdkImport: isExample ? '@stratus/actor-as' : '../sdk',
      tsRuntimeImport: './runtime.js',
      dryRun,
    });
  });
}
