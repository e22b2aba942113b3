// Lattice members in one process for the metadata and joining tests: a real Host whose links live
// in the LATTICEDATA bucket of a real nats-server, joined through Lattice, plus a raw NATS KV client
// that writes the bucket the way wash does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Host } from '../../src/host/host.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { Lattice } from '../../src/lattice/lattice.js';
import { readHostSettings } from '../../src/lattice/config.js';
import type { LatticeComponent, LatticeConfig } from '../../src/lattice/types.js';
import type { LogLine } from '../support/fixtures.js';

/** A lattice configuration for the server at `url` (through config.ts, as `stratus up` reads it). */
export function latticeConfig(url: string, prefix: string, extra: Partial<LatticeConfig> = {}): LatticeConfig {
  const u = new URL(url);
  const s = readHostSettings({}, { natsHost: u.hostname, natsPort: u.port, latticePrefix: prefix });
  return { ...s.lattice!, ...extra };
}

export interface Member {
  host: Host;
  lattice: Lattice;
  logs: LogLine[];
  stop(): Promise<void>;
}

const dirs: string[] = [];
export function cleanupDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A Host joined to the lattice of `config` (no RPC/control parts unless given). */
export async function member(config: LatticeConfig, components: LatticeComponent[] = []): Promise<Member> {
  const logs: LogLine[] = [];
  const log = (level: string, text: string) => { logs.push({ level, text }); };
  const lattice = await Lattice.connect(config, { log });
  const seed = createKeyPair('server').seed;
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-lattice-'));
  dirs.push(dataDir);
  const host = new Host({ hostSeed: seed, linkStore: lattice.links, log, dataDir });
  await lattice.join({ host, hostSeed: seed, components });
  return { host, lattice, logs, stop: () => lattice.stop({ hostShutdown: () => host.shutdown() }) };
}

export interface RawClient {
  nc: NatsConnection;
  kv: KV;
  jsm: JetStreamManager;
  close(): Promise<void>;
}

/** A plain NATS KV client on the lattice's bucket: what wash (control-interface `kv.rs`) uses. */
export async function rawBucket(url: string | string[], prefix: string): Promise<RawClient> {
  const nc = await connect({ servers: url });
  const kv = await new Kvm(jetstream(nc)).open(`LATTICEDATA_${prefix}`);
  const jsm = await jetstreamManager(nc);
  return { nc, kv, jsm, close: () => nc.close() };
}

let n = 0;
/** A lattice prefix no other test uses. */
export function uniquePrefix(tag: string): string {
  return `${tag}-${process.pid}-${++n}`;
}

/** A nats-server started from a configuration file (for settings with no command-line flag, e.g. a JetStream domain). */
export async function startNatsWithConfig(conf: (port: number, storeDir: string) => string): Promise<{ url: string; port: number; dispose(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { connect: tcp } = await import('node:net');
  const { freePort } = await import('../support/servers.js');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'stratus-nats-conf-'));
  const file = join(dir, 'nats.conf');
  writeFileSync(file, conf(port, join(dir, 'store')));
  const child = spawn('nats-server', ['-c', file], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => { const s = tcp({ host: '127.0.0.1', port }); s.once('connect', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server -c ${file} did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    async dispose() {
      if (child.exitCode === null) await new Promise<void>((r) => { child.once('exit', () => r()); child.kill('SIGTERM'); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
