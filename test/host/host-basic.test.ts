import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { signedFixture, testHost, utf8, text, hostCallPayload } from '../support/fixtures.js';
import { decode } from '../../src/codec/msgpack.js';
import { isStratusError } from '../../src/core/errors.js';

const { host } = testHost();
after(() => host.shutdown());

test('echo actor returns its payload through a worker instance', async () => {
  const d = await host.startActor(await signedFixture('echo'));
  assert.match(d.id, /^M[A-Z2-7]{55}$/);
  const out = await host.call(d.id, 'Echo.Say', utf8('hello'));
  assert.equal(text(out), 'hello');
  const big = new Uint8Array(200_000).map((_, i) => i & 0xff);
  assert.deepEqual(await host.call(d.id, 'Echo.Say', big), big);
  assert.equal((await host.call(d.id, 'Echo.Say', new Uint8Array(0))).length, 0);
});

test('guest error (rc 0) becomes GUEST_ERROR with the guest text', async () => {
  const d = await host.startActor(await signedFixture('echo', { name: 'echo2' }));
  await assert.rejects(host.call(d.id, 'Fail.Now', utf8('bad input: x')), (e) => isStratusError(e, 'GUEST_ERROR') && e.message === 'bad input: x');
});

test('builtins work with the claim and numbergen ranges are inclusive', async () => {
  const d = await host.startActor(await signedFixture('hostcall', { caps: ['wasmcloud:builtin:logging', 'wasmcloud:builtin:numbergen'] }));
  const guid = decode(await host.call(d.id, 'Run', hostCallPayload('default', 'wasmcloud:builtin:numbergen', 'NumberGen.GenerateGuid')));
  assert.match(String(guid), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
