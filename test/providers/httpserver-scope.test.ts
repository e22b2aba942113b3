// Two hosts in one process (issue 12 item 4): each httpserver provider keeps its port registry and
// its reply batcher in its host's HostScope, so one host never reports another's ports as its own
// links', and closing one host's scope leaves the other's listeners serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { createProvider } from '../../src/providers/registry.js';
import { isStratusError } from '../../src/core/errors.js';
import { HostScope } from '../../src/core/scope.js';
import { freePort } from '../support/servers.js';
import { get, httpLink, makeHost } from './httpserver-helpers.js';

test('two hosts keep their own port registries and reply batchers; closing one scope does not disturb the other', async () => {
  const [scopeA, scopeB] = [new HostScope(), new HostScope()];
  const a = makeHost(scopeA);
  const b = makeHost(scopeB);
  a.setActor(async () => encode({ statusCode: 200, header: {}, body: Buffer.from('A') }));
  b.setActor(async () => encode({ statusCode: 200, header: {}, body: Buffer.from('B') }));
  const pa = createProvider('httpserver');
  const pb = createProvider('httpserver');
  await pa.start(a.host);
  await pb.start(b.host);
  const [portA, portB] = [await freePort(), await freePort()];
  await pa.putLink(httpLink('MHOSTA', { port: String(portA) }, pa.id));

  // host B asks for host A's port: the OS refuses it, and B does not name A's link as one of its own
  await assert.rejects(pb.putLink(httpLink('MHOSTB', { port: String(portA) }, pb.id)), (e: Error) => {
    assert.ok(isStratusError(e, 'LINK_INVALID'));
    assert.doesNotMatch(e.message, /already used by the httpserver link for actor MHOSTA/);
    assert.match(e.message, new RegExp(`port ${portA} is already in use by pid ${process.pid}`));
    return true;
  });
  await pb.putLink(httpLink('MHOSTB', { port: String(portB) }, pb.id));

  // both serve, many requests at once (replies ready at once go through each host's batcher)
  const many = (port: number) => Promise.all(Array.from({ length: 20 }, () => get(port, '/')));
  assert.deepEqual((await many(portA)).map((r) => r.body.toString()), Array(20).fill('A'));
  assert.deepEqual((await many(portB)).map((r) => r.body.toString()), Array(20).fill('B'));

  // host A goes away: its scope closes after its provider
  await pa.shutdown();
  await scopeA.close();
  const after = await many(portB);
  assert.deepEqual(after.map((r) => [r.status, r.body.toString()]), Array(20).fill([200, 'B']));
  // host B's registry still knows its own link
  await assert.rejects(pb.putLink(httpLink('MHOSTB2', { port: String(portB) }, pb.id)), /already used by the httpserver link for actor MHOSTB/);
  await pb.shutdown();
  await scopeB.close();
});
