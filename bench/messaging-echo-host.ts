// The in-process set-up bench/providers (b) and bench/msgpub-cpu share: a Host with the messaging
// provider and the messaging-echo example linked to it on one nats-server, and a way to start the
// actor afresh when a round was voided (a call stalled past the 50 ms slice moved it to workers).
import { join } from 'node:path';
import { Host } from '../src/host/host.js';
import { createProvider } from '../src/providers/registry.js';
import { buildCached, ROOT } from '../test/sdk/build-cache.js';

export interface MessagingEchoHost {
  host: Host;
  /** The actor's key (it changes with nothing, but the instance behind it does on restart). */
  readonly actorId: string;
  /** Stop the actor and start it again on the host thread, linked as before. */
  restart(): Promise<void>;
}

export async function messagingEchoHost(natsUrl: string): Promise<MessagingEchoHost> {
  const host = new Host({ log: () => undefined });
  const { wasm } = await buildCached(join(ROOT, 'examples', 'messaging-echo'));
  const provider = await host.startProvider(createProvider('messaging'));
  let actor = await host.startActor(wasm);
  const link = () => host.putLink({ actor_id: actor.id, provider_id: provider.id, contract_id: 'wasmcloud:messaging', link_name: 'default', values: { URI: natsUrl } });
  await link();
  return {
    host,
    get actorId() { return actor.id; },
    async restart() {
      await host.stopActor(actor.id);
      actor = await host.startActor(wasm);
      await link();
    },
  };
}
