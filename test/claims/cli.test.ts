// tier: full — runs the stratus CLI as processes
// CLI tests: spawn the real `bin/stratus.js` with STRATUS_HOME in a temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nats from '@nats-io/nkeys';
import { computeModuleHash } from '../../src/claims/hash.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { signActorModule } from '../../src/claims/sign.js';
import { verifyActorModule } from '../../src/claims/verify.js';
import { actorModule, actorWat, findBytes, wat } from './fixtures.js';

const home = mkdtempSync(join(tmpdir(), 'stratus-cli-home-'));
const work = mkdtempSync(join(tmpdir(), 'stratus-cli-work-'));

function stratus(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/stratus.js', ...args], {
    encoding: 'utf8', env: { ...process.env, STRATUS_HOME: home, WASH_ISSUER_KEY: '', WASH_SUBJECT_KEY: '', ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function writeActor(name: string, extraImports = ''): Promise<string> {
  const p = join(work, name);
  writeFileSync(p, await wat(actorWat({ extraImports })));
  return p;
}

test('keys gen: every key type, text and json; bad type exits 2', () => {
  for (const [kind, letter] of [['account', 'A'], ['module', 'M'], ['service', 'V'], ['server', 'N'], ['cluster', 'C'], ['operator', 'O'], ['user', 'U']]) {
    const r = stratus(['keys', 'gen', kind!, '-o', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { public_key: string; seed: string };
    assert.equal(j.public_key[0], letter);
    assert.equal(j.seed.slice(0, 2), `S${letter}`);
  }
  // the generated account key is a real nkey (independent implementation agrees)
  const j = JSON.parse(stratus(['keys', 'gen', 'account', '-o', 'json']).stdout) as { public_key: string; seed: string };
  assert.equal(nats.fromSeed(new TextEncoder().encode(j.seed)).getPublicKey(), j.public_key);
  const text = stratus(['keys', 'gen', 'module']);
  assert.match(text.stdout, /^Public Key: M[A-Z2-7]{55}\nSeed: SM[A-Z2-7]{56}\n/);
  const bad = stratus(['keys', 'gen', 'wizard']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown key type "wizard".*account, cluster, module/s);
  const badJson = stratus(['keys', 'gen', 'wizard', '-o', 'json']);
  assert.equal(badJson.code, 2);
  assert.equal(JSON.parse(badJson.stdout).code, 'BAD_REQUEST');
  assert.equal(stratus(['keys', 'gen', '--help']).code, 0);
});

test('claims sign with wash flags: keys generated under STRATUS_HOME/keys on first use, reused later', async () => {
  const input = await writeActor('kvcounter.wasm');
  const r = stratus(['claims', 'sign', input, '--name', 'kvcounter', '-q', '-k', '-l', '-g', '-z', '--http_client', '-f', '-e',
    '-c', 'wasmcloud:builtin:numbergen', '-c', 'acme:thing', '-t', 'tag1', '--tag', 'tag2', '--ver', '0.3.0', '--rev', '2',
    '--call-alias', 'demo/kv', '-o', 'json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout) as { destination: string; module: string; account: string; hash: string; caps: string[] };
  assert.equal(out.destination, join(work, 'kvcounter_s.wasm'));
  assert.deepEqual(new Set(out.caps), new Set(['wasmcloud:httpserver', 'wasmcloud:keyvalue', 'wasmcloud:builtin:logging', 'wasmcloud:messaging',
    'wasmcloud:httpclient', 'wasmcloud:blobstore', 'wasmcloud:eventstreams', 'wasmcloud:builtin:numbergen', 'acme:thing']));
  assert.equal(out.caps.length, 9); // -z adds nothing
  const signed = new Uint8Array(readFileSync(out.destination));
  const v = verifyActorModule(signed);
  assert.equal(v.publicKey, out.module);
  assert.equal(v.claims.iss, out.account);
  assert.equal(v.claims.wascap.ver, '0.3.0');
  assert.equal(v.claims.wascap.rev, 2);
  assert.equal(v.claims.wascap.call_alias, 'demo/kv');
  assert.deepEqual(v.claims.wascap.tags, ['tag1', 'tag2']);
  assert.equal(out.hash, computeModuleHash(readFileSync(input)));
  const keyFile = join(home, 'keys', 'kvcounter_module.nk');
  assert.ok(existsSync(keyFile) && existsSync(join(home, 'keys', 'kvcounter_account.nk')));
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  // signing again reuses the stored keys: same actor id
  const again = JSON.parse(stratus(['claims', 'sign', input, '-n', 'kvcounter', '-d', join(work, 'again.wasm'), '-o', 'json']).stdout);
  assert.equal(again.module, out.module);
  assert.equal(again.account, out.account);
  // text mode prints the module key
  const text = stratus(['claims', 'sign', input, '-n', 'kvcounter', '-d', join(work, 'again.wasm'), '-k']);
  assert.equal(text.code, 0);
  assert.match(text.stdout, new RegExp(`Successfully signed .*again\\.wasm with capabilities: wasmcloud:keyvalue\\nModule \\(actor id\\): ${out.module}`));
});

test('claims sign: --issuer/--subject flags and WASH_ISSUER_KEY/WASH_SUBJECT_KEY env', async () => {
  const input = await writeActor('keyed.wasm');
  const acct = createKeyPair('account');
  const mod = createKeyPair('module');
  const dest = join(work, 'keyed_out.wasm');
  let r = stratus(['claims', 'sign', input, '-n', 'k', '-d', dest, '--issuer', acct.seed, '--subject', mod.seed, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).module, mod.publicKey);
  assert.equal(verifyActorModule(readFileSync(dest)).claims.iss, acct.publicKey);
  assert.equal(existsSync(join(home, 'keys', 'keyed_module.nk')), false);
  r = stratus(['claims', 'sign', input, '-n', 'k', '-d', dest, '-o', 'json'], { WASH_ISSUER_KEY: acct.seed, WASH_SUBJECT_KEY: mod.seed });
  assert.equal(JSON.parse(r.stdout).account, acct.publicKey);
  assert.equal(JSON.parse(r.stdout).module, mod.publicKey);
  // a module seed given as issuer is a usage error that says what is expected
  r = stratus(['claims', 'sign', input, '-n', 'k', '-d', dest, '--issuer', mod.seed]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /expected an account seed \(SA\.\.\.\)/);
  r = stratus(['claims', 'sign', input, '-n', 'k', '-d', dest, '--disable-keygen']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /key generation is disabled/);
});

test('claims sign: usage and input errors have distinct exit codes', async () => {
  const input = await writeActor('e.wasm');
  assert.equal(stratus(['claims', 'sign', input]).code, 2); // --name missing (commander)
  assert.equal(stratus(['claims', 'sign', input, '-n', 'x', '--expires', 'soon']).code, 2);
  assert.equal(stratus(['claims', 'sign', input, '-n', 'x', '--call-alias', 'Not Valid']).code, 2);
  const missing = stratus(['claims', 'sign', join(work, 'nope.wasm'), '-n', 'x']);
  assert.equal(missing.code, 2); // a path that names no file is a wrong argument
  assert.match(missing.stderr, /no such file\n  hint: give the path of/);
  const notWasm = join(work, 'notwasm.wasm');
  writeFileSync(notWasm, 'hello');
  const bad = stratus(['claims', 'sign', notWasm, '-n', 'x', '-o', 'json']);
  assert.equal(bad.code, 3);
  assert.equal(JSON.parse(bad.stdout).code, 'INVALID_MODULE');
});

test('claims inspect: valid -> 0 with summary; unsigned, expired, tampered -> 3 saying why', async () => {
  const m = await actorModule({ result: 3 });
  const signedPath = join(work, 'ins_s.wasm');
  const signed = signActorModule(m, { name: 'ins', caps: ['wasmcloud:keyvalue'], ver: '1.2.3', expiresDays: 10 });
  writeFileSync(signedPath, signed);
  let r = stratus(['claims', 'inspect', signedPath, '-o', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.name, 'ins');
  assert.deepEqual(j.caps, ['wasmcloud:keyvalue']);
  assert.equal(j.version, '1.2.3');
  assert.equal(j.validNow, true);
  assert.match(j.expires, /^in 9 days|^in 10 days/);
  assert.equal(j.module, verifyActorModule(signed).publicKey);
  r = stratus(['claims', 'inspect', signedPath]);
  assert.match(r.stdout, /Name\s+ins/);
  assert.match(r.stdout, /Valid now\s+yes/);
  r = stratus(['claims', 'inspect', signedPath, '--jwt-only']);
  assert.equal(r.stdout.trim().split('.').length, 3);

  const unsignedPath = join(work, 'ins.wasm');
  writeFileSync(unsignedPath, m);
  r = stratus(['claims', 'inspect', unsignedPath, '-o', 'json']);
  assert.equal(r.code, 3);
  assert.equal(JSON.parse(r.stdout).code, 'NO_CLAIMS');

  const expiredPath = join(work, 'expired_s.wasm');
  writeFileSync(expiredPath, signActorModule(m, { name: 'old', exp: 1_000_000 }));
  r = stratus(['claims', 'inspect', expiredPath]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /Valid now\s+no — EXPIRED/);
  assert.match(r.stderr, /claims are not valid: .*expired at 1970/);

  const tampered = Uint8Array.from(signed);
  const idx = findBytes(tampered, [0x41, 0x03, 0x0b]); // `i32.const 3; end` in __guest_call: change the immediate
  assert.ok(idx > 0);
  tampered[idx + 1] = 0x04;
  const tamperedPath = join(work, 'tampered_s.wasm');
  writeFileSync(tamperedPath, tampered);
  r = stratus(['claims', 'inspect', tamperedPath, '-o', 'json']);
  assert.equal(r.code, 3);
  assert.equal(JSON.parse(r.stdout).reason.code, 'HASH_MISMATCH');
});

test('inspect: portable -> 0, not portable -> 3 with explanation, missing file -> 2, json shape', async () => {
  const good = await writeActor('good.wasm');
  let r = stratus(['inspect', good]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /good\.wasm: PORTABLE/);
  assert.match(r.stdout, /Embedded claims: none/);

  const bad = await writeActor('tinygo.wasm', '(import "env" "syscall/js.valueGet" (func (param i32 i64 i32 i32)))');
  r = stratus(['inspect', bad]);
  assert.equal(r.code, 3);
  assert.match(r.stdout, /NOT PORTABLE/);
  assert.match(r.stdout, /encoding\/json/);
  r = stratus(['inspect', bad, '-o', 'json']);
  assert.equal(r.code, 3);
  const j = JSON.parse(r.stdout);
  assert.equal(j.portable, false);
  assert.equal(j.file, bad);
  assert.equal(j.claims, null);
  const imp = j.imports.find((i: { name: string }) => i.name === 'syscall/js.valueGet');
  assert.deepEqual(Object.keys(imp).sort(), ['class', 'explanation', 'fix', 'kind', 'module', 'name', 'problem', 'signature']);
  assert.equal(j.problems.length, 1);

  const signedPath = join(work, 'good_s.wasm');
  writeFileSync(signedPath, signActorModule(readFileSync(good), { name: 'good', caps: ['wasmcloud:httpserver'] }));
  r = stratus(['inspect', signedPath, '-o', 'json']);
  assert.equal(r.code, 0);
  assert.equal(JSON.parse(r.stdout).claims.name, 'good');

  r = stratus(['inspect', join(work, 'missing.wasm')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot read .*missing\.wasm: no such file/);
  const txt = join(work, 'readme.txt');
  writeFileSync(txt, 'not wasm at all');
  r = stratus(['inspect', txt, '-o', 'json']);
  assert.equal(r.code, 3);
  assert.match(JSON.parse(r.stdout).error, /magic number.*byte offset 0/);
  assert.equal(stratus(['inspect', good, '-o', 'yaml']).code, 2);
  assert.equal(stratus(['inspect', '--help']).code, 0);
});
