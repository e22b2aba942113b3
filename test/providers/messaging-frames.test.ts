// tier: full — starts nats-server
// The messaging provider's PUB frame writer (src/providers/messaging/publish-frames.ts) must put on
// the wire exactly what nc.publish puts there, count what nc.stats() counts, refuse what nc.publish
// refuses with nats.js's own errors, and must actually be in use with the installed nats.js.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { startNats, type RunningServer } from '../support/servers.js';
import { framePublisher } from '../../src/providers/messaging/publish-frames.js';

let nats: RunningServer;
before(async () => { nats = await startNats(); });
after(async () => { await nats?.dispose(); });

interface Protocol { sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void }

/** Every byte `nc` queues for the server from now on (the real sendCommand still runs). */
function recordOutbound(nc: NatsConnection): { bytes(): number[] } {
  const protocol = (nc as unknown as { protocol: Protocol }).protocol;
  const real = protocol.sendCommand.bind(protocol);
  const out: number[] = [];
  protocol.sendCommand = (cmd, ...payloads) => {
    out.push(...(typeof cmd === 'string' ? new TextEncoder().encode(cmd) : cmd));
    for (const p of payloads) out.push(...p);
    real(cmd, ...payloads);
  };
  return { bytes: () => out };
}

const subjects = ['echo.noreply', 'a', 's.'.repeat(120) + 'x', 'ünï.cödé'];
const sizes = [0, 1, 9, 10, 64, 99, 100, 4000, 4096, 70_000];
const bodyOf = (n: number, k: number) => new Uint8Array(n).map((_, i) => (i * 13 + k) & 0xff);

test('the installed nats.js has what the frame writer needs (otherwise Messaging.Publish silently takes the slower nc.publish)', async () => {
  const nc = await connect({ servers: nats.url });
  try {
    assert.ok(framePublisher(nc), 'framePublisher(nc) is undefined: nats-core no longer exposes protocol.sendCommand / outMsgs / outBytes / noMorePublishing');
  } finally { await nc.close(); }
});

test('frames are byte for byte what nc.publish sends, counted the same in nc.stats()', async () => {
  const viaFrames = await connect({ servers: nats.url });
  const viaPublish = await connect({ servers: nats.url });
  try {
    const frames = framePublisher(viaFrames)!;
    const a = recordOutbound(viaFrames);
    const b = recordOutbound(viaPublish);
    const s0 = viaFrames.stats(), p0 = viaPublish.stats();
    let k = 0;
    for (const subject of subjects) for (const n of sizes) {
      const body = bodyOf(n, k++);
      frames.publish(subject, body);
      viaPublish.publish(subject, body);
    }
    assert.deepEqual(a.bytes(), b.bytes());
    const s1 = viaFrames.stats(), p1 = viaPublish.stats();
    assert.equal(s1.outMsgs - s0.outMsgs, p1.outMsgs - p0.outMsgs);
    assert.equal(s1.outBytes - s0.outBytes, p1.outBytes - p0.outBytes);
  } finally { await viaFrames.close(); await viaPublish.close(); }
});

test('a subscriber receives every frame in order, interleaved with nc.publish, and the body was copied at the call', async () => {
  const pub = await connect({ servers: nats.url });
  const sub = await connect({ servers: nats.url });
  try {
    const got: { subject: string; data: number[] }[] = [];
    sub.subscribe('frames.>', { callback: (_e, m) => { got.push({ subject: m.subject, data: [...m.data] }); } });
    await sub.flush();
    const frames = framePublisher(pub)!;
    const want: { subject: string; data: number[] }[] = [];
    const scratch = new Uint8Array(70_000); // reused for every call, as a guest's writer is
    let k = 0;
    for (let round = 0; round < 3; round++) for (const n of sizes) {
      const subject = `frames.${round}.${n}`;
      const body = scratch.subarray(0, n);
      body.set(bodyOf(n, k++));
      want.push({ subject, data: [...body] });
      if (k % 3 === 0) pub.publish(subject, body.slice()); else frames.publish(subject, body);
      scratch.fill(0xee); // the caller's buffer changes before nats.js writes it out
    }
    await pub.flush();
    const end = Date.now() + 10_000;
    while (got.length < want.length && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, want);
  } finally { await pub.close(); await sub.close(); }
});

test('a closed or draining connection refuses a frame with nats.js\'s own error, as nc.publish does', async () => {
  const nc = await connect({ servers: nats.url });
  const frames = framePublisher(nc)!;
  const draining = nc.drain();
  const errOf = (f: () => void) => { try { f(); return undefined; } catch (e) { return (e as Error).constructor.name + ': ' + (e as Error).message; } };
  const fromFrames = errOf(() => frames.publish('x.y', new Uint8Array(3)));
  const fromPublish = errOf(() => nc.publish('x.y', new Uint8Array(3)));
  assert.equal(fromFrames, fromPublish, 'while draining, both refuse or both accept (nats.js stops publishes late in a drain)');
  await draining;
  const closedFrames = errOf(() => frames.publish('x.y', new Uint8Array(3)));
  const closedPublish = errOf(() => nc.publish('x.y', new Uint8Array(3)));
  assert.ok(closedPublish, 'nc.publish refuses once closed');
  assert.equal(closedFrames, closedPublish);
});

test('without nats-core\'s protocol handler there is no frame writer (the provider then uses nc.publish)', () => {
  const bare = { publish() {}, isClosed: () => false } as unknown as NatsConnection;
  assert.equal(framePublisher(bare), undefined);
  const partial = { protocol: { sendCommand() {}, outMsgs: 0 } } as unknown as NatsConnection;
  assert.equal(framePublisher(partial), undefined);
});
