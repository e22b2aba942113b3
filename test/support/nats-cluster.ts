// A real three-server NATS cluster with JetStream for tests, on free loopback ports: each server
// has its own client port, route port and store directory, and routes to the other two. A server
// that cannot start rejects (the calling test fails; tests never skip for a missing server).
import { spawn, type ChildProcess } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { freePort } from './servers.js';

export interface ClusterServer {
  name: string;
  port: number;
  url: string;
  /** Kill it (SIGKILL: a crash, not a goodbye). */
  kill(): Promise<void>;
  /** Start it again with the same ports and store. */
  restart(): Promise<void>;
  running(): boolean;
}

export interface NatsCluster {
  servers: ClusterServer[];
  urls: string[];
  /** Start every killed server again and wait until JetStream answers. */
  heal(): Promise<void>;
  /** Stop every server and remove their stores. */
  dispose(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

/** Three routed nats-servers with JetStream; resolves once JetStream has a meta leader. */
export async function startNatsCluster(name = `stratus-${process.pid}`): Promise<NatsCluster> {
  const ports = await Promise.all([0, 1, 2].map(async () => ({ client: await freePort(), route: await freePort() })));
  const dir = mkdtempSync(join(tmpdir(), 'stratus-nats-cluster-'));
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(',');
  const servers: ClusterServer[] = ports.map((p, i) => {
    const serverName = `${name}-${i}`;
    let child: ChildProcess | undefined;
    let out = '';
    const start = async () => {
      out = '';
      child = spawn('nats-server', [
        '-a', '127.0.0.1', '-p', String(p.client), '-js', '-sd', join(dir, serverName), '--server_name', serverName,
        '--cluster_name', name, '--cluster', `nats://127.0.0.1:${p.route}`, '--routes', routes,
      ], { stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (b: Buffer) => { out = (out + b.toString()).slice(-4000); };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      child.on('error', (e) => { out += `\nspawn nats-server failed: ${e.message} (is it installed?)`; });
      const deadline = Date.now() + 15_000;
      while (!(await canConnect(p.client))) {
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`nats-server ${serverName} did not listen on ${p.client}:\n${out}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return {
      name: serverName,
      port: p.client,
      url: `nats://127.0.0.1:${p.client}`,
      async kill() {
        if (!child) return;
        child.kill('SIGKILL');
        await exited(child);
      },
      restart: start,
      running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
      _start: start,
    } as ClusterServer & { _start: () => Promise<void> };
  });
  const cluster: NatsCluster = {
    servers,
    urls: servers.map((s) => s.url),
    async heal() {
      for (const s of servers) if (!s.running()) await s.restart();
      await waitForJetStream(servers.map((s) => s.url));
    },
    async dispose() {
      await Promise.all(servers.map((s) => s.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(servers.map((s) => (s as ClusterServer & { _start: () => Promise<void> })._start()));
    await waitForJetStream(cluster.urls);
  } catch (e) {
    await cluster.dispose();
    throw e;
  }
  return cluster;
}

/** JetStream answers account info only once the cluster elected a meta leader. */
async function waitForJetStream(urls: string[]): Promise<void> {
  const nc = await connect({ servers: urls });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: 2000 });
        await jsm.getAccountInfo();
        return;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`the NATS cluster's JetStream did not become ready: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  } finally {
    await nc.close();
  }
}
