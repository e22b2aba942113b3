// tier: full — starts nats-server
// Bad input on the control subjects: every malformed request gets {"accepted":false,"error":…}
// naming what was wrong, and the host keeps answering (a few hundred random payloads included).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { collect, rawClient, requestText, startMember, startNats, type Member, type RunningServer } from './ctl-support.js';

const P = 'wasmbus.ctl.default';
let nats: RunningServer;
let m: Member;
let nc: NatsConnection;

before(async () => {
  nats = await startNats();
  m = await startMember(nats.url, { labels: { zone: 'east' } });
  nc = await rawClient(nats.url);
});

after(async () => {
  await nc.close();
  await m.stop();
  await nats.dispose();
});

async function refused(subject: string, body: string | Uint8Array): Promise<string> {
  const text = await requestText(nc, subject, body);
  const r = JSON.parse(text);
  assert.deepEqual(Object.keys(r), ['accepted', 'error'], text);
  assert.equal(r.accepted, false, `${subject} ${String(body).slice(0, 80)} was accepted`);
  assert.equal(typeof r.error, 'string');
  assert.ok(r.error.length > 10, `a clear error: ${r.error}`);
  return r.error;
}

test('invalid JSON, unknown fields, wrong types and missing fields are refused with a clear error', async () => {
  const cmd = (op: string) => `${P}.cmd.${m.host.id}.${op}`;
  assert.match(await refused(cmd('la'), '{"actor_ref":'), /^invalid launch actor request: the body is not valid JSON/);
  assert.match(await refused(cmd('la'), ''), /the body is empty; a JSON object is expected/);
  assert.match(await refused(cmd('la'), '[1,2]'), /expected a JSON object like \{"actor_ref"/);
  assert.match(await refused(cmd('la'), Uint8Array.of(0xff, 0xfe, 0x7b)), /not UTF-8/);
  assert.match(await refused(cmd('la'), '{"actor_ref":"file:///x.wasm","colour":"red"}'), /unknown field "colour" \(allowed: actor_ref, count, host_id, annotations\)/);
  assert.match(await refused(cmd('la'), '{"actor_ref":"file:///x.wasm","count":"3"}'), /field "count" must be a whole number from 1 to 65535, got "3"/);
  assert.match(await refused(cmd('la'), '{"actor_ref":"file:///x.wasm","count":1.5}'), /field "count" must be a whole number/);
  assert.match(await refused(cmd('la'), '{"count":1}'), /field "actor_ref" is required/);
  assert.match(await refused(cmd('la'), '{"actor_ref":7}'), /field "actor_ref" must be a string, got 7/);
  assert.match(await refused(cmd('la'), '{"actor_ref":"file:///x.wasm","annotations":{"a":1}}'), /field "annotations" must be an object of strings; "a" is 1/);
  assert.match(await refused(cmd('la'), '{"actor_ref":"file://relative/x.wasm"}'), /must name an absolute path/);
  assert.match(await refused(cmd('la'), `{"actor_ref":"file:///x.wasm","host_id":"NOTHER"}`), /names host NOTHER but was sent to host/);
  assert.match(await refused(cmd('sa'), '{"actor_ref":"not-a-key","count":1}'), /field "actor_ref" must be the actor's public key \(56 characters starting with M\)/);
  assert.match(await refused(cmd('sa'), `{"actor_ref":"M${'A'.repeat(55)}","count":-1}`), /field "count" must be a whole number from 0 to 65535/);
  assert.match(await refused(cmd('scale'), `{"actor_id":"M${'A'.repeat(55)}","actor_ref":"x"}`), /field "count" is required/);
  assert.match(await refused(cmd('upd'), '{"actor_id":"M"}'), /field "actor_id" must be the actor's public key/);
  assert.match(await refused(cmd('lp'), '{"provider_ref":"httpserverr","link_name":"default"}'), /unknown provider "httpserverr"; built-in providers: httpserver, keyvalue/);
  assert.match(await refused(cmd('lp'), '{"provider_ref":"httpserver","link_name":5}'), /field "link_name" must be a string, got 5/);
  assert.match(await refused(cmd('lp'), '{"provider_ref":"httpserver","configuration":"{\\"port\\":1}"}'), /takes no start configuration; give its settings as link values/);
  assert.match(await refused(cmd('sp'), '{"provider_ref":"httpserver","link_name":"default"}'), /field "provider_ref" must be the provider's public key \(56 characters starting with V\)/);
  assert.match(await refused(cmd('stop'), '{"timeout":"soon"}'), /field "timeout" must be a whole number/);
  assert.match(await refused(`${P}.linkdefs.put`, '{"actor_id":"M","provider_id":"V","contract_id":"c"}'), /field "actor_id" must be the actor's public key/);
  assert.match(await refused(`${P}.linkdefs.put`, `{"actor_id":"M${'A'.repeat(55)}","provider_id":"V${'A'.repeat(55)}","contract_id":"wasmcloud:x","link_name":"default","values":{"k":["v"]}}`), /field "values" must be an object of strings/);
  assert.match(await refused(`${P}.linkdefs.del`, '{}'), /field "actor_id" is required/);
  assert.match(await refused(`${P}.auction.actor`, 'nope'), /invalid actor auction request: the body is not valid JSON/);
  assert.match(await refused(`${P}.auction.provider`, '{"provider_ref":"httpserver","constraints":[]}'), /field "constraints" must be an object of strings/);
  assert.match(await refused(`${P}.registries.put`, '{"r.example.com":{"registryType":"ftp"}}'), /registryType must be "oci" or "bindle"/);
  assert.match(await refused(`${P}.registries.put`, '{"r.example.com":{"registryType":"oci","pin":"1"}}'), /unknown field "pin"/);
  // a key named __proto__ is just an unknown field, never a prototype
  assert.match(await refused(cmd('la'), '{"actor_ref":"file:///x.wasm","__proto__":{"count":5}}'), /unknown field "__proto__"/);
});

test('subjects with the wrong number of tokens, or naming no operation, are refused', async () => {
  for (const subject of [`${P}.auction.actor.extra`, `${P}.auction.car`, `${P}.get.hosts`, `${P}.linkdefs.patch`, `${P}.cmd.${m.host.id}.explode`]) {
    assert.match(await refused(subject, '{}'), /Invalid request topic .*no control operation has this subject/, subject);
  }
  // subjects no host subscribes to (another host's commands, a bare `auction`): nobody answers
  await assert.rejects(requestText(nc, `${P}.cmd.N${'B'.repeat(55)}.la`, '{"actor_ref":"file:///x.wasm"}', 1000), /no responders/);
  await assert.rejects(requestText(nc, `${P}.auction`, '{}', 1000), /no responders/);
});

test('a few hundred random payloads on every control subject: all refused or answered, and the host keeps answering', async () => {
  const subjects = [
    'la', 'sa', 'scale', 'upd', 'lp', 'sp',
  ].map((op) => `${P}.cmd.${m.host.id}.${op}`).concat([`${P}.linkdefs.put`, `${P}.linkdefs.del`, `${P}.auction.actor`, `${P}.auction.provider`, `${P}.registries.put`, `${P}.get.${m.host.id}.inv`]);
  const keys = ['actor_ref', 'actor_id', 'count', 'host_id', 'annotations', 'provider_ref', 'link_name', 'contract_id', 'values', 'constraints', 'new_actor_ref', 'configuration', 'x', '__proto__', 'constructor'];
  const values = (): unknown[] => [null, true, 0, -1, 1, 65536, 1.5, '', 'file:///nowhere.wasm', `M${'A'.repeat(55)}`, `V${'A'.repeat(55)}`, m.host.id, [], {}, { a: 'b' }, { a: 1 }, 'x'.repeat(10_000), '\u0000'];
  let seed = 7;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed % n; };
  const payloads: (string | Uint8Array)[] = [];
  for (let i = 0; i < 300; i++) {
    const kind = rnd(4);
    if (kind === 0) payloads.push(randomBytes(rnd(200)));
    else if (kind === 1) payloads.push(JSON.stringify(values()[rnd(18)]));
    else {
      const obj: Record<string, unknown> = {};
      for (let k = 0; k < 1 + rnd(5); k++) Object.defineProperty(obj, keys[rnd(keys.length)]!, { value: values()[rnd(18)], enumerable: true, configurable: true });
      const text = JSON.stringify(obj);
      payloads.push(kind === 3 ? text.slice(0, rnd(text.length + 1)) : text);
    }
  }
  let accepted = 0, answered = 0;
  await Promise.all(payloads.map(async (body, i) => {
    const subject = subjects[i % subjects.length]!;
    const text = await requestText(nc, subject, body, 20_000);
    const r = JSON.parse(text);
    answered++;
    if (subject.endsWith('.inv')) return assert.equal(r.host_id, m.host.id);
    assert.equal(typeof r.accepted, 'boolean', text);
    if (r.accepted) accepted++;
    else assert.ok(typeof r.error === 'string' && r.error.length > 0, text);
  }));
  assert.equal(answered, 300);
  assert.ok(accepted < 30, `random bodies are rarely valid commands (${accepted} accepted)`);
  // ...and the host is still itself
  const pings = await collect(nc, `${P}.ping.hosts`, '', 1000);
  assert.deepEqual(pings.map((p) => JSON.parse(p.string()).id), [m.host.id]);
  const inv = JSON.parse(await requestText(nc, `${P}.get.${m.host.id}.inv`, ''));
  assert.equal(inv.host_id, m.host.id);
  assert.ok(!m.logs.some((l) => l.level === 'error'), m.logs.filter((l) => l.level === 'error').map((l) => l.text).join('\n'));
});
