// Bundles the `stratus` CLI for cold start (docs/coldstart.md, "Third pass: the bundled CLI"):
// tsc's output for src/cli/main.ts and everything it imports, plus yaml and commander, into
// dist/cli/main.cjs (one CommonJS file), and the same for each command module alone into
// dist/cli/command-<module>.cjs, with dist/cli/commands.json saying which file runs which command;
// and the actor worker lane's thread entry into dist/cli/lane-worker.cjs.
// Node's per-file module loading (resolve, stat, read, link) was ~200 ms of a ~650 ms profiled
// `stratus up`; a warm `up` loaded ~160 of our files, now one. bin/stratus.js runs the command's
// file when it is not older than tsc's dist/src/cli/main.js, else tsc's output.
//
// Runs after tsc in `npm run build`:
//   node scripts/bundle-cli.mjs [--format cjs|esm] [--no-splitting] [--no-per-command]
//                               [--bundle-packages none|start|all] [--outdir dist/cli]
// The flags are for measuring the variants; the defaults won (docs/coldstart.md, 15 interleaved
// rounds, load 4-7: warm `up` to the first 200 — tsc output 662 ms, ESM with splitting (69 chunk
// files loaded) 646 ms, one CommonJS file 525 ms; one ESM file without splitting loses the lazy
// loading: its imports of external packages are hoisted, so every package loads (`call` ~420 ms
// against ~205 split). Bundling every pure-JS package (3 MiB) or none changed nothing measurable.
//
// What keeps the bundle sound:
//  - It bundles tsc's JavaScript (dist/src), not the TypeScript, so it runs the same code a
//    tsc-only build runs.
//  - `import.meta.url` in each bundled module is replaced by the URL of that module's own file in
//    dist/src (relative to the bundle, so the tree can move; `import.meta.resolve` likewise).
//    Every path made from it still points where it did: the worker-thread entries (actor worker
//    lane, preparation worker, the dev builder's child), the UI page, the package root
//    (templates, SDK, interfaces, schemas, examples). Those entries run from dist/src as their
//    own module graphs, as before — except the actor worker lane's, bundled as lane-worker.cjs
//    (LANE_WORKER_ENTRY below).
//  - Packages with native addons, loaded only by workers or one command, stay external and load
//    from node_modules as before (EXTERNAL below); so do all others but yaml and commander. In
//    CommonJS output an external import inside a lazily imported module becomes a `require`
//    inside that module's lazy initializer, so it still loads only when that module does.
//  - No top-level await anywhere in the CLI's graph (CommonJS has none; esbuild refuses it).
//  - With --format esm, bundled CommonJS packages call `require` for Node's built-ins; an ESM
//    file has none, so each output file gets one from createRequire (the banner).
import { build } from 'esbuild';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFile } from 'node:fs/promises';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = resolve(root, 'dist/src/cli/main.js');
const args = process.argv.slice(2);
const opt = (name, dflt) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : dflt);
// another directory only to measure variants side by side (the paths into dist/src are made relative to it)
const outdir = resolve(root, opt('outdir', 'dist/cli'));
const format = opt('format', 'cjs');
const splitting = format === 'esm' && !args.includes('--no-splitting');
const bundlePackages = opt('bundle-packages', 'start');

// The pure-JS packages a `stratus up` or `stratus call` loads before its first answer: yaml is ~80
// CommonJS files, commander ~8.
const START_PACKAGES = ['yaml', 'commander'];
// Never bundled: native addons (lmdb, msgpackr-extract and msgpackr, which lmdb loads itself — a
// bundled copy would be a second one), compilers and tools loaded by workers or one command
// (binaryen, assemblyscript, wabt), and playwright-core (the UI tests' browser driver).
const EXTERNAL = ['lmdb', 'msgpackr', 'msgpackr-extract', 'binaryen', 'assemblyscript', 'wabt', 'playwright-core'];

/**
 * The actor worker lane's thread entry, bundled too (CommonJS only): a worker thread loaded 33 of
 * our files from dist/src and now loads one; the module that names the entry points at it.
 */
const laneWorker = format === 'cjs' && !args.includes('--no-lane-worker');
const LANE_WORKER_ENTRY = resolve(root, 'dist/src/host/lanes/worker/thread.js');
const LANE_WORKER_REF = resolve(root, 'dist/src/host/lanes/worker/reserve.js');

if (!existsSync(entry)) {
  console.error(`bundle-cli: ${entry} does not exist; run \`npx tsc -p tsconfig.json\` first (\`npm run build\` runs both)`);
  process.exit(1);
}

/** Replaces `import.meta.url` in each dist/src module by its own file's URL, relative to the bundle. */
const ownFileUrl = {
  name: 'own-file-url',
  setup(b) {
    const distSrc = resolve(root, 'dist/src') + '/';
    b.onLoad({ filter: /\.js$/ }, async (a) => {
      if (!a.path.startsWith(distSrc)) return undefined;
      const text = await readFile(a.path, 'utf8');
      if (!text.includes('import.meta.')) return { contents: text, loader: 'js' };
      // every output file (the .cjs files, or main.js and its ESM chunks) is directly in outdir, so
      // this relative path holds for all
      const rel = relative(outdir, a.path).split('\\').join('/');
      const own = format === 'esm'
        ? `const __ownFileUrl = new URL(${JSON.stringify(rel)}, import.meta.url).href;\n`
        : `const __ownFileUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, ${JSON.stringify(rel)})).href;\n`
          // import.meta.resolve (asyncify's fresh binaryen instance) from the module's own file
          + `const __ownResolve = (s) => require('node:url').pathToFileURL(require('node:module').createRequire(__ownFileUrl).resolve(s)).href;\n`;
      // (in ESM output import.meta.resolve stays: packages resolve the same from dist/cli)
      let contents = own + text.replaceAll('import.meta.url', '__ownFileUrl');
      if (format === 'cjs') contents = contents.replaceAll('import.meta.resolve(', '__ownResolve(');
      if (laneWorker && a.path === LANE_WORKER_REF) {
        // the actor worker lane's threads run the bundled lane-worker.cjs (LANE_WORKER_ENTRY)
        const from = "new URL('./thread.js', __ownFileUrl)";
        if (!contents.includes(from)) throw new Error(`bundle-cli: ${a.path} no longer says ${from.replace('__ownFileUrl', 'import.meta.url')}; update LANE_WORKER_REF in scripts/bundle-cli.mjs`);
        contents = contents.replace(from, "require('node:url').pathToFileURL(require('node:path').join(__dirname, 'lane-worker.cjs'))");
      }
      return { contents, loader: 'js' };
    });
  },
};

/** Which bare specifiers stay imports from node_modules. */
const externals = {
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => {
      if (a.path.startsWith('node:')) return { path: a.path, external: true };
      const name = a.path.startsWith('@') ? a.path.split('/').slice(0, 2).join('/') : a.path.split('/')[0];
      const bundled = bundlePackages === 'all' ? !EXTERNAL.includes(name)
        : bundlePackages === 'start' ? START_PACKAGES.includes(name) : false;
      return bundled ? undefined : { path: a.path, external: true };
    });
  },
};

/**
 * One file per command module besides main.cjs: `stratus call` compiles 550 KiB instead of 1.4 MiB
 * (~13 ms less to compile; 21 interleaved rounds, load ~4.5: call 234 -> 214 ms median). Each is
 * the whole CLI for the commands that module registers (runCli of src/cli/program.ts with that
 * module); bin/stratus.js picks one through commands.json, and main.cjs for help and unknown words.
 * CommonJS only (ESM splitting shares code between files instead).
 */
async function commandEntries() {
  if (format !== 'cjs') return { entries: {}, owners: {} };
  const tableFile = resolve(root, 'dist/src/cli/commands.js');
  const files = [...(await readFile(tableFile, 'utf8')).matchAll(/import\('\.\/commands\/([\w-]+)\.js'\)/g)].map((m) => m[1]);
  const { COMMAND_MODULES, COMMAND_OWNERS } = await import(pathToFileURL(tableFile).href);
  if (files.length !== COMMAND_MODULES.length) {
    throw new Error(`bundle-cli: found ${files.length} \`import('./commands/…')\` in ${tableFile} for ${COMMAND_MODULES.length} COMMAND_MODULES; keep each loader a literal import() of one file`);
  }
  const entries = Object.fromEntries(files.map((f) => [`command-${f}`, `stratus-command:${f}`]));
  const owners = Object.fromEntries(Object.entries(COMMAND_OWNERS).map(([word, i]) => [word, `command-${files[i]}.cjs`]));
  return { entries, owners };
}

/** The entry of a per-command file: the program with one command module. */
const commandEntry = {
  name: 'command-entry',
  setup(b) {
    b.onResolve({ filter: /^stratus-command:/ }, (a) => ({ path: a.path.slice('stratus-command:'.length), namespace: 'stratus-command' }));
    b.onLoad({ filter: /.*/, namespace: 'stratus-command' }, (a) => ({
      loader: 'js',
      resolveDir: resolve(root, 'dist/src/cli'),
      contents: `import { runCli } from './program.js';\nimport * as mod from './commands/${a.path}.js';\nrunCli(async () => [mod]);\n`,
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const perCommand = splitting || args.includes('--no-per-command') ? { entries: {}, owners: {} } : await commandEntries();
const result = await build({
  entryPoints: { main: entry, ...perCommand.entries, ...(laneWorker ? { 'lane-worker': LANE_WORKER_ENTRY } : {}) },
  outdir,
  outExtension: { '.js': format === 'cjs' ? '.cjs' : '.js' },
  bundle: true,
  splitting,
  format,
  platform: 'node',
  target: 'node20',
  chunkNames: '[name]-[hash]',
  banner: format === 'cjs' ? {} : { js: "import { createRequire as __bundleCreateRequire } from 'node:module';\nconst require = __bundleCreateRequire(import.meta.url);" },
  plugins: [commandEntry, ownFileUrl, externals],
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});
// Dynamic imports left in the CommonJS output (packages that are ES modules only: the NATS client,
// the AssemblyScript compiler) go through the importer bin/code-cache.js passes to the bundle as
// `__import`: functions V8 restores from a code cache lose their dynamic-import callback
// (Node 20: "A dynamic import callback was not specified"). Loaded by a plain require, the bundle
// has no `__import` and imports itself.
if (format === 'cjs') {
  for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.cjs'))) {
    const path = resolve(root, file);
    const text = await readFile(path, 'utf8');
    const out = text.replace(/(?<![\w$.])import\(/g, '(typeof __import === "function" ? __import : (s) => import(s))(')
      // esbuild writes non-ASCII characters escaped everywhere but in comments: escaped there too,
      // the file is ASCII, which bin/code-cache.js reads ~2 ms faster than UTF-8 text (same string)
      .replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    if (out !== text) writeFileSync(path, out);
  }
}
// which file bin/stratus.js runs for a first argument (absent: main.cjs)
if (Object.keys(perCommand.owners).length > 0) writeFileSync(resolve(outdir, 'commands.json'), JSON.stringify(perCommand.owners) + '\n');
const outputs = Object.entries(result.metafile.outputs);
const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0);
const mainBytes = outputs.find(([f]) => /\/main\.c?js$/.test(f))?.[1].bytes ?? 0;
console.log(`bundle-cli: ${Object.keys(result.metafile.inputs).length} modules -> ${outputs.length} files in ${relative(root, outdir)}/ (main ${(mainBytes / 1024).toFixed(0)} KiB, all ${(bytes / 1024).toFixed(0)} KiB; ${format}, splitting ${splitting ? 'on' : 'off'}, packages bundled: ${bundlePackages})`);
