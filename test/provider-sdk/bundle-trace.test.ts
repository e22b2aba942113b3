// The bundler's import tracing (src/provider-sdk/bundle-trace.ts, bundle.ts) on small real trees:
// what it follows, what it rewrites, and the errors that say which import is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';
import { specifiers, packageName } from '../../src/provider-sdk/bundle-trace.js';
import { bundleProvider } from '../../src/provider-sdk/bundle.js';
import { packageRoot } from '../../src/codegen/generate.js';

test('specifiers: static, multi-line, re-exports, dynamic and require; not comments or strings', () => {
  const src = [
    "import { a,\n  b } from './a.js';",
    'import "./side.js";',
    "export * from '../up.js'; export { c } from \"pkg/sub\";",
    "const x = await import('@scope/p/deep');",
    "const y = require('cjs-dep');",
    "// import { no } from './commented.js'",
    " * import { no } from './doc.js'",
    "const s = 'import nothing';",
    "export const z = 'not-a-module';",
    'import type { T } from "./types.js";',
  ].join('\n');
  assert.deepEqual(specifiers(src).sort(), ['../up.js', './a.js', './side.js', './types.js', '@scope/p/deep', 'cjs-dep', 'pkg/sub']);
  assert.equal(packageName('@scope/p/deep'), '@scope/p');
  assert.equal(packageName('pkg/sub'), 'pkg');
});

test('a bundle takes the project, the stratus modules reached and packages; absolute imports become relative', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-trace-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  mkdirSync(join(dir, 'lib'));
  writeFileSync(join(dir, 'lib', 'util.js'), 'export const shout = (s) => s.toUpperCase();\n');
  const sdk = pathToFileURL(join(packageRoot(), 'dist', 'src', 'codec', 'msgpack.js')).href;
  writeFileSync(join(dir, 'main.js'), `import { shout } from './lib/util.js';\nimport { encode, decode } from ${JSON.stringify(sdk)};\nconsole.log(shout(decode(encode('ok'))));\n`);
  const b = bundleProvider({ entry: join(dir, 'main.js'), name: 't' });
  assert.ok(b.files.includes('app/main.js') && b.files.includes('app/lib/util.js') && b.files.includes('stratus/dist/src/codec/msgpack.js'));
  assert.ok(b.packages.includes('msgpackr'));
  assert.ok(!b.files.some((f) => f.startsWith('stratus/dist/src/host/')), 'nothing the entry does not reach');
  // the launcher runs by itself, from anywhere
  const bin = join(dir, 'bin');
  writeFileSync(bin, b.script, { mode: 0o755 });
  const r = spawnSync(bin, [], { encoding: 'utf8', env: { ...process.env, STRATUS_PROVIDER_CACHE: join(dir, 'cache') }, cwd: tmpdir() });
  assert.equal(r.stdout, 'OK\n', r.stderr);
  // a cache folder others may write is refused (they could plant code in it)
  const open = join(dir, 'open-cache');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const refused = spawnSync(bin, [], { encoding: 'utf8', env: { ...process.env, STRATUS_PROVIDER_CACHE: open } });
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /ERROR provider t could not unpack its code: .*open-cache is not a folder only this user can write \(owner \d+, mode 777\); set STRATUS_PROVIDER_CACHE/);
  // the absolute import was rewritten
  const raw = gunzipSync(Buffer.from(/var PAYLOAD = "([^"]+)"/.exec(new TextDecoder().decode(b.script))![1], 'base64')).toString('latin1');
  assert.ok(raw.includes(`from "../stratus/dist/src/codec/msgpack.js"`) && !raw.includes(sdk));
});

test('a project inside the stratus folder (examples/) and packages of its own: relative imports into stratus are rewritten', () => {
  // a stand-in stratus installation, with a project in it that has an npm package of its own
  const root = mkdtempSync(join(tmpdir(), 'stratus-root-'));
  writeFileSync(join(root, 'package.json'), '{ "name": "stratus", "type": "module" }');
  mkdirSync(join(root, 'lib'));
  writeFileSync(join(root, 'lib', 'greet.js'), "export const greet = (n) => 'hi ' + n;\n");
  const project = join(root, 'examples', 'p');
  mkdirSync(join(project, 'node_modules', 'padder'), { recursive: true });
  writeFileSync(join(project, 'node_modules', 'padder', 'package.json'), '{ "name": "padder", "main": "index.cjs", "dependencies": { "stars": "1.0.0" } }');
  writeFileSync(join(project, 'node_modules', 'padder', 'index.cjs'), "const { star } = require('stars');\nexports.pad = (s) => star + s + star;\n");
  mkdirSync(join(project, 'node_modules', 'stars'));
  writeFileSync(join(project, 'node_modules', 'stars', 'package.json'), '{ "name": "stars", "main": "index.cjs" }');
  writeFileSync(join(project, 'node_modules', 'stars', 'index.cjs'), "exports.star = '*';\n");
  writeFileSync(join(project, 'package.json'), '{ "type": "module" }');
  writeFileSync(join(project, 'main.js'), "import { greet } from '../../lib/greet.js';\nimport { pad } from 'padder';\nconsole.log(pad(greet('you')));\n");
  const b = bundleProvider({ entry: join(project, 'main.js'), stratusRoot: root });
  assert.deepEqual(b.packages, ['padder', 'stars']);
  assert.ok(b.files.includes('app/main.js') && b.files.includes('stratus/lib/greet.js') && b.files.includes('node_modules/stars/index.cjs'));
  const bin = join(root, 'bin');
  writeFileSync(bin, b.script, { mode: 0o755 });
  const r = spawnSync(bin, [], { encoding: 'utf8', env: { ...process.env, STRATUS_PROVIDER_CACHE: mkdtempSync(join(tmpdir(), 'stratus-cache-')) }, cwd: tmpdir() });
  assert.equal(r.stdout, '*hi you*\n', r.stderr);
});

test('imports that cannot be bundled are refused, naming the file and the import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-trace-'));
  writeFileSync(join(dir, 'missing.js'), "import './nope';\n");
  assert.throws(() => bundleProvider({ entry: join(dir, 'missing.js') }), /missing\.js imports "\.\/nope", which is not a file.*\n?.*extension/s);
  writeFileSync(join(dir, 'pkg.js'), "import 'no-such-package-anywhere';\n");
  assert.throws(() => bundleProvider({ entry: join(dir, 'pkg.js') }), /imports the package "no-such-package-anywhere", which is not installed/);
  const outside = mkdtempSync(join(tmpdir(), 'stratus-outside-'));
  writeFileSync(join(outside, 'x.js'), 'export {};\n');
  mkdirSync(join(dir, 'p'));
  writeFileSync(join(dir, 'p', 'main.js'), `import ${JSON.stringify(join(outside, 'x.js'))};\n`);
  assert.throws(() => bundleProvider({ entry: join(dir, 'p', 'main.js') }), /neither in the project .* nor in stratus/);
});
