// Lattice members for the control-interface tests: a real Host with its HostController (as
// `stratus up` has), joined to a real nats-server through the control components, and raw NATS
// clients that speak the wire protocol by hand (JSON text, subjects spelled out), not through
// Stratus's own client code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { Msg, NatsConnection } from '@nats-io/nats-core';
import { Host } from '../../src/host/host.js';
import { HostController } from '../../src/control/controller.js';
import { controlPaths } from '../../src/control/paths.js';
import { StateStore } from '../../src/control/state-store.js';
import { builtinSource } from '../../src/providers/registry.js';
import type { ProviderSource } from '../../src/providers/source.js';
import { ArchiveProviderSource, type LatticeAccess } from '../../src/providers/process/index.js';
import { createKeyPair, fromSeed } from '../../src/claims/nkeys.js';
import { signActorModule, type SignActorOptions } from '../../src/claims/sign.js';
import { controlComponents } from '../../src/lattice/control/index.js';
import type { LatticeConfig, LatticeContext } from '../../src/lattice/types.js';
import { fixture } from '../support/wat.js';
import type { LogLine } from '../support/fixtures.js';

export { startNats, freePort, type RunningServer } from '../support/servers.js';

export interface Member {
  host: Host;
  controller: HostController;
  ctx: LatticeContext;
  home: string;
  logs: LogLine[];
  /** Resolves once the member stopped (after a `stop` command or stop()). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export interface MemberOptions {
  labels?: Record<string, string>;
  allowFileLoad?: boolean;
  prefix?: string;
  heartbeatMs?: number;
  /** Also start provider archives (.par.gz) as processes, as `stratus up` does. */
  archives?: boolean;
}

export function latticeConfig(natsUrl: string, o: MemberOptions = {}): LatticeConfig {
  const cluster = createKeyPair('cluster');
  return {
    prefix: o.prefix ?? 'default',
    rpcServers: [natsUrl],
    ctlServers: [natsUrl],
    ctlTopicPrefix: 'wasmbus.ctl',
    clusterSeed: cluster.seed,
    clusterIssuers: [cluster.publicKey],
    rpcTimeoutMs: 5000,
    allowFileLoad: o.allowFileLoad ?? true,
    labels: { 'hostcore.os': process.platform, 'hostcore.arch': process.arch, ...(o.labels ?? {}) },
    dataReplicas: 1,
  };
}

/** A host with a control plane, joined to the lattice on `natsUrl`. */
export async function startMember(natsUrl: string, o: MemberOptions = {}): Promise<Member> {
  const home = mkdtempSync(join(tmpdir(), 'st-lctl-'));
  const paths = controlPaths(home);
  const logs: LogLine[] = [];
  const log = (level: string, text: string) => { logs.push({ level, text }); };
  const hostSeed = createKeyPair('server').seed;
  const host = new Host({ hostSeed, log, dataDir: paths.dataDir, rpcTimeoutMs: 20_000 });
  const sources: ProviderSource[] = [builtinSource];
  let access: LatticeAccess | undefined;
  if (o.archives) sources.push(new ArchiveProviderSource({ lattice: () => access }));
  const controller = new HostController({
    host, store: new StateStore(paths.stateFile), paths, log, sources,
    buildProject: () => Promise.reject(new Error('no builds in these tests')),
  });
  const config = latticeConfig(natsUrl, o);
  const nc = await connect({ servers: natsUrl });
  const [events, control] = controlComponents({ heartbeatMs: o.heartbeatMs });
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => { resolveStopped = r; });
  let stopping: Promise<void> | undefined;
  const stop = () => stopping ??= (async () => {
    await control.drain();
    await control.stop();
    await host.shutdown();
    await events.stop();
    await nc.drain().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    resolveStopped();
  })();
  const ctx: LatticeContext = {
    config, rpc: nc, ctl: nc, host, commands: controller,
    hostKey: fromSeed(hostSeed, 'server'), clusterKey: fromSeed(config.clusterSeed, 'cluster'),
    directory: { actor: () => undefined },
    requestStop: () => { void stop(); },
    log,
  };
  access = { nc, config, directory: ctx.directory };
  await events.start(ctx);
  await control.start(ctx);
  return { host, controller, ctx, home, logs, stopped, stop };
}

/** A plain NATS client for the test's side of the wire. */
export function rawClient(natsUrl: string): Promise<NatsConnection> {
  return connect({ servers: natsUrl });
}

const dec = new TextDecoder();

/** One request with a JSON text body written by the test; resolves with the reply text. */
export async function requestText(nc: NatsConnection, subject: string, body: string | Uint8Array, timeoutMs = 10_000): Promise<string> {
  const m = await nc.request(subject, body, { timeout: timeoutMs });
  return dec.decode(m.data);
}

/** All replies that arrive within `waitMs` (ping, auctions): collected as wash collects them. */
export async function collect(nc: NatsConnection, subject: string, body: string, waitMs = 2000): Promise<Msg[]> {
  const out: Msg[] = [];
  for await (const m of await nc.requestMany(subject, body, { maxWait: waitMs, strategy: 'timer' })) out.push(m);
  return out;
}

export interface EventLog {
  events: { subject: string; json: any; headers?: Record<string, string> }[];
  /** The first event matching `pred` (waits for it; fails after `limitMs`). */
  next(pred: (e: any) => boolean, what: string, limitMs?: number): Promise<any>;
  close(): void;
}

/** Every CloudEvent on wasmbus.evt / wasmbus.rpcevt of `lattice`, parsed. */
export async function watchEvents(nc: NatsConnection, lattice = 'default'): Promise<EventLog> {
  const events: EventLog['events'] = [];
  const subs = [`wasmbus.evt.${lattice}`, `wasmbus.rpcevt.${lattice}`].map((s) => nc.subscribe(s, {
    callback: (_e, m) => {
      const headers: Record<string, string> = {};
      if (m.headers) for (const [k, v] of m.headers) headers[k] = v[0]!;
      events.push({ subject: m.subject, json: JSON.parse(dec.decode(m.data)), headers });
    },
  }));
  await nc.flush();
  return {
    events,
    async next(pred, what, limitMs = 20_000) {
      const end = Date.now() + limitMs;
      for (;;) {
        const hit = events.find((e) => pred(e.json));
        if (hit) return hit.json;
        if (Date.now() > end) throw new Error(`no event ${what} within ${limitMs} ms; saw: ${events.map((e) => e.json.type).join(', ')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () => { for (const s of subs) s.unsubscribe(); },
  };
}

/** A signed echo actor written to `<dir>/<name>.wasm`; returns the path and the actor key. */
export async function echoActorFile(dir: string, name = 'echo', opts: Partial<SignActorOptions> = {}): Promise<{ path: string; id: string }> {
  const module = signActorModule(await fixture('echo'), { name, ...opts });
  const path = join(dir, `${name}_s.wasm`);
  writeFileSync(path, module);
  const { readActorClaims } = await import('../../src/claims/verify.js');
  return { path, id: readActorClaims(module)!.claims.sub };
}

/** Poll until `pred()` holds. */
export async function until(pred: () => boolean | Promise<boolean>, what: string, limitMs = 20_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
