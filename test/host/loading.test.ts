// startActor: claims verification, portability, memory ceiling, and same-key rules.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedFixture, fixture, testHost, utf8, text, until } from '../support/fixtures.js';
import { signActor } from '../../src/claims/sign.js';
import { appendCustomSection, stripCustomSections, JWT_SECTION_NAMES } from '../../src/wasm/custom-sections.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { isStratusError } from '../../src/core/errors.js';

const { host } = testHost();
after(() => host.shutdown());
const DAY = 86400;
const now = () => Math.floor(Date.now() / 1000);

test('unsigned modules are refused unless allowUnsigned', async () => {
  await assert.rejects(host.startActor(await fixture('echo')), (e) => isStratusError(e, 'NO_CLAIMS') && /stratus claims sign/.test(e.message));
  const dev = testHost({ allowUnsigned: true }).host;
  try {
    const d = await dev.startActor(await fixture('echo'));
    assert.match(d.id, /^M/);
    assert.equal(text(await dev.call(d.id, 'Echo', utf8('dev'))), 'dev');
  } finally {
    await dev.shutdown();
  }
});

test('tampered bytes, forged token, expiry, not-before and untrusted issuers are refused', async () => {
  const signed = await signedFixture('echo');
  await assert.rejects(host.startActor(appendCustomSection(signed, 'extra', utf8('changed'))), (e) => isStratusError(e, 'HASH_MISMATCH'));

  // forged: claims re-signed by a different account but claiming the original issuer
  const a = signActor(await fixture('echo'), { name: 'a' });
  const b = signActor(await fixture('echo'), { name: 'b' });
  const [hA] = a.token.split('.');
  const [, pB, sB] = b.token.split('.');
  void hA;
  const forgedToken = [a.token.split('.')[0], pB, a.token.split('.')[2]].join('.');
  const forged = appendCustomSection(stripCustomSections(a.module, JWT_SECTION_NAMES), 'jwt', utf8(forgedToken));
  void sB;
  await assert.rejects(host.startActor(forged), (e) => isStratusError(e, 'BAD_SIGNATURE'));

  await assert.rejects(host.startActor(await signedFixture('echo', { exp: now() - DAY })), (e) => isStratusError(e, 'EXPIRED'));
  await assert.rejects(host.startActor(await signedFixture('echo', { nbf: now() + DAY })), (e) => isStratusError(e, 'NOT_YET_VALID'));

  const trusted = createKeyPair('account');
  const strict = testHost({ trustedIssuers: [trusted.publicKey] }).host;
  try {
    await assert.rejects(strict.startActor(await signedFixture('echo')), (e) => isStratusError(e, 'UNTRUSTED_ISSUER'));
    const ok = await strict.startActor(await signedFixture('echo', { issuer: trusted.seed }));
    assert.equal(ok.issuer, trusted.publicKey);
  } finally {
    await strict.shutdown();
  }
  assert.equal(host.inventory().actors.length, 0);
});

test('foreign imports are refused at load time, naming each import', async () => {
  await assert.rejects(host.startActor(await signedFixture('foreign')), (e) => isStratusError(e, 'NOT_PORTABLE') && e.message.includes('syscall/js.valueGet'));
});

test('modules without __guest_call or memory, or not wasm at all, are refused', async () => {
  const { wat2wasm } = await import('../support/wat.js');
  const { signActorModule } = await import('../../src/claims/sign.js');
  const noCall = signActorModule(await wat2wasm('(module (memory (export "memory") 1))'), { name: 'nocall' });
  await assert.rejects(host.startActor(noCall), (e) => isStratusError(e, 'MISSING_EXPORT') && e.message.includes('__guest_call'));
  await assert.rejects(host.startActor(utf8('definitely not wasm')), (e) => isStratusError(e, 'INVALID_MODULE'));
});

test('wapc-only, __console_log and init-order actors load and run', async () => {
  const { host: h, logs } = testHost();
  try {
    const w = await h.startActor(await signedFixture('wapc'));
    assert.equal(text(await h.call(w.id, 'Op.Name', utf8('+payload'))), 'Op.Name+payload');
    const c = await h.startActor(await signedFixture('console'));
    assert.equal((await h.call(c.id, 'Log', new Uint8Array(0))).length, 0); // rc 1 without __guest_response = empty reply
    await until(() => logs.some((l) => l.level === "info" && l.text === `[${c.id}] hello console`), "console log line");
    const s = await h.startActor(await signedFixture('start'));
    // __wasmbus_rpc_version, start, wapc_init, _start, exactly once each, before the first call
    assert.equal(text(await h.call(s.id, 'Order', new Uint8Array(0))), 'VSWT');
    assert.equal(text(await h.call(s.id, 'Order', new Uint8Array(0))), 'VSWT');
  } finally {
    await h.shutdown();
  }
});

test('memory ceiling: a module whose initial memory exceeds it is refused', async () => {
  const { wat2wasm } = await import('../support/wat.js');
  const { signActorModule } = await import('../../src/claims/sign.js');
  const big = signActorModule(await wat2wasm('(module (memory (export "memory") 8) (func (export "__guest_call") (param i32 i32) (result i32) (i32.const 1)))'), { name: 'big' });
  await assert.rejects(host.startActor(big, { maxMemoryPages: 4 }), (e) => isStratusError(e, 'MEMORY_LIMIT'));
  const d = await host.startActor(big, { maxMemoryPages: 8 });
  assert.equal(d.maxMemoryPages, 8);
  await host.stopActor(d.id);
});

test('same key: same module scales up, a different module is refused; events and inventory follow', async () => {
  const subject = createKeyPair('module');
  const issuer = createKeyPair('account');
  const one = await signedFixture('echo', { subject: subject.seed, issuer: issuer.seed, callAlias: 'test/echo' });
  const other = await signedFixture('trap', { subject: subject.seed, issuer: issuer.seed });
  const events: string[] = [];
  for (const ev of ['actor_started', 'actor_stopped'] as const) host.events.on(ev, (e: { public_key: string }) => { if (e.public_key === subject.publicKey) events.push(ev); });
  const d1 = await host.startActor(one, { imageRef: 'file:echo.wasm' });
  assert.equal(d1.id, subject.publicKey);
  assert.equal(d1.count, 1);
  const d2 = await host.startActor(one);
  assert.equal(d2.count, 2);
  await assert.rejects(host.startActor(other), (e) => isStratusError(e, 'BAD_REQUEST') && /already running with a different module/.test(e.message));
  const inv = host.inventory();
  assert.match(inv.hostId, /^N[A-Z2-7]{55}$/);
  const mine = inv.actors.find((a) => a.id === subject.publicKey)!;
  assert.equal(mine.imageRef, 'file:echo.wasm');
  assert.equal(mine.callAlias, 'test/echo');
  assert.equal(mine.issuer, issuer.publicKey);
  assert.equal((await host.scaleActor('test/echo', 1)).count, 1);
  assert.equal(text(await host.call('test/echo', 'E', utf8('x'))), 'x');
  await host.stopActor(subject.publicKey);
  await assert.rejects(host.call(subject.publicKey, 'E', utf8('x')), (e) => isStratusError(e, 'UNKNOWN_TARGET'));
  assert.equal(events.filter((e) => e === 'actor_started').length, 2);
  // the stopped actor's alias is free again, and a new module under the same key may start now
  const d3 = await host.startActor(other);
  assert.equal(d3.id, subject.publicKey);
  await host.stopActor(d3.id);
});

test('a host seed gives a stable host id', async () => {
  const seed = createKeyPair('server');
  const h = testHost({ hostSeed: seed.seed }).host;
  assert.equal(h.id, seed.publicKey);
  await h.shutdown();
});

test('a _start that ends with proc_exit(0), as TinyGo WASI builds do, has finished; another exit code fails the start (both lanes)', async () => {
  for (const isolation of ['inline', 'worker'] as const) {
    const h = testHost({ isolation }).host;
    try {
      const d = await h.startActor(await signedFixture('exit-in-start-0', { name: `exit0-${isolation}` }));
      assert.equal(d.lane, isolation);
      assert.equal(text(await h.call(d.id, 'Any.Op', new Uint8Array(0))), 'ready');
      await assert.rejects(h.startActor(await signedFixture('exit-in-start-3', { name: `exit3-${isolation}` })),
        (e) => isStratusError(e, 'TRAP') && /failed to start an instance: actor called WASI proc_exit\(3\)/.test(e.message));
    } finally {
      await h.shutdown();
    }
  }
});
