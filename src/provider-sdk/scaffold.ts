// `stratus new provider <name>`: a provider project (templates/provider) that builds and packs
// into a signed .par.gz as is. The project imports this installation's SDK, bundler and CLI by
// path; the archive it packs carries what it needs (bundle.ts), so it runs without them.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../core/package-root.js';
import { StratusError } from '../core/errors.js';

export interface ProviderProjectOptions {
  path?: string;
  capid?: string;
  vendor?: string;
}

export function createProviderProject(name: string, o: ProviderProjectOptions = {}): { dir: string; files: string[]; capid: string } {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
    throw new StratusError('BAD_REQUEST', `invalid provider name "${name}"`, 'use a letter followed by letters, digits, "_" or "-", e.g. `stratus new provider greeter`');
  }
  const pkg = name.toLowerCase();
  const capid = o.capid ?? `example:${pkg}`;
  if (!/^[^:\s]+:[^\s]+$/.test(capid)) throw new StratusError('BAD_REQUEST', `contract id "${capid}" is not of the form <namespace>:<name>`, 'pass e.g. --capid acme:greeter');
  const dir = resolve(o.path ?? name);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new StratusError('BAD_REQUEST', `${dir} already exists and is not empty`, 'choose another name or pass --path <empty or new directory>');
  }
  const root = packageRoot();
  const vars: Record<string, string> = {
    name, package: pkg, capid, vendor: o.vendor ?? 'example',
    sdk: pathToFileURL(join(root, 'dist', 'src', 'provider-sdk', 'index.js')).href,
    bundler: pathToFileURL(join(root, 'dist', 'src', 'provider-sdk', 'bundle.js')).href,
    stratusBin: join(root, 'bin', 'stratus.js'),
  };
  const from = join(root, 'templates', 'provider');
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const entry of readdirSync(from).sort()) {
    const dst = join(dir, entry === 'gitignore' ? '.gitignore' : entry);
    writeFileSync(dst, readFileSync(join(from, entry), 'utf8').replace(/\{\{(\w+)\}\}/g, (m, k: string) => vars[k] ?? m));
    files.push(relative(dir, dst));
  }
  return { dir, files, capid };
}
