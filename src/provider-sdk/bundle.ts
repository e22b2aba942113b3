// A provider process as one self-contained executable script: what goes into a `.par.gz` so it
// runs on any machine of the archive's target with Node ≥ 20, without the project or stratus.
//
// The script (#!/usr/bin/env node) carries a payload: the provider's modules, the stratus modules
// they reach and the npm packages they use (bundle-trace.ts), laid out as
//   app/…              the project's files (and its package.json: "type" decides ESM)
//   stratus/…          stratus's compiled modules (and its package.json)
//   node_modules/<pkg> whole packages, found by Node from both trees above
// Imports by absolute path or file: URL (how a scaffolded project reaches this installation's SDK),
// and relative ones from a project inside the stratus folder into it, are rewritten to the
// relative paths they have in the payload; nothing else is changed. On first run the script unpacks the
// payload into a cache folder named by its hash (launcher.ts) and imports the entry from there.
//
// Why not a JS bundler: none is a dependency of stratus and the tests must run offline; copying the
// files as they are also keeps native addons (msgpackr's, if installed) and stack traces intact.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../core/package-root.js';
import { StratusError } from '../core/errors.js';
import { listTree, traceProvider, within } from './bundle-trace.js';
import { launcherScript } from './launcher.js';

export interface BundleOptions {
  /** The provider's main module (it calls runProvider). */
  entry: string;
  /** The project folder (default: the entry's folder); its files go to app/. */
  projectDir?: string;
  /** Name shown by the launcher's errors. */
  name?: string;
  /** The stratus installation whose modules go to stratus/ (default: this one). */
  stratusRoot?: string;
}

export interface Bundle {
  /** The executable script. */
  script: Uint8Array;
  /** Files in the payload, by bundle path. */
  files: string[];
  packages: string[];
  /** Bytes before compression. */
  rawBytes: number;
  hash: string;
}

const posix = (p: string) => p.split(sep).join('/');

export function bundleProvider(o: BundleOptions): Bundle {
  // real paths: the trace resolves links (a temporary folder may be one)
  const projectDir = realpathSync(o.projectDir ?? dirname(o.entry));
  const root = realpathSync(o.stratusRoot ?? packageRoot());
  const trace = traceProvider(o.entry);
  const place = (file: string): string => {
    // the project first: it may live inside the stratus folder (examples/, tests)
    if (within(file, projectDir) && !relative(projectDir, file).split(sep).includes('node_modules')) return posix(join('app', relative(projectDir, file)));
    if (within(file, root) && !relative(root, file).split(sep).includes('node_modules')) return posix(join('stratus', relative(root, file)));
    throw new StratusError('BAD_REQUEST', `the provider imports ${file}, which is neither in the project (${projectDir}) nor in stratus (${root})`,
      'move that module into the project folder, or make it an npm package the project depends on');
  };
  const entries = new Map<string, PayloadFile>();
  const add = (at: string, bytes: Uint8Array, mode = 0o644) => entries.set(at, { bytes, mode });
  for (const f of trace.files.values()) {
    const at = place(f.path);
    let text = readFileSync(f.path, 'utf8');
    for (const [spec, target] of f.imports) {
      let rel = posix(relative(dirname(at), place(target)));
      if (!rel.startsWith('.')) rel = `./${rel}`;
      // absolute ones always; relative ones only when they cross from the project into stratus
      if (rel !== spec) text = text.split(`'${spec}'`).join(`'${rel}'`).split(`"${spec}"`).join(`"${rel}"`);
    }
    add(at, new TextEncoder().encode(text));
  }
  // package.json decides whether .js is ESM; stratus's also marks its root (packageRoot())
  for (const [dir, at] of [[projectDir, 'app'], [root, 'stratus']] as const) {
    try { add(`${at}/package.json`, readFileSync(join(dir, 'package.json'))); } catch { /* a project may have none */ }
  }
  for (const [name, dir] of trace.packages) {
    // package files keep their execute bit (prebuilt helpers); modules need none
    for (const rel of listTree(dir)) add(posix(join('node_modules', name, rel)), readFileSync(join(dir, rel)), statSync(join(dir, rel)).mode & 0o111 ? 0o755 : 0o644);
  }
  const entryAt = place(trace.files.keys().next().value as string);
  const payload = packPayload(entries);
  const gz = gzipSync(payload, { level: 9 });
  const hash = createHash('sha256').update(gz).digest('hex');
  return {
    script: new TextEncoder().encode(launcherScript({ name: o.name ?? 'provider', entry: entryAt, hash, payloadBase64: gz.toString('base64') })),
    files: [...entries.keys()].sort(), packages: [...trace.packages.keys()].sort(), rawBytes: payload.length, hash,
  };
}

export interface PayloadFile { bytes: Uint8Array; mode: number }

/**
 * The payload's format: [u32 BE length of the index][index: JSON [[path, size, mode], …]][the
 * files' bytes, in index order]. Simpler than tar (no 100-byte name limit to work around) and read
 * by a dozen lines in the launcher.
 */
export function packPayload(entries: Map<string, PayloadFile>): Buffer {
  const paths = [...entries.keys()].sort();
  const index = Buffer.from(JSON.stringify(paths.map((p) => [p, entries.get(p)!.bytes.length, entries.get(p)!.mode])));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(index.length);
  return Buffer.concat([head, index, ...paths.map((p) => entries.get(p)!.bytes)]);
}
