// tier: full — runs the system tar and the stratus CLI as processes
// Provider archives: created, read back (also by the system's tar), extended and verified; each
// tampering refused with its own error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { encodeJwt, decodeJwt } from '../../src/claims/jwt.js';
import { isStratusError } from '../../src/core/errors.js';
import { archiveBytes, createArchive, insertBinary, readArchive, verifyArchiveForTarget } from '../../src/par/archive.js';
import { hostTarget } from '../../src/par/target.js';
import { writeTar } from '../../src/par/tar-write.js';

const issuer = createKeyPair('account');
const subject = createKeyPair('service');
const bin = new TextEncoder().encode('#!/bin/sh\necho provider\n');

function make(compress = true) {
  return createArchive({ name: 'demo', capid: 'acme:demo', vendor: 'acme', ver: '0.1.0', rev: 3, issuer: issuer.seed, subject: subject.seed, binaries: new Map([['x86_64-linux', bin]]), compress });
}

test('create: gzip tar with claims.jwt and x86_64-linux.bin, claims hash the binary (uppercase SHA-256)', () => {
  const { bytes, claims } = make();
  assert.equal(bytes[0], 0x1f);
  const dir = mkdtempSync(join(tmpdir(), 'par-'));
  writeFileSync(join(dir, 'a.par.gz'), bytes);
  const r = spawnSync('tar', ['tzf', join(dir, 'a.par.gz')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['claims.jwt', 'x86_64-linux.bin']);
  spawnSync('tar', ['xzf', join(dir, 'a.par.gz'), '-C', dir]);
  assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'x86_64-linux.bin'))), bin);
  assert.equal(claims.wascap.target_hashes['x86_64-linux'], createHash('sha256').update(bin).digest('hex').toUpperCase());
  assert.equal(claims.sub, subject.publicKey);
  assert.equal(claims.iss, issuer.publicKey);
  assert.equal(claims.wascap.capid, 'acme:demo');
  const back = readArchive(bytes);
  assert.equal(back.claims.sub, subject.publicKey);
  assert.equal(verifyArchiveForTarget(back, { target: 'x86_64-linux', trustedIssuers: [issuer.publicKey] }).publicKey, subject.publicKey);
  // uncompressed archives read the same
  assert.equal(readArchive(make(false).bytes).claims.sub, subject.publicKey);
});

test('insert: adds a target and re-signs; the provider keeps its id; another subject is refused', () => {
  const a = readArchive(make().bytes);
  const other = new TextEncoder().encode('arm binary');
  const ins = insertBinary(a, 'aarch64-linux', other, { issuer: issuer.seed, subject: subject.seed, compress: true });
  const back = readArchive(ins.bytes);
  assert.deepEqual([...back.binaries.keys()].sort(), ['aarch64-linux', 'x86_64-linux']);
  assert.equal(verifyArchiveForTarget(back, { target: 'aarch64-linux' }).binary.length, other.length);
  assert.equal(back.claims.sub, subject.publicKey);
  assert.throws(() => insertBinary(a, 'aarch64-linux', other, { issuer: issuer.seed, subject: createKeyPair('service').seed, compress: true }),
    (e) => isStratusError(e, 'BAD_REQUEST') && /keeps its id/.test(e.message));
});

test('verify: each failure has its own error', () => {
  const a = readArchive(make().bytes);
  // a binary changed after signing
  const tampered = { ...a, binaries: new Map([['x86_64-linux', new TextEncoder().encode('#!/bin/sh\nrm -rf /\n')]]) };
  assert.throws(() => verifyArchiveForTarget(readArchive(archiveBytes(tampered.token, tampered.binaries, true)), { target: 'x86_64-linux' }),
    (e) => isStratusError(e, 'HASH_MISMATCH') && /changed after signing/.test(e.message));
  // claims edited (the hash swapped to match a new binary) without the issuer's key
  const d = decodeJwt<Record<string, unknown>>(a.token);
  const edited = `${a.token.split('.')[0]}.${Buffer.from(JSON.stringify({ ...d.claims, iat: 1 })).toString('base64url')}.${a.token.split('.')[2]}`;
  assert.throws(() => verifyArchiveForTarget(readArchive(archiveBytes(edited, a.binaries, true)), { target: 'x86_64-linux' }),
    (e) => isStratusError(e, 'BAD_SIGNATURE'));
  // re-signed by a stranger: signature fine, issuer not allowed
  const stranger = createKeyPair('account');
  const foreign = encodeJwt({ ...d.claims, iss: stranger.publicKey }, stranger.seed);
  assert.throws(() => verifyArchiveForTarget(readArchive(archiveBytes(foreign, a.binaries, true)), { target: 'x86_64-linux', trustedIssuers: [issuer.publicKey] }),
    (e) => isStratusError(e, 'UNTRUSTED_ISSUER') && e.message.includes(stranger.publicKey));
  // no binary for this target
  assert.throws(() => verifyArchiveForTarget(a, { target: 'aarch64-macos' }),
    (e) => isStratusError(e, 'NOT_PORTABLE') && /no binary for this machine \(aarch64-macos\); it has x86_64-linux/.test(e.message));
  // not an archive at all; an archive without claims
  assert.throws(() => readArchive(gzipSync(Buffer.from('hello'))), (e) => isStratusError(e, 'INVALID_MODULE'));
  assert.throws(() => readArchive(writeTar([{ name: 'x86_64-linux.bin', data: bin }])), (e) => isStratusError(e, 'NO_CLAIMS'));
});

test('hostTarget names targets as Rust does', () => {
  assert.equal(hostTarget('x64', 'linux'), 'x86_64-linux');
  assert.equal(hostTarget('arm64', 'darwin'), 'aarch64-macos');
  assert.equal(hostTarget('x64', 'win32'), 'x86_64-windows');
});

const STRATUS = join(process.cwd(), 'bin', 'stratus.js');
function stratus(args: string[], home: string) {
  const r = spawnSync(process.execPath, [STRATUS, ...args], { encoding: 'utf8', env: { ...process.env, STRATUS_HOME: home, WASH_ISSUER_KEY: '', WASH_SUBJECT_KEY: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('CLI: par create / insert / inspect with wash flags and the exit-code rule', () => {
  const dir = mkdtempSync(join(tmpdir(), 'par-cli-'));
  const home = join(dir, 'home');
  const binPath = join(dir, 'prov.bin');
  writeFileSync(binPath, bin);
  const dest = join(dir, 'demo.par.gz');
  const made = stratus(['par', 'create', '-c', 'acme:demo', '-v', 'acme', '-n', 'demo', '-b', binPath, '-a', 'x86_64-linux', '-x', '1.2.3', '-r', '4',
    '-i', issuer.seed, '-s', subject.seed, '-d', dest, '-o', 'json'], home);
  assert.equal(made.code, 0, made.stderr);
  assert.equal(JSON.parse(made.stdout).service, subject.publicKey);
  const ins = stratus(['par', 'insert', dest, '-a', 'aarch64-linux', '-b', binPath, '-i', issuer.seed, '-s', subject.seed, '-o', 'json'], home);
  assert.equal(ins.code, 0, ins.stderr);
  const view = JSON.parse(stratus(['par', 'inspect', dest, '-o', 'json'], home).stdout);
  assert.deepEqual(view.targets, ['aarch64-linux', 'x86_64-linux']);
  assert.equal(view.version, '1.2.3');
  assert.equal(view.revision, 4);
  assert.equal(view.capabilityContractId, 'acme:demo');
  // a binary changed after signing: inspect shows the archive and exits 3 with the reason
  const a = readArchive(new Uint8Array(readFileSync(dest)));
  const host = hostTarget();
  if (a.binaries.has(host)) {
    a.binaries.set(host, new TextEncoder().encode('changed'));
    writeFileSync(dest, archiveBytes(a.token, a.binaries, true));
    const bad = stratus(['par', 'inspect', dest], home);
    assert.equal(bad.code, 3, bad.stdout + bad.stderr);
    assert.match(bad.stderr, /was changed after signing/);
  }
  // a missing required flag is a usage error
  assert.equal(stratus(['par', 'create', '-v', 'acme', '-n', 'x', '-b', binPath], home).code, 2);
  // not an archive: input rejected
  writeFileSync(join(dir, 'junk.par.gz'), 'junk');
  assert.equal(stratus(['par', 'inspect', join(dir, 'junk.par.gz')], home).code, 3);
});
