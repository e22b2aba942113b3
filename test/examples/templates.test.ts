// tier: full — builds the examples and templates with asc and clang, runs the CLI
// The echo and kvcounter templates carry the shipped examples' source, so `stratus new actor`
// gives a user exactly what the examples (and the seed walkthrough) run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../sdk/build-cache.js';

const home = mkdtempSync(join(tmpdir(), 'stratus-tpl-home-'));
const work = mkdtempSync(join(tmpdir(), 'stratus-tpl-'));

function stratus(args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'stratus.js'), ...args], { encoding: 'utf8', env: { ...process.env, STRATUS_HOME: home }, cwd: work });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('echo and kvcounter templates use the example source, renamed', () => {
  for (const t of ['echo', 'kvcounter']) {
    const name = `my_${t}`;
    const r = stratus(['new', 'actor', name, '--template', t]);
    assert.equal(r.code, 0, r.stderr);
    const made = readFileSync(join(work, name, 'assembly', 'index.ts'), 'utf8');
    const example = readFileSync(join(ROOT, 'examples', t, 'assembly', 'index.ts'), 'utf8');
    assert.ok(made.startsWith(`// ${name}:`), made.slice(0, 80));
    assert.equal(made.slice(made.indexOf('\n')), example.slice(example.indexOf('\n')));
  }
});

test('a kvcounter project from the template builds and counts through `stratus call`', () => {
  const build = stratus(['build', '--path', 'my_kvcounter', '-o', 'json']);
  assert.equal(build.code, 0, build.stdout + build.stderr);
  const wasm: string = JSON.parse(build.stdout).wasmPath;
  const call = stratus(['call', wasm, 'HttpServer.HandleRequest', '--data', '{"path":"/bloggo"}', '-o', 'json']);
  assert.equal(call.code, 0, call.stderr);
  const reply = JSON.parse(call.stdout).reply;
  assert.equal(reply.statusCode, 200);
  assert.equal(reply.body, '{"counter": 1}');
});

test('the echo and kvcounter projects\' own tests pass, with msgpack from the installed stratus (long strings and bodies too)', () => {
  const build = stratus(['build', '--path', 'my_echo', '-o', 'json']);
  assert.equal(build.code, 0, build.stdout + build.stderr);
  for (const project of ['my_echo', 'my_kvcounter']) {
    if (!existsSync(join(work, project, 'build'))) assert.equal(stratus(['build', '--path', project]).code, 0);
    // without the outer runner's context (with it the inner runner skips every file and exits 0)
    const env: NodeJS.ProcessEnv = { ...process.env, STRATUS_BIN: join(ROOT, 'bin', 'stratus.js') };
    delete env.NODE_TEST_CONTEXT;
    const t = spawnSync(process.execPath, ['--test', 'test/'], { cwd: join(work, project), encoding: 'utf8', env });
    assert.equal(t.status, 0, t.stdout + t.stderr);
    assert.doesNotMatch(t.stdout, /# fail [1-9]/);
  }
  const harness = readFileSync(join(work, 'my_echo', 'test', 'wasmbus.mjs'), 'utf8');
  assert.doesNotMatch(harness, /0xa0 \| /, 'no hand-written msgpack encoder left');
});
