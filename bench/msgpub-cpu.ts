// CPU per message of an actor publishing through the messaging provider, in one process and without
// a subscriber: what bench/providers (b) charges to Stratus minus the counting subscriber, so a
// change on the publish path shows up undiluted. The same loop of raw nc.publish is measured beside
// it (interleaved rounds) as the floor nats.js itself sets. Run under --cpu-prof to see where it goes:
//   node dist/bench/msgpub-cpu.js [--messages 400000] [--rounds 5] [--burst 20]
//   node --cpu-prof --cpu-prof-dir=bench-profiles dist/bench/msgpub-cpu.js --rounds 3 --actor-only
// Each round ends with a flush, so the bytes really went to nats-server; figures: this process's
// CPU (user + system) per message, medians over rounds.
import { connect } from '@nats-io/transport-node';
import { MessageSubscriberCodec } from '../src/codec/interfaces/messaging.js';
import { startNats } from '../test/support/servers.js';
import { messagingEchoHost } from './messaging-echo-host.js';
import { median, numberArg } from './stats.js';

const MESSAGES = numberArg('messages', 400000);
const ROUNDS = numberArg('rounds', 5);
const BURST = numberArg('burst', 20);
/** --actor-only: no raw rounds (a profile of the actor path alone). */
const ACTOR_ONLY = process.argv.includes('--actor-only');
const CONCURRENCY = 64;
const BODY = new Uint8Array(64).fill(0x61);

const nats = await startNats();
const echo = await messagingEchoHost(nats.url);
const host = echo.host;
const pubConn = await connect({ servers: nats.url });
try {
  const burst = MessageSubscriberCodec.HandleMessage.encodeInput({ subject: `burst.${BURST}`, body: BODY });

  // A call stalled past the inline lane's 50 ms slice by a loaded machine moves the actor to worker
  // threads (see bench/providers.ts): such a round is run again with the actor restarted.
  let voided = 0;
  const viaActor = async (n: number): Promise<number> => {
    for (;;) {
      try {
        return await actorRound(n);
      } catch (e) {
        if ((e as { code?: string }).code !== 'INTERRUPTED' || ++voided > 5) throw e;
        await echo.restart();
      }
    }
  };
  const actorRound = async (n: number): Promise<number> => {
    const calls = Math.ceil(n / BURST);
    const c0 = process.cpuUsage();
    for (let sent = 0; sent < calls; sent += CONCURRENCY) {
      const batch: unknown[] = [];
      for (let j = 0; j < CONCURRENCY && sent + j < calls; j++) batch.push(host.call(echo.actorId, 'MessageSubscriber.HandleMessage', burst));
      await Promise.all(batch);
    }
    await pubConn.flush(); // the provider's connection is another one; flushing ours only yields to I/O
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / (calls * BURST);
  };
  const raw = async (n: number): Promise<number> => {
    const c0 = process.cpuUsage();
    for (let sent = 0; sent < n; sent += CONCURRENCY * BURST) {
      for (let j = 0; j < CONCURRENCY * BURST && sent + j < n; j++) pubConn.publish('echo.noreply', BODY);
      await Promise.resolve(); // as the actor mode yields between batches
    }
    await pubConn.flush();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n;
  };
  await viaActor(20000); await raw(20000); // warm-up
  const a: number[] = [], r: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (ACTOR_ONLY) a.push(await viaActor(MESSAGES));
    else if (i % 2 === 0) { a.push(await viaActor(MESSAGES)); r.push(await raw(MESSAGES)); }
    else { r.push(await raw(MESSAGES)); a.push(await viaActor(MESSAGES)); }
  }
  console.log(`msgpub-cpu: ${MESSAGES} messages of ${BODY.length} B a round, ${ROUNDS} rounds, burst ${BURST}, no subscriber; void actor rounds run again: ${voided}`);
  console.log(`  actor loop: ${median(a).toFixed(2)} us/msg cpu (rounds ${a.map((x) => x.toFixed(2)).join(', ')})`);
  if (!ACTOR_ONLY) console.log(`  raw publish: ${median(r).toFixed(2)} us/msg cpu (rounds ${r.map((x) => x.toFixed(2)).join(', ')})`);
} finally {
  await host.shutdown();
  await pubConn.close();
  await nats.dispose();
}
