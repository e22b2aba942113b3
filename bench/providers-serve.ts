// One Stratus setup of bench/providers (a), run as its own process so wrk and /proc see it alone:
// a host joined to the lattice on $NATS, the httpserver provider in-process, the kvcounter actor
// ($ACTOR, a signed module) and keyvalue (memory backend) served either by the built-in in-process
// provider (KV=builtin) or by the same provider run as a process by the provider SDK (KV=external),
// reached over NATS. Prints "ready" once both links are in place.
//   NATS=nats://… PORT=… ACTOR=/path/kvcounter_s.wasm KV=builtin|external node dist/bench/providers-serve.js
import { readFileSync } from 'node:fs';
import { Host } from '../src/host/host.js';
import { createProvider } from '../src/providers/registry.js';
import { ArchiveProviderSource } from '../src/providers/process/archive-source.js';
import { join as joinLattice } from '../test/lattice/rpc-support.js';
import { builtinAsProcess, packProvider } from '../test/providers/process-support.js';

const KV = 'wasmcloud:keyvalue';
const HTTP = 'wasmcloud:httpserver';
const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`providers-serve: set ${name} (see the comment at the top of bench/providers-serve.ts)`);
  return v;
};

const host = new Host({ log: (level, text) => { if (level === 'error' || level === 'warn') console.error(`${level} ${text}`); } });
// each setup its own lattice: both run the same actor (same key) on one nats-server
const member = await joinLattice(host, env('NATS'), { prefix: `bench-${env('KV')}` });
const actor = await host.startActor(new Uint8Array(readFileSync(env('ACTOR'))));
let kvId: string;
if (env('KV') === 'external') {
  const source = new ArchiveProviderSource({ lattice: () => ({ nc: member.nc, config: member.ctx.config, directory: member.ctx.directory }) });
  // `--cpu-prof` on this process (bench/providers.js --cpu-prof) profiles the provider process too
  const prof = process.execArgv.find((a) => a.startsWith('--cpu-prof-dir='));
  const script = prof ? builtinAsProcess('keyvalue').replace('#!/usr/bin/env node', `#!/usr/bin/env -S node --cpu-prof ${prof}`) : builtinAsProcess('keyvalue');
  const kv = await source.open(packProvider(script, 'kv-proc', { capid: KV }).path, 'default');
  await host.startProvider(kv);
  kvId = kv.id;
} else {
  kvId = (await host.startProvider(createProvider('keyvalue'))).id;
}
const http = await host.startProvider(createProvider('httpserver'));
await host.putLink({ actor_id: actor.id, provider_id: kvId, contract_id: KV, link_name: 'default', values: { backend: 'memory' } });
await host.putLink({ actor_id: actor.id, provider_id: http.id, contract_id: HTTP, link_name: 'default', values: { address: `127.0.0.1:${env('PORT')}` } });
console.log('ready');

const stop = async () => {
  await host.shutdown();
  await member.leave();
  process.exit(0);
};
process.once('SIGTERM', () => { void stop(); });
process.once('SIGINT', () => { void stop(); });
