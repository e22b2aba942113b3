// tier: full — starts nats-server
// The sender's request/reply mux (src/lattice/rpc/reply-mux.ts) against a real nats-server: replies
// reach the request that sent them (many in flight, answered out of order), a subject nobody serves
// fails with NoRespondersError, a silent responder with TimeoutError near its timeout, a late reply
// is dropped, and closing fails what is pending.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import { errors as natsErrors, type NatsConnection } from '@nats-io/nats-core';
import { startNats, type RunningServer } from '../support/servers.js';
import { ReplyMux } from '../../src/lattice/rpc/reply-mux.js';

let server: RunningServer;
let nc: NatsConnection;
let responder: NatsConnection;
const enc = new TextEncoder();
const dec = new TextDecoder();

before(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
  responder = await connect({ servers: server.url });
  // answers in reverse order of arrival, in batches of 8, so replies cross each other
  let batch: { respond(d: Uint8Array): boolean; data: Uint8Array }[] = [];
  responder.subscribe('echo', {
    callback: (_e, m) => {
      batch.push(m);
      if (batch.length === 8) {
        for (const b of batch.reverse()) b.respond(enc.encode(`re:${dec.decode(b.data)}`));
        batch = [];
      }
    },
  });
  responder.subscribe('late', { callback: (_e, m) => { setTimeout(() => m.respond(enc.encode('late')), 300); } });
  responder.subscribe('silent', { callback: () => {} });
  await responder.flush();
});
after(async () => {
  await nc?.close();
  await responder?.close();
  await server?.stop();
});

test('each reply reaches the request that sent it, with many in flight answered out of order', async () => {
  const mux = new ReplyMux(nc);
  const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => mux.request('echo', enc.encode(String(i)), 5000)));
  assert.deepEqual(answers.map((m) => dec.decode(m.data)), Array.from({ length: 64 }, (_, i) => `re:${i}`));
  mux.close();
});

test('nobody serving the subject: NoRespondersError naming it; no reply in time: TimeoutError; a late reply is dropped', async () => {
  const mux = new ReplyMux(nc);
  await assert.rejects(mux.request('nobody.here', enc.encode('x'), 5000), (e: unknown) => e instanceof natsErrors.NoRespondersError && e.message.includes('nobody.here'));
  await assert.rejects(mux.request('silent', enc.encode('x'), 100), (e: unknown) => e instanceof natsErrors.TimeoutError);
  await assert.rejects(mux.request('late', enc.encode('x'), 100), (e: unknown) => e instanceof natsErrors.TimeoutError);
  await new Promise((r) => setTimeout(r, 400)); // the late reply arrives and is ignored
  const again = await Promise.all(Array.from({ length: 8 }, (_, i) => mux.request('echo', enc.encode(`b${i}`), 5000)));
  assert.deepEqual(again.map((m) => dec.decode(m.data)).sort(), Array.from({ length: 8 }, (_, i) => `re:b${i}`).sort());
  mux.close();
});

test('closing fails what is pending and refuses new requests', async () => {
  const mux = new ReplyMux(nc);
  const pending = mux.request('silent', enc.encode('x'), 60_000);
  mux.close();
  await assert.rejects(pending, (e: unknown) => e instanceof natsErrors.ClosedConnectionError);
  await assert.rejects(mux.request('echo', enc.encode('x'), 1000), (e: unknown) => e instanceof natsErrors.ClosedConnectionError);
});
