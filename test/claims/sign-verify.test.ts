import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as nats from '@nats-io/nkeys';
import { computeModuleHash } from '../../src/claims/hash.js';
import { decodeJwt, encodeJwt } from '../../src/claims/jwt.js';
import { createKeyPair, fromRawSeed, sign } from '../../src/claims/nkeys.js';
import { signActor, signActorModule } from '../../src/claims/sign.js';
import { formatClaimsSummary, inspectModuleClaims } from '../../src/claims/summary.js';
import type { ActorClaims } from '../../src/claims/types.js';
import { readActorClaims, verifyActorModule } from '../../src/claims/verify.js';
import { isStratusError, type StratusErrorCode } from '../../src/core/errors.js';
import { appendCustomSection, findCustomSection, readJwtSection, stripCustomSections } from '../../src/wasm/custom-sections.js';
import { readSections, SECTION } from '../../src/wasm/sections.js';
import { actorModule, echoImports, findBytes } from './fixtures.js';

const account = createKeyPair('account');
const moduleKey = createKeyPair('module');
const NOW = 1_800_000_000;
const DAY = 86400;

function rejects(fn: () => unknown, code: StratusErrorCode, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isStratusError(e), `expected a StratusError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

/** Replace the token in a signed module (keeps everything else). */
function withToken(signed: Uint8Array, token: string, section = 'jwt'): Uint8Array {
  return appendCustomSection(stripCustomSections(signed, ['jwt', 'wasmcloud_jwt']), section, new TextEncoder().encode(token));
}

function b64(o: unknown): string {
  return Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
}

test('sign -> verify round trip carries every claim, with wash-compatible token shape', async () => {
  const m = await actorModule();
  const s = signActor(m, {
    name: 'kvcounter', caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue', 'wasmcloud:keyvalue'], tags: ['a', 'b'],
    rev: 4, ver: '0.3.0', callAlias: 'demo/kv', issuer: account.seed, subject: moduleKey.seed, nowSeconds: NOW,
  });
  const v = verifyActorModule(s.module, { nowSeconds: NOW });
  assert.equal(v.unsigned, false);
  assert.equal(v.publicKey, moduleKey.publicKey);
  assert.equal(v.claims.iss, account.publicKey);
  assert.equal(v.claims.iat, NOW);
  assert.equal(v.claims.wascap_revision, 3);
  assert.deepEqual(v.claims.wascap, {
    name: 'kvcounter', hash: computeModuleHash(m), tags: ['a', 'b'], caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'],
    rev: 4, ver: '0.3.0', call_alias: 'demo/kv', prov: false,
  });
  assert.match(v.claims.jti, /^[0-9A-Za-z]{22}$/);
  assert.equal(v.moduleHash, computeModuleHash(m));
  assert.equal(v.token, s.token);
  // header is exactly wascap's, base64url without padding
  const [h, c, sig] = s.token.split('.');
  assert.equal(Buffer.from(h!, 'base64url').toString(), '{"typ":"jwt","alg":"Ed25519"}');
  assert.doesNotMatch(s.token, /[=+/]/);
  // the signature verifies with an independent nkeys implementation
  assert.equal(nats.fromPublic(account.publicKey).verify(new TextEncoder().encode(`${h}.${c}`), Buffer.from(sig!, 'base64url')), true);
  // token sits in a `jwt` custom section at the very end; module is still valid and runs
  const sections = readSections(s.module);
  const last = sections[sections.length - 1]!;
  assert.equal(last.id, SECTION.custom);
  assert.equal(last.name, 'jwt');
  assert.equal(last.end, s.module.length);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(s.module), echoImports());
  assert.equal((inst.exports.__guest_call as (a: number, b: number) => number)(1, 2), 1);
});

test('re-signing replaces the old token instead of stacking a second one', async () => {
  const once = signActorModule(await actorModule(), { name: 'a', issuer: account.seed, subject: moduleKey.seed });
  const twice = signActorModule(once, { name: 'b', caps: ['wasmcloud:messaging'], issuer: account.seed, subject: moduleKey.seed });
  assert.equal(readSections(twice).filter((s) => s.id === SECTION.custom).length, 1);
  const v = verifyActorModule(twice);
  assert.equal(v.claims.wascap.name, 'b');
  assert.deepEqual(v.claims.wascap.caps, ['wasmcloud:messaging']);
});

test('generated keys are used when no seeds are given, and reported back', async () => {
  const s = signActor(await actorModule(), { name: 'x' });
  assert.match(s.issuerSeed, /^SA/);
  assert.match(s.subjectSeed, /^SM/);
  assert.match(verifyActorModule(s.module).publicKey, /^M[A-Z2-7]{55}$/);
});

test('a code byte changed after signing -> HASH_MISMATCH', async () => {
  const signed = signActorModule(await actorModule({ result: 5 }), { name: 'x', issuer: account.seed });
  const at = findBytes(signed, [0x41, 0x05, 0x0b]); // i32.const 5; end
  assert.ok(at > 0);
  const tampered = Uint8Array.from(signed);
  tampered[at + 1] = 0x06;
  assert.equal(WebAssembly.validate(tampered), true);
  rejects(() => verifyActorModule(tampered), 'HASH_MISMATCH', /changed after signing.*stratus claims sign/s);
});

test('a token signed by another key -> BAD_SIGNATURE', async () => {
  const s = signActor(await actorModule(), { name: 'x', issuer: account.seed, subject: moduleKey.seed });
  const forger = createKeyPair('account');
  // same claims (iss still names the real account) but signed with the forger's key
  rejects(() => verifyActorModule(withToken(s.module, encodeJwt(s.claims, forger.seed))), 'BAD_SIGNATURE', /not signed by its issuer/);
});

test('claims edited after signing (caps added) -> BAD_SIGNATURE', async () => {
  const s = signActor(await actorModule(), { name: 'x', caps: ['wasmcloud:httpserver'], issuer: account.seed });
  const [h, , sig] = s.token.split('.');
  const edited = { ...s.claims, wascap: { ...s.claims.wascap, caps: ['wasmcloud:httpserver', 'wasmcloud:keyvalue'] } };
  rejects(() => verifyActorModule(withToken(s.module, `${h}.${b64(edited)}.${sig}`)), 'BAD_SIGNATURE', /forged or edited/);
});

test('malformed tokens and wrong headers -> BAD_SIGNATURE saying what is wrong', async () => {
  const m = await actorModule();
  const claims = signActor(m, { name: 'x', issuer: account.seed }).claims;
  const signWith = (header: unknown): string => {
    const input = `${b64(header)}.${b64(claims)}`;
    return `${input}.${Buffer.from(sign(account.seed, new TextEncoder().encode(input))).toString('base64url')}`;
  };
  rejects(() => verifyActorModule(withToken(m, 'not-a-jwt')), 'BAD_SIGNATURE', /3 dot-separated parts/);
  rejects(() => verifyActorModule(withToken(m, 'a.b!.c')), 'BAD_SIGNATURE', /not base64url/);
  rejects(() => verifyActorModule(withToken(m, `${b64('{')}.${b64(claims)}.AA`)), 'BAD_SIGNATURE', /header is not JSON/);
  rejects(() => verifyActorModule(withToken(m, signWith({ typ: 'jwt', alg: 'HS256' }))), 'BAD_SIGNATURE', /alg is "HS256"/);
  rejects(() => verifyActorModule(withToken(m, signWith({ typ: 'JWT', alg: 'Ed25519' }))), 'BAD_SIGNATURE', /typ is "JWT"/);
  rejects(() => verifyActorModule(withToken(m, encodeJwt({ ...claims, iss: '' }, account.seed))), 'BAD_SIGNATURE', /issuer \(iss\) is empty/);
  rejects(() => verifyActorModule(withToken(m, encodeJwt({ ...claims, sub: '' }, account.seed))), 'BAD_SIGNATURE', /subject \(sub\) is empty/);
  const { wascap: _w, ...noMeta } = claims;
  rejects(() => verifyActorModule(withToken(m, encodeJwt(noMeta, account.seed))), 'BAD_SIGNATURE', /no `wascap` actor metadata/);
  const { hash: _h, ...noHash } = claims.wascap;
  rejects(() => verifyActorModule(withToken(m, encodeJwt({ ...claims, wascap: noHash }, account.seed))), 'BAD_SIGNATURE', /wascap\.hash .* is missing/);
});

test('expired and not-yet-valid tokens are refused with the date and a fix', async () => {
  const m = await actorModule();
  const expiring = signActorModule(m, { name: 'x', issuer: account.seed, expiresDays: 1, nowSeconds: NOW });
  assert.equal(verifyActorModule(expiring, { nowSeconds: NOW + DAY - 1 }).claims.exp, NOW + DAY);
  rejects(() => verifyActorModule(expiring, { nowSeconds: NOW + DAY + 1 }), 'EXPIRED', /expired at 2027-01-16T.*--expires/s);
  const later = signActorModule(m, { name: 'x', issuer: account.seed, notBeforeDays: 2, nowSeconds: NOW });
  rejects(() => verifyActorModule(later, { nowSeconds: NOW }), 'NOT_YET_VALID', /not valid before/);
  assert.equal(verifyActorModule(later, { nowSeconds: NOW + 2 * DAY }).claims.nbf, NOW + 2 * DAY);
  // absolute exp/nbf win over the day counts
  const abs = signActor(m, { name: 'x', exp: NOW + 5, nbf: NOW - 5, expiresDays: 100, nowSeconds: NOW });
  assert.equal(abs.claims.exp, NOW + 5);
  assert.equal(abs.claims.nbf, NOW - 5);
  // real clock: a token that expired yesterday
  const past = signActorModule(m, { name: 'x', exp: Math.floor(Date.now() / 1000) - DAY });
  rejects(() => verifyActorModule(past), 'EXPIRED', /expired/);
});

test('unsigned module -> NO_CLAIMS; allowUnsigned derives a stable module key from the hash', async () => {
  const m = await actorModule();
  rejects(() => verifyActorModule(m), 'NO_CLAIMS', /no `jwt` or `wasmcloud_jwt` custom section.*stratus claims sign/s);
  const a = verifyActorModule(m, { allowUnsigned: true });
  const b = verifyActorModule(Uint8Array.from(m), { allowUnsigned: true });
  assert.equal(a.unsigned, true);
  assert.equal(a.token, '');
  assert.equal(a.publicKey, b.publicKey);
  assert.equal(a.publicKey, fromRawSeed('module', createHash('sha256').update(computeModuleHash(m)).digest()).publicKey);
  assert.equal(a.claims.sub, a.publicKey);
  assert.equal(a.moduleHash, computeModuleHash(m));
  const other = verifyActorModule(await actorModule({ result: 2 }), { allowUnsigned: true });
  assert.notEqual(other.publicKey, a.publicKey);
  // allowUnsigned never excuses a bad token
  const tampered = withToken(m, 'x.y.z');
  rejects(() => verifyActorModule(tampered, { allowUnsigned: true }), 'BAD_SIGNATURE', /malformed/);
});

test('issuer allow-list', async () => {
  const signed = signActorModule(await actorModule(), { name: 'x', issuer: account.seed });
  assert.equal(verifyActorModule(signed, { trustedIssuers: [account.publicKey] }).claims.iss, account.publicKey);
  assert.equal(verifyActorModule(signed, { trustedIssuers: [] }).claims.iss, account.publicKey);
  const other = createKeyPair('account').publicKey;
  rejects(() => verifyActorModule(signed, { trustedIssuers: [other] }), 'UNTRUSTED_ISSUER', new RegExp(`${account.publicKey}.*not in the trusted issuers`));
});

test('`wasmcloud_jwt` section name is accepted (signing and reading)', async () => {
  const m = await actorModule();
  const signed = signActorModule(m, { name: 'x', issuer: account.seed, sectionName: 'wasmcloud_jwt' });
  assert.equal(findCustomSection(signed, ['jwt']), undefined);
  assert.equal(readJwtSection(signed)?.sectionName, 'wasmcloud_jwt');
  assert.equal(verifyActorModule(signed).claims.wascap.name, 'x');
  // a token moved by hand from `jwt` to `wasmcloud_jwt` still verifies (the hash ignores both names)
  const s = signActor(m, { name: 'y', issuer: account.seed });
  assert.equal(verifyActorModule(withToken(s.module, s.token, 'wasmcloud_jwt')).claims.wascap.name, 'y');
});

test('hash enforcement follows wascap_revision: checked for 3 and absent, skipped for 2', async () => {
  const m = await actorModule();
  const base: ActorClaims = signActor(m, { name: 'x', issuer: account.seed }).claims;
  const wrongHash = { ...base.wascap, hash: 'F'.repeat(64) };
  const rev2 = withToken(m, encodeJwt({ ...base, wascap: wrongHash, wascap_revision: 2 }, account.seed));
  assert.equal(verifyActorModule(rev2).claims.wascap_revision, 2);
  const { wascap_revision: _r, ...legacy } = base;
  const absent = withToken(m, encodeJwt({ ...legacy, wascap: wrongHash }, account.seed));
  rejects(() => verifyActorModule(absent), 'HASH_MISMATCH', /claims say F{64}/);
  const ok = withToken(m, encodeJwt(legacy, account.seed));
  assert.equal(verifyActorModule(ok).claims.wascap_revision, undefined);
});

test('not a module -> INVALID_MODULE, for verify and sign', () => {
  rejects(() => verifyActorModule(new TextEncoder().encode('hello world, not wasm')), 'INVALID_MODULE', /magic number.*byte offset 0/);
  rejects(() => signActorModule(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 50), { name: 'x' }), 'INVALID_MODULE', /section 1 declares 50 bytes.*byte offset 8/);
});

test('sign rejects bad options with clear errors', async () => {
  const m = await actorModule();
  rejects(() => signActorModule(m, { name: '' }), 'BAD_REQUEST', /needs a name/);
  rejects(() => signActorModule(m, { name: 'x', callAlias: 'Bad Alias' }), 'BAD_REQUEST', /invalid call alias/);
  rejects(() => signActorModule(m, { name: 'x', issuer: moduleKey.seed }), 'BAD_REQUEST', /expected an account seed/);
  rejects(() => signActorModule(m, { name: 'x', subject: account.seed }), 'BAD_REQUEST', /expected a module seed/);
  rejects(() => signActorModule(m, { name: 'x', expiresDays: -1 }), 'BAD_REQUEST', /--expires/);
  rejects(() => signActorModule(m, { name: 'x', rev: 1.5 }), 'BAD_REQUEST', /revision/);
});

test('claims summary: revision falls back to iat, human expiry, validity with reason', async () => {
  const m = await actorModule();
  const s = signActor(m, { name: 'kv', caps: ['wasmcloud:keyvalue', 'acme:custom'], issuer: account.seed, subject: moduleKey.seed, expiresDays: 3, nowSeconds: NOW });
  const sum = inspectModuleClaims(s.module, NOW + 60)!;
  assert.equal(sum.revision, NOW);
  assert.equal(sum.account, account.publicKey);
  assert.equal(sum.module, moduleKey.publicKey);
  assert.deepEqual(sum.capNames, ['K/V Store', 'acme:custom']);
  assert.match(sum.expires, /^in 2 days \(/);
  assert.equal(sum.notBefore, 'immediately');
  assert.equal(sum.validNow, true);
  const expired = inspectModuleClaims(s.module, NOW + 4 * DAY)!;
  assert.equal(expired.validNow, false);
  assert.equal(expired.reason?.code, 'EXPIRED');
  assert.match(expired.expires, /ago/);
  assert.match(formatClaimsSummary(expired), /Valid now\s+no — EXPIRED/);
  assert.equal(inspectModuleClaims(m), undefined);
  const withRev = signActor(m, { name: 'kv', rev: 7, nowSeconds: NOW });
  assert.equal(inspectModuleClaims(withRev.module, NOW)!.revision, 7);
  assert.equal(readActorClaims(withRev.module)?.claims.wascap.rev, 7);
  assert.deepEqual(decodeJwt(withRev.token).claims, withRev.claims);
});
