// tier: full — starts nats-server
// coalescePublishes (src/providers/process/coalesced-publish.ts), the host's connection to its
// provider processes: the publishes of one event-loop turn leave together, in order, after the
// turn's I/O callbacks; what nats.js would refuse is still refused at once with nats.js's error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from '@nats-io/transport-node';
import { errors as natsErrors, type Msg, type NatsConnection } from '@nats-io/nats-core';
import { coalescePublishes } from '../../src/providers/process/coalesced-publish.js';
import { startNats, type RunningServer } from '../support/servers.js';

let nats: RunningServer;
let sub: NatsConnection;

before(async () => {
  nats = await startNats();
  sub = await connect({ servers: nats.url });
});

after(async () => {
  await sub.close();
  await nats.stop();
});

function receive(subject: string, n: number): Promise<Msg[]> {
  const got: Msg[] = [];
  return new Promise((resolve) => {
    sub.subscribe(subject, { callback: (_e, m) => { got.push(m); if (got.length === n) resolve(got); } });
  });
}

/** write(2) calls this process has made so far. */
const writeCalls = () => Number(/syscw:\s+(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);

test('publishes from many I/O callbacks of one turn arrive in order, and in fewer writes than one per publish', async () => {
  const nc = await connect({ servers: nats.url });
  const errors: string[] = [];
  const co = coalescePublishes(nc, (s, e) => errors.push(`${s}: ${String(e)}`));
  const N = 200;
  const arrived = receive('co.order', N);
  await sub.flush();
  // one publish per timer callback, all due in the same turn: like HTTP requests on separate sockets
  const w0 = writeCalls();
  await new Promise<void>((resolve) => {
    for (let i = 0; i < N; i++) setTimeout(() => { co.publish('co.order', String(i), { reply: `r.${i}` }); if (i === N - 1) resolve(); }, 1);
  });
  const got = await arrived;
  const writes = writeCalls() - w0;
  assert.deepEqual(got.map((m) => m.string()), Array.from({ length: N }, (_, i) => String(i)));
  assert.deepEqual(got.map((m) => m.reply), Array.from({ length: N }, (_, i) => `r.${i}`));
  // the subscriber's own traffic is tiny; N publishes each in its own write would be >= N
  assert.ok(writes < N / 4, `${writes} write calls for ${N} publishes`);
  assert.deepEqual(errors, []);
  await nc.close();
});

test('flush() sends what is queued first; what nats.js refuses is refused at once, with its error', async () => {
  const nc = await connect({ servers: nats.url });
  const co = coalescePublishes(nc, () => undefined);
  const arrived = receive('co.flush', 1);
  await sub.flush();
  co.publish('co.flush', 'x');
  await co.flush(); // the server has it once this round trip is done
  await sub.flush();
  assert.equal((await arrived)[0]!.string(), 'x');

  assert.throws(() => co.publish('bad subject', 'x'), (e) => e instanceof natsErrors.InvalidSubjectError);
  assert.throws(() => co.publish('co.big', new Uint8Array(nc.info!.max_payload + 1)), /max_payload/);
  await co.close();
  assert.throws(() => co.publish('co.closed', 'x'), (e) => e instanceof natsErrors.ClosedConnectionError);
});
