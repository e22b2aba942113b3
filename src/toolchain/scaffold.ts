// `stratus new actor`: copies a template (templates/<name> + templates/common), filling in
// {{name}}, {{package}} and {{template}}.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '../core/package-root.js';
import { BuildError } from './errors.js';
import { newProjectKeyName } from './key-owner.js';

export const TEMPLATES = ['hello', 'echo', 'kvcounter'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export const TEMPLATE_DESCRIPTIONS: Record<TemplateName, string> = {
  hello: 'answers every HTTP request with a greeting (wasmcloud:httpserver)',
  echo: 'echoes the HTTP request back as JSON (wasmcloud:httpserver)',
  kvcounter: 'counts hits per path in a key-value store (wasmcloud:httpserver + wasmcloud:keyvalue)',
};

export interface ScaffoldResult {
  dir: string;
  files: string[];
  template: TemplateName;
}

function copyTree(from: string, to: string, vars: Record<string, string>, out: string[]): void {
  for (const entry of readdirSync(from).sort()) {
    const src = join(from, entry);
    // npm strips .gitignore from packages, so the template stores it as "gitignore"
    const dst = join(to, entry === 'gitignore' ? '.gitignore' : entry);
    if (statSync(src).isDirectory()) { mkdirSync(dst, { recursive: true }); copyTree(src, dst, vars, out); continue; }
    const text = readFileSync(src, 'utf8').replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m);
    writeFileSync(dst, text);
    out.push(dst);
  }
}

/** Templates whose actor source is the shipped example's, so the two cannot drift apart. */
const SOURCE_FROM_EXAMPLE: ReadonlySet<string> = new Set(['echo', 'kvcounter']);

function copyExampleSource(example: string, dir: string, name: string, out: string[]): void {
  const from = join(packageRoot(), 'examples', example, 'assembly');
  const to = join(dir, 'assembly');
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from).sort()) {
    // the header comment names the example; the new project has its own name
    const text = readFileSync(join(from, entry), 'utf8').replace(new RegExp(`^// ${example}:`), `// ${name}:`);
    writeFileSync(join(to, entry), text);
    out.push(join(to, entry));
  }
}

/**
 * Creates `dir` and its missing parents one level at a time. Node's `mkdirSync(…, { recursive:
 * true })` never returns for a path under /proc (it retries ENOENT forever), so the recursive form
 * is used only inside a directory this function has made.
 */
function makeProjectDir(dir: string): void {
  const missing: string[] = [];
  let p = dir;
  while (!existsSync(p)) {
    missing.unshift(p);
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  if (existsSync(p) && !statSync(p).isDirectory()) {
    throw new BuildError('config', 'BAD_REQUEST', `cannot create ${dir}: ${p} is a file, not a directory`, 'pass --path <a new or empty directory>');
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied'
        : code === 'EROFS' ? 'read-only file system'
        : code === 'ENOENT' ? `${dirname(d)} does not accept new directories`
        : (e as Error).message;
      throw new BuildError('config', 'BAD_REQUEST', `cannot create ${dir}: ${why}`, 'pass --path <a directory you can write to>, or omit --path to create ./<name>');
    }
  }
}

export function createActorProject(name: string, template: string = 'hello', path?: string): ScaffoldResult {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    throw new BuildError('config', 'BAD_REQUEST', `invalid actor name "${name}"`, 'use a letter followed by letters, digits, "_" or "-", e.g. `stratus new actor kvcounter`');
  }
  if (!TEMPLATES.includes(template as TemplateName)) {
    throw new BuildError('config', 'BAD_REQUEST', `unknown template "${template}"`, `choose one of: ${TEMPLATES.map((t) => `${t} (${TEMPLATE_DESCRIPTIONS[t]})`).join('; ')}`);
  }
  const dir = resolve(path ?? name);
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new BuildError('config', 'BAD_REQUEST', `${dir} is a file, not a directory`, 'choose another name or pass --path <empty or new directory>');
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new BuildError('config', 'BAD_REQUEST', `${dir} already exists and is not empty`, 'choose another name or pass --path <empty or new directory>');
  }
  const root = join(packageRoot(), 'templates');
  // "key": the project's own module key, so a second project with this name is a second actor
  const vars = { name, package: name.toLowerCase(), template, key: newProjectKeyName(name) };
  const files: string[] = [];
  makeProjectDir(dir);
  copyTree(join(root, 'common'), dir, vars, files);
  copyTree(join(root, template), dir, vars, files);
  if (SOURCE_FROM_EXAMPLE.has(template)) copyExampleSource(template, dir, name, files);
  return { dir, files: files.map((f) => relative(dir, f)).sort(), template: template as TemplateName };
}
