// tier: full — runs the stratus CLI as processes
// The exit-code rule of the README's CLI table, row by row, through real `stratus` processes:
// 0 success, 1 the operation was attempted and failed, 2 the command was used wrongly, 3 the
// input was read and rejected. Errors the host sends back map like local ones. Every error text
// must also say what to do about it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, startHostProcess, tempHome, type CliResult, type HostProcess } from '../e2e/support.js';
import { fixture, signedFixture } from '../support/fixtures.js';
import { actorModule, findBytes } from '../claims/fixtures.js';
import { signActorModule } from '../../src/claims/sign.js';

interface Row {
  why: string;
  args: string[];
  exit: number;
  /** The JSON `code` (rows run with `-o json`). */
  code?: string;
  /** What the error text must say: the cause and what to do. */
  says: RegExp;
  /** Run in a home where no host runs. */
  noHost?: boolean;
}

const home = tempHome('exit');
const idle = tempHome('exit-idle');
const f = (name: string) => join(home.dir, name);
let host: HostProcess;
let echoId: string;

before(async () => {
  writeFileSync(f('echo_s.wasm'), await signedFixture('echo'));
  writeFileSync(f('unsigned.wasm'), await fixture('echo'));
  // an unsigned module where `stratus build` would put it: hints speak stratus.json
  mkdirSync(f('proj/build'), { recursive: true });
  writeFileSync(f('proj/stratus.json'), '{"name":"proj"}');
  writeFileSync(f('proj/build/proj_s.wasm'), await fixture('echo'));
  // Initial memory of 1100 pages, above the default ceiling of 1024 (64 MiB): refused at load.
  writeFileSync(f('bigmem_s.wasm'), signActorModule(await actorModule({ memory: '1100' }), { name: 'bigmem' }));
  const signed = signActorModule(await actorModule({ result: 3 }), { name: 'tamper' });
  const tampered = Uint8Array.from(signed);
  const at = findBytes(tampered, [0x41, 0x03, 0x0b]); // `i32.const 3; end`: change the code after signing
  assert.ok(at > 0);
  tampered[at + 1] = 0x04;
  writeFileSync(f('tampered_s.wasm'), tampered);
  writeFileSync(f('unsigned-app.yaml'), `apiVersion: stratus.dev/v1
kind: Application
metadata: { name: unsigned }
spec:
  actors: [ { name: a, path: ${f('unsigned.wasm')} } ]
`);
  writeFileSync(f('invalid-app.yaml'), 'apiVersion: stratus.dev/v0\nkind: Application\nmetadata: { name: x }\nspec: {}\n');
  host = await startHostProcess(home.dir);
  const started = await cli(home.dir, ['ctl', 'start', 'actor', f('echo_s.wasm'), '-o', 'json']);
  assert.equal(started.code, 0, started.stdout + started.stderr);
  echoId = JSON.parse(started.stdout).id;
});

after(async () => {
  await host?.stop();
  home.cleanup();
  idle.cleanup();
});

function errorText(r: CliResult, json: boolean): { text: string; code?: string } {
  if (!json) return { text: r.stderr };
  try {
    const v = JSON.parse(r.stdout) as { error: string; code: string };
    return { text: v.error, code: v.code };
  } catch {
    return assert.fail(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

async function check(rows: Row[]): Promise<void> {
  const failures: string[] = [];
  for (const row of rows) {
    const r = await cli(row.noHost ? idle.dir : home.dir, row.args);
    const json = row.code !== undefined;
    const { text, code } = errorText(r, json);
    const problems = [
      r.code !== row.exit ? `exit ${r.code}, expected ${row.exit}` : '',
      json && code !== row.code ? `code ${code}, expected ${row.code}` : '',
      !row.says.test(text) ? `text does not match ${row.says}` : '',
    ].filter(Boolean);
    if (problems.length) failures.push(`${row.why}: stratus ${row.args.join(' ')}\n  ${problems.join('; ')}\n  stdout: ${r.stdout.trim()}\n  stderr: ${r.stderr.trim()}`);
  }
  assert.deepEqual(failures, [], failures.join('\n\n'));
}

test('exit 2: the command was used wrongly', async () => {
  await check([
    { why: 'unknown output format', args: ['ctl', 'get', 'inventory', '-o', 'yaml'], exit: 2, says: /unknown output format "yaml".*use -o text or -o json/s },
    { why: 'unknown output format (local command)', args: ['inspect', f('echo_s.wasm'), '-o', 'yaml'], exit: 2, says: /use -o text or -o json/ },
    { why: 'scale to 0', args: ['ctl', 'scale', 'actor', 'MANY', '0', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /count must be a whole number >= 1, got "0".*stratus ctl stop actor/s },
    { why: 'count not a number', args: ['ctl', 'start', 'actor', f('echo_s.wasm'), '--count', 'two', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /--count must be a whole number >= 1, got "two".*hint:/s },
    { why: 'missing required argument (commander)', args: ['ctl', 'scale', 'actor', echoId], exit: 2, says: /missing required argument 'count'/ },
    { why: 'missing file: ctl start actor (read by the host)', args: ['ctl', 'start', 'actor', f('nope.wasm'), '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /nope\.wasm: no such file.*hint: give the path of a signed \.wasm file/s },
    { why: 'missing file: app deploy', args: ['app', 'deploy', f('nope.yaml'), '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /cannot read manifest .*nope\.yaml: no such file.*hint: give the path of an application manifest/s },
    { why: 'missing file: up --manifest', args: ['up', '--manifest', f('nope.yaml'), '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /cannot read manifest .*nope\.yaml: no such file.*hint:/s, noHost: true },
    { why: 'missing file: call', args: ['call', f('nope.wasm'), 'Echo.Say', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /nope\.wasm: no such file.*hint:/s },
    { why: 'missing file: inspect', args: ['inspect', f('nope.wasm'), '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /nope\.wasm: no such file.*hint:/s },
    { why: 'missing file: claims inspect', args: ['claims', 'inspect', f('nope.wasm'), '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /nope\.wasm: no such file.*hint:/s },
    { why: 'missing file: claims sign', args: ['claims', 'sign', f('nope.wasm'), '-n', 'x', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /nope\.wasm: no such file.*hint:/s },
    { why: 'missing file: ctl call on a .wasm path (throwaway host)', args: ['ctl', 'call', f('nope.wasm'), 'Echo.Say', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /nope\.wasm: no such file.*hint:/s },
    { why: 'bad --data JSON', args: ['call', f('echo_s.wasm'), 'Echo.Say', '--data', '{nope', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /--data is not valid JSON/ },
    { why: 'unknown key type', args: ['keys', 'gen', 'wizard', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /unknown key type "wizard".*hint: use one of/s },
    { why: 'new actor: --path under /proc (Node\'s recursive mkdir never returns there)', args: ['new', 'actor', 'x', '--path', '/proc/stratus-nope/x', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /cannot create \/proc\/stratus-nope\/x: .*hint: pass --path/s, noHost: true },
    { why: 'new actor: --path inside a file', args: ['new', 'actor', 'x', '--path', f('echo_s.wasm') + '/x', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /echo_s\.wasm is a file, not a directory.*hint:/s },
    { why: 'new actor: --path is a file', args: ['new', 'actor', 'x', '--path', f('echo_s.wasm'), '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /echo_s\.wasm is a file, not a directory.*hint:/s },
    { why: 'up --clean while a host runs (nothing is dropped under a running host)', args: ['up', '--detached', '--clean', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /already running.*stratus down/s },
    { why: 'link put: a name that names no running actor', args: ['ctl', 'link', 'put', 'hello', 'httpserver', 'wasmcloud:httpserver', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /"hello" is neither an actor id.*running actors: echo = M/s },
    { why: 'a host already runs for this home', args: ['up', '--detached', '-o', 'json'], exit: 2, code: 'BAD_REQUEST', says: /already running.*stratus down/s },
  ]);
});

test('exit 3: the input was read and rejected (here or by the host)', async () => {
  await check([
    { why: 'missing claims: ctl start actor', args: ['ctl', 'start', 'actor', f('unsigned.wasm'), '-o', 'json'], exit: 3, code: 'NO_CLAIMS', says: /carries no claims.*stratus claims sign/s },
    { why: 'missing claims: app deploy', args: ['app', 'deploy', f('unsigned-app.yaml'), '-o', 'json'], exit: 3, code: 'NO_CLAIMS', says: /carries no claims.*stratus claims sign/s },
    { why: 'invalid manifest: app deploy', args: ['app', 'deploy', f('invalid-app.yaml'), '-o', 'json'], exit: 3, code: 'INVALID_MANIFEST', says: /apiVersion: must be "stratus\.dev\/v1".*hint: see examples/s },
    { why: 'missing claims, module from a project: call', args: ['call', f('proj/build/proj_s.wasm'), 'Echo.Say', '-o', 'json'], exit: 3, code: 'NO_CLAIMS', says: /hint: build it with `stratus build --path [^`]*proj`: it signs the module with the claims in [^ ]*proj\/stratus\.json \(or: .*stratus claims sign/s },
    { why: 'missing claims, module from a project: ctl start actor', args: ['ctl', 'start', 'actor', f('proj/build/proj_s.wasm'), '-o', 'json'], exit: 3, code: 'NO_CLAIMS', says: /hint: build it with `stratus build --path [^`]*proj`/s },
    { why: 'missing claims, module from a project: claims inspect', args: ['claims', 'inspect', f('proj/build/proj_s.wasm'), '-o', 'json'], exit: 3, code: 'NO_CLAIMS', says: /hint: build it with `stratus build --path [^`]*proj`/s },
    { why: 'missing claims: call', args: ['call', f('unsigned.wasm'), 'Echo.Say', '-o', 'json'], exit: 3, code: 'NO_CLAIMS', says: /stratus claims sign/ },
    { why: 'memory over the limit: call', args: ['call', f('bigmem_s.wasm'), 'X', '-o', 'json'], exit: 3, code: 'MEMORY_LIMIT', says: /starts at 1100 pages.*above the limit of 1024 pages.*hint: raise the actor memory limit/s },
    { why: 'memory over the limit: ctl start actor', args: ['ctl', 'start', 'actor', f('bigmem_s.wasm'), '-o', 'json'], exit: 3, code: 'MEMORY_LIMIT', says: /above the limit.*hint:/s },
    { why: 'invalid claims: inspect (text)', args: ['inspect', f('tampered_s.wasm')], exit: 3, says: /tampered_s\.wasm cannot run: its claims are invalid: .*hint:/s },
    { why: 'invalid claims: claims inspect', args: ['claims', 'inspect', f('tampered_s.wasm')], exit: 3, says: /claims are not valid: .*hint:/s },
  ]);
});

test('exit 1: the operation was attempted and failed', async () => {
  await check([
    { why: 'no host running', args: ['ctl', 'get', 'hosts', '-o', 'json'], exit: 1, code: 'HOST_UNREACHABLE', says: /no Stratus host is running.*start one with `stratus up`/s, noHost: true },
    { why: 'no host running: down', args: ['down'], exit: 1, says: /start one with `stratus up`/, noHost: true },
    { why: 'actor not running', args: ['ctl', 'stop', 'actor', 'MNOTRUNNING', '-o', 'json'], exit: 1, code: 'ACTOR_NOT_RUNNING', says: /stratus ctl get inventory/ },
    { why: 'guest error', args: ['ctl', 'call', echoId, 'Fail.Now', '--data', '"boom"', '-o', 'json'], exit: 1, code: 'GUEST_ERROR', says: /boom/ },
  ]);
});

test('the tampered module is reported as not runnable, not as PORTABLE, in text and JSON', async () => {
  const t = await cli(home.dir, ['inspect', f('tampered_s.wasm')]);
  assert.equal(t.code, 3, t.stdout + t.stderr);
  assert.match(t.stdout, /^tampered_s\.wasm: NOT RUNNABLE — portable, but its claims are invalid \(HASH_MISMATCH\)/);
  assert.match(t.stdout, /Valid now\s+no — HASH_MISMATCH/);
  const j = await cli(home.dir, ['inspect', f('tampered_s.wasm'), '-o', 'json']);
  assert.equal(j.code, 3, j.stdout + j.stderr);
  const v = JSON.parse(j.stdout);
  assert.equal(v.portable, true);
  assert.equal(v.runnable, false);
  assert.equal(v.claims.reason.code, 'HASH_MISMATCH');
  // a valid signed module is runnable, exit 0
  const ok = await cli(home.dir, ['inspect', f('echo_s.wasm'), '-o', 'json']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.equal(JSON.parse(ok.stdout).runnable, true);
});
