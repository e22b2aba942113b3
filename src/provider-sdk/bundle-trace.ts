// Which files a provider process needs, found by following its imports from the entry: the
// project's own modules, the stratus modules they reach (only those), and every npm package
// imported on the way with its dependencies (whole package folders, as npm installed them).
//
// Imports are found by scanning the text, not by running it: static `import`/`export … from`,
// `import('literal')` and `require('literal')`. A computed specifier cannot be followed; the
// modules stratus's provider SDK reaches use none (test/provider-sdk/bundle.test.ts runs the result
// with the project gone, which is what catches a miss).
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StratusError } from '../core/errors.js';

/** A module file to copy, with the files its path specifiers lead to. */
export interface TracedFile {
  path: string;
  /** Relative, absolute-path and file: URL specifiers, by their resolved (real) file. */
  imports: Map<string, string>;
}

export interface Trace {
  files: Map<string, TracedFile>;
  /** npm packages: name -> real folder. */
  packages: Map<string, string>;
}

const STATIC = /(?:^|[\n;])[ \t]*(?:import|export)\s*(?:type\s+)?(?:[^'";]*?\sfrom\s*)?(['"])([^'"\n]+)\1/g;
const DYNAMIC = /\b(?:import|require)\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;
const BUILTIN = new Set(builtinModules);

export function specifiers(text: string): string[] {
  const out = new Set<string>();
  for (const re of [STATIC, DYNAMIC]) for (const m of text.matchAll(re)) out.add(m[2]);
  return [...out];
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
export function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The folder Node would load package `name` from, looking up from `fromDir` (real path). */
function findPackage(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

export function within(path: string, dir: string): boolean {
  const r = relative(dir, path);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Follows imports from `entry`. Modules reached by path (the project's, and stratus's compiled
 * ones: its dist is large and a provider needs a small part of it) are taken file by file;
 * packages reached by name are taken whole.
 */
export function traceProvider(entry: string): Trace {
  const files = new Map<string, TracedFile>();
  const packages = new Map<string, string>();
  const addPackage = (name: string, fromDir: string, by: string): void => {
    const dir = findPackage(name, fromDir);
    if (!dir) {
      throw new StratusError('BAD_REQUEST', `${by} imports the package "${name}", which is not installed where Node looks for it (node_modules above ${fromDir})`,
        `install it in the project (npm install ${name}) or remove the import`);
    }
    // a package npm nested inside a kept one (another version) comes along with that one's folder
    if ([...packages.values()].some((d) => within(dir, d))) return;
    const known = packages.get(name);
    if (known) {
      throw new StratusError('BAD_REQUEST', `two copies of the package "${name}" are needed (${known} and ${dir}); a bundle holds one`,
        `make the project use the version stratus uses (npm install ${name}@<that version>)`);
    }
    packages.set(name, dir);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const dep of Object.keys({ ...pkg.dependencies })) addPackage(dep, dir, `the package ${name}`);
    // optional ones (e.g. msgpackr's native extension) come along when they are installed
    for (const dep of Object.keys({ ...pkg.optionalDependencies, ...pkg.peerDependencies })) if (findPackage(dep, dir)) addPackage(dep, dir, `the package ${name}`);
  };
  const visit = (file: string): void => {
    if (files.has(file)) return;
    const traced: TracedFile = { path: file, imports: new Map() };
    files.set(file, traced);
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('node:') || BUILTIN.has(spec) || BUILTIN.has(spec.split('/')[0])) continue;
      let target: string;
      if (spec.startsWith('file:')) target = fileURLToPath(spec);
      else if (isAbsolute(spec)) target = spec;
      else if (spec.startsWith('./') || spec.startsWith('../')) target = resolve(dirname(file), spec);
      else {
        addPackage(packageName(spec), dirname(file), relative(process.cwd(), file) || file);
        continue;
      }
      if (!existsSync(target) || !statSync(target).isFile()) {
        throw new StratusError('BAD_REQUEST', `${file} imports "${spec}", which is not a file (${target})`,
          'ES modules name the file with its extension (e.g. "./util.js"); fix the import and build again');
      }
      const real = realpathSync(target);
      traced.imports.set(spec, real);
      visit(real);
    }
  };
  visit(realpathSync(entry));
  return { files, packages };
}

/** Every file under `dir` (following symlinks to files; skipping node_modules/.bin), relative. */
export function listTree(dir: string, under = ''): string[] {
  const out: string[] = [];
  const here = join(dir, under);
  for (const name of readdirSync(here).sort()) {
    const rel = under ? `${under}${sep}${name}` : name;
    if (name === '.bin' && basename(here) === 'node_modules') continue;
    let st;
    try { st = statSync(join(dir, rel)); } catch { continue; } // a dangling link: nothing to carry
    if (st.isDirectory()) out.push(...listTree(dir, rel));
    else if (st.isFile()) out.push(rel);
  }
  return out;
}
