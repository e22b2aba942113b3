// Misbehaving actors and a well-behaved neighbour, all served over real HTTP by one host (issue 11's
// neighbour check). Shared by test/reliability/neighbours.test.ts (which asserts behaviour) and
// bench/neighbours.ts (which reports the neighbour's latency figures for the README).
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { signActorModule } from '../../src/claims/sign.js';
import { encode } from '../../src/codec/msgpack.js';
import type { Host } from '../../src/host/host.js';
import { createProvider } from '../../src/providers/registry.js';
import type { HttpServerProvider } from '../../src/providers/httpserver/provider.js';
import { wat2wasm } from './wat.js';
import { signedFixture, hostCallPayload } from './fixtures.js';

/** A valid HttpResponse {statusCode: 200, header: {}, body: "ok"} as msgpack. */
const OK_REPLY = Buffer.from(encode({ statusCode: 200, header: {}, body: new Uint8Array([0x6f, 0x6b]) }));
const hexBytes = (b: Uint8Array) => [...b].map((x) => `\\${x.toString(16).padStart(2, '0')}`).join('');

/** An actor that runs the WAT instructions `work` on every call, then answers `reply` (default: the OK HttpResponse). */
export async function workActor(name: string, work: string, reply: Uint8Array = OK_REPLY): Promise<Uint8Array> {
  const src = `(module
  ;;@wasmbus
  ;;@lib
  (data (i32.const 16) "${hexBytes(reply)}")
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (local $i i32)
    (call $reset)
    (call $guest_request (call $alloc (local.get $op_len)) (call $alloc (local.get $len)))
    ${work}
    (call $guest_response (i32.const 16) (i32.const ${reply.length}))
    (i32.const 1))
)`;
  return signActorModule(await wat2wasm(src, `${name}.wat`), { name, caps: ['wasmcloud:httpserver'] });
}

/** An actor answering with `mib` MiB of its own memory (no size cap existed before). */
export async function bigAnswerActor(name: string, mib: number): Promise<Uint8Array> {
  const pages = mib * 16 + 1;
  const src = `(module
  ;;@wasmbus
  ;;@lib
  (func (export "__guest_call") (param $op_len i32) (param $len i32) (result i32)
    (call $reset)
    (call $guest_request (call $alloc (local.get $op_len)) (call $alloc (local.get $len)))
    (drop (memory.grow (i32.const ${pages})))
    (call $guest_response (i32.const 65536) (i32.const ${mib * 1024 * 1024}))
    (i32.const 1))
)`;
  return signActorModule(await wat2wasm(src, `${name}.wat`), { name, caps: ['wasmcloud:httpserver'] });
}

export interface Misbehaviour {
  name: string;
  /** Start the misbehaving actor(s); returns a function that triggers one bad call and settles with how it ended. */
  setup(host: Host, serve: (actorId: string) => Promise<number>): Promise<() => Promise<string>>;
}

import { httpGet } from './http.js';

export { httpGet };

export const MISBEHAVIOURS: Misbehaviour[] = [
  {
    name: 'host-call loop (100 000 KeyValue.Increment in one call)',
    async setup(host) {
      const kv = createProvider('keyvalue');
      await host.startProvider(kv);
      const looper = await host.startActor(await signedFixture('hostcall-loop', { name: 'neighbours-kv-looper', caps: ['wasmcloud:keyvalue'] }));
      await host.putLink({ actor_id: looper.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } });
      const call = hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Increment', encode({ key: 'loop', value: 1 }));
      const payload = new Uint8Array(4 + call.length);
      new DataView(payload.buffer).setUint32(0, 100_000, true);
      payload.set(call, 4);
      return () => host.call(looper.id, 'Loop', payload).then(() => 'completed', (e: Error) => `refused: ${e.message.split('\n')[0]}`);
    },
  },
  {
    name: 'memory.grow loop (16 million one-page grows in one call, to its 1 GiB ceiling)',
    async setup(host, serve) {
      // How long a grow takes depends on whether V8 could reserve the memory's address space: where
      // it could not, it copies (1 024 grows took 0.68 s on the probing machine); where it could,
      // 16 384 grows to the ceiling took 50-60 ms, just over the 50 ms slice, and the call was
      // sometimes done before a clock check saw it (2 full runs in 9, 2026-12-07). The grows past
      // the ceiling fail fast (a million took 46 ms on the host thread, clock checks included):
      // 2^24 of them keep the call far past the slice even where every grow is fast.
      const a = await host.startActor(await workActor('neighbours-grower', `
        (local.set $i (i32.const 16777216))
        (loop $more
          (drop (memory.grow (i32.const 1)))
          (br_if $more (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))`), { maxMemoryPages: 16384 });
      const port = await serve(a.id);
      return () => httpGet(port, '/grow').then((r) => `HTTP ${r.status}`);
    },
  },
  {
    name: 'huge body (a 60 MiB answer)',
    async setup(host, serve) {
      const a = await host.startActor(await bigAnswerActor('neighbours-big', 60), { maxMemoryPages: 1024 });
      const port = await serve(a.id);
      return () => httpGet(port, '/big').then((r) => `HTTP ${r.status} (${r.body.length} bytes)`);
    },
  },
  {
    name: 'bad msgpack (an HttpResponse of dd 01 ff ff ff)',
    async setup(host, serve) {
      const a = await host.startActor(await workActor('neighbours-badpack', '', new Uint8Array([0xdd, 0x01, 0xff, 0xff, 0xff])));
      const port = await serve(a.id);
      return () => httpGet(port, '/bad').then((r) => `HTTP ${r.status}`);
    },
  },
];

export interface NeighbourRun {
  /** Latencies (ms) of the neighbour's requests while the misbehaviour ran. */
  latencies: number[];
  /** Non-200 answers or errors the neighbour got. */
  failures: string[];
  /** How each bad call ended. */
  outcomes: string[];
}

/** The httpserver provider of `host`, started once; `serve` links an actor on a free port. */
export async function httpServing(host: Host): Promise<(actorId: string) => Promise<number>> {
  const http = createProvider('httpserver') as HttpServerProvider;
  await host.startProvider(http);
  return async (actorId) => {
    await host.putLink({ actor_id: actorId, provider_id: http.id, contract_id: http.contractId, link_name: 'default', values: { port: '0' } });
    return http.listeners().find((l) => l.actorId === actorId)!.port;
  };
}

/**
 * Fire `badCalls` bad calls (2 at a time) while a neighbour is asked sequentially over keep-alive
 * connections (4 clients); returns the neighbour's latencies during the bad calls.
 */
export async function runNextToNeighbour(neighbourPort: number, trigger: () => Promise<string>, badCalls: number): Promise<NeighbourRun> {
  const latencies: number[] = [];
  const failures: string[] = [];
  const outcomes: string[] = [];
  let done = false;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  const client = async () => {
    while (!done) {
      const t0 = performance.now();
      try {
        const r = await httpGet(neighbourPort, '/n', agent);
        latencies.push(performance.now() - t0);
        if (r.status !== 200 || r.body !== 'ok') failures.push(`HTTP ${r.status} ${r.body.slice(0, 80)}`);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  const clients = Array.from({ length: 4 }, client);
  for (let i = 0; i < badCalls; i += 2) {
    outcomes.push(...await Promise.all([trigger(), ...(i + 1 < badCalls ? [trigger()] : [])]));
  }
  done = true;
  await Promise.all(clients);
  agent.destroy();
  return { latencies, failures, outcomes };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
