// tier: full — packs the project, installs the tarball into temporary projects and a temporary
// global prefix with npm, builds an actor there and runs it.
//
// The package as a user gets it: `import { Host } from 'stratus'` in another project runs the
// documented example (docs/library.md) and type-checks; `npm install -g` of the tarball puts a
// working `stratus` on PATH; a project it creates outside the repository builds and passes its own
// `npm test`; and without stratus installed that `npm test` says how to install it.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort } from '../support/servers.js';
import { describeRun, npmEnv, packProject, ROOT, run, tempDir } from './npm.js';

let tarball: string;
const cleanup: string[] = [];
const home = tempDir('home');
const cache = tempDir('cache');
cleanup.push(home, cache);
/** Stratus state of these runs stays in temporary directories. */
const stratusEnv = { STRATUS_HOME: home, STRATUS_CACHE_DIR: cache };

before(async () => {
  tarball = await packProject();
  cleanup.push(join(tarball, '..'));
});

after(() => {
  for (const d of cleanup) rmSync(d, { recursive: true, force: true });
});

/** The example between the `<!-- example: embed` marker and the end of its code block. */
function documentedExample(): string {
  const doc = readFileSync(join(ROOT, 'docs', 'library.md'), 'utf8');
  const m = /<!-- example: embed[^>]*-->\s*```js\n([\s\S]*?)```/.exec(doc);
  assert.ok(m, 'docs/library.md has the embed example');
  return m[1]!;
}

/** PATH without any directory that holds a `stratus` command. */
function pathWithoutStratus(): string {
  return (process.env.PATH ?? '').split(delimiter).filter((d) => {
    try { accessSync(join(d, 'stratus'), constants.X_OK); return false; } catch { return true; }
  }).join(delimiter);
}

describe('stratus as a library (npm pack, installed by name in another project)', () => {
  it('runs the documented embedding example: the actor answers directly and over HTTP', async () => {
    const app = tempDir('app');
    cleanup.push(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', private: true, type: 'module' }));
    const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: app, env: npmEnv() });
    assert.equal(install.code, 0, describeRun(install));

    // The actor: the kvcounter example, built by the installed package's own CLI.
    cpSync(join(ROOT, 'examples', 'kvcounter'), join(app, 'kvcounter'), { recursive: true, filter: (s) => !s.includes('/build') });
    const build = await run(join(app, 'node_modules', '.bin', 'stratus'), ['build', '--path', 'kvcounter'], { cwd: app, env: { ...process.env, ...stratusEnv } });
    assert.equal(build.code, 0, describeRun(build));
    const wasm = join(app, 'kvcounter', 'build', 'kvcounter_s.wasm');
    assert.ok(existsSync(wasm), describeRun(build));

    writeFileSync(join(app, 'embed.mjs'), documentedExample());
    const port = await freePort();
    const r = await run(process.execPath, ['embed.mjs', wasm], { cwd: app, env: { ...process.env, ...stratusEnv, PORT: String(port) }, timeoutMs: 120_000 });
    assert.equal(r.code, 0, describeRun(r));
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.map((l) => JSON.parse(l)), [{ counter: 1 }, { counter: 2 }], describeRun(r));
  });

  it('has types for its entry point, and keeps its internals private', async () => {
    const app = tempDir('types');
    cleanup.push(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'typed-app', version: '1.0.0', private: true, type: 'module' }));
    // A TypeScript app on Node has Node's types, as for any Node library.
    const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, '@types/node@20'], { cwd: app, env: npmEnv() });
    assert.equal(install.code, 0, describeRun(install));
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] } }));
    writeFileSync(join(app, 'main.ts'), `
import { Host, createProvider, StratusError, isStratusError, signActorModule, pullArtifact, type ActorDescription, type StratusErrorCode } from 'stratus';
const host: Host = new Host({ rpcTimeoutMs: 1000 });
const started: Promise<ActorDescription> = host.startActor(new Uint8Array(0));
const code: StratusErrorCode = 'NO_CLAIMS';
const e: StratusError = new StratusError(code, 'x');
const ok: boolean = isStratusError(e, 'NO_CLAIMS');
void [started, ok, createProvider, signActorModule, pullArtifact];
// @ts-expect-error the host's options are typed: a string is not a timeout
new Host({ rpcTimeoutMs: 'soon' });
`);
    const tsc = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: app });
    assert.equal(tsc.code, 0, describeRun(tsc));

    const deep = await run(process.execPath, ['--input-type=module', '-e', "await import('stratus/dist/src/host/host.js')"], { cwd: app });
    assert.notEqual(deep.code, 0);
    assert.match(deep.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});

describe('the stratus command, installed globally from the packed tarball', () => {
  let prefix: string;
  let bin: string;

  before(async () => {
    prefix = tempDir('prefix');
    cleanup.push(prefix);
    const r = await run('npm', ['install', '-g', '--prefer-offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], { cwd: prefix, env: npmEnv() });
    assert.equal(r.code, 0, describeRun(r));
    bin = join(prefix, 'bin');
  });

  it('is on PATH and answers --help', async () => {
    const r = await run('stratus', ['--help'], { cwd: prefix, env: { ...process.env, PATH: `${bin}${delimiter}${pathWithoutStratus()}` } });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /Usage: stratus/);
    assert.match(r.stdout, /\bpush\b/);
    assert.match(r.stdout, /\bpull\b/);
  });

  it('creates a project outside the repository that builds and passes its own npm test', async () => {
    const work = tempDir('project');
    cleanup.push(work);
    const env = { ...npmEnv(stratusEnv), PATH: `${bin}${delimiter}${pathWithoutStratus()}` };
    const created = await run('stratus', ['new', 'actor', 'greeter', '--template', 'hello'], { cwd: work, env });
    assert.equal(created.code, 0, describeRun(created));
    const test = await run('npm', ['test'], { cwd: join(work, 'greeter'), env });
    assert.equal(test.code, 0, describeRun(test));
    assert.ok(existsSync(join(work, 'greeter', 'build', 'greeter_s.wasm')), describeRun(test));
    assert.match(test.stdout, /# pass [1-9]/, describeRun(test));
  });

  it('a project whose machine has no stratus says how to install it, instead of "stratus: not found"', async () => {
    const work = tempDir('project');
    cleanup.push(work);
    const created = await run(join(bin, 'stratus'), ['new', 'actor', 'lonely'], { cwd: work, env: { ...process.env, ...stratusEnv } });
    assert.equal(created.code, 0, describeRun(created));
    const test = await run('npm', ['test'], { cwd: join(work, 'lonely'), env: { ...npmEnv(stratusEnv), PATH: pathWithoutStratus() } });
    assert.notEqual(test.code, 0);
    const said = test.stdout + test.stderr;
    assert.match(said, /stratus is not installed/, describeRun(test));
    assert.match(said, /npm install -g/, describeRun(test));
    assert.doesNotMatch(said, /stratus: not found/, describeRun(test));
  });
});
