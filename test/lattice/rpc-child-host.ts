// A host in its own process, joined to a lattice with the rpc component alone (the lattice
// composition, src/lattice/lattice.ts, belongs to another branch): the failover test starts two
// and kills one with SIGKILL. Argument: JSON {natsUrl, prefix, clusterSeed, rpcTimeoutMs,
// actorPath, links}. Prints `ready <hostId>`, then `served <n>` as it serves invocations.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { fromSeed } from '../../src/claims/nkeys.js';
import { Host } from '../../src/host/host.js';
import type { LinkInput } from '../../src/host/links/link-input.js';
import { join } from './rpc-support.js';

interface ChildConfig {
  natsUrl: string;
  prefix: string;
  clusterSeed: string;
  rpcTimeoutMs: number;
  actorPath: string;
  links: LinkInput[];
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const host = new Host({
  rpcTimeoutMs: cfg.rpcTimeoutMs,
  dataDir: mkdtempSync(pathJoin(tmpdir(), 'stratus-rpc-child-')),
  log: (level, text) => { if (level === 'error') process.stderr.write(`${text}\n`); },
});
await host.startActor(new Uint8Array(readFileSync(cfg.actorPath)));
for (const l of cfg.links) await host.putLink(l);
const member = await join(host, cfg.natsUrl, { prefix: cfg.prefix, clusterKey: fromSeed(cfg.clusterSeed, 'cluster'), rpcTimeoutMs: cfg.rpcTimeoutMs });
let served = 0;
let reported = -1;
host.events.on('invocation_succeeded', () => { served++; });
setInterval(() => {
  if (served !== reported) process.stdout.write(`served ${served}\n`);
  reported = served;
}, 20);
process.on('SIGTERM', () => {
  void member.leave().then(() => host.shutdown()).then(() => process.exit(0));
});
process.stdout.write(`ready ${host.id}\n`);
