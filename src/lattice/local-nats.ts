// What `wash up` does for a user without NATS (wash `src/up/mod.rs handle_up`: "Avoid downloading
// + starting NATS if the user already runs their own server and we can connect"): when lattice mode
// is asked for without naming a server and nothing answers where the default points, start a local
// `nats-server -js` there, its JetStream store under $STRATUS_HOME/nats and its log in
// $STRATUS_HOME/nats.log, and stop it when the host stops. Stratus downloads nothing: without a
// nats-server on PATH it says how to install one or where to point instead.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { StratusError } from '../core/errors.js';

export interface LocalNats {
  /** True when this process started the server (and stops it). */
  started: boolean;
  url: string;
  stop(): Promise<void>;
}

/** Whether something accepts TCP connections at host:port (within `timeoutMs`). */
export function answers(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const t = setTimeout(() => { s.destroy(); resolve(false); }, timeoutMs);
    s.once('connect', () => { clearTimeout(t); s.destroy(); resolve(true); });
    s.once('error', () => { clearTimeout(t); resolve(false); });
  });
}

/** The first executable `name` on `path` (a PATH value), or undefined. */
export function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch { /* not here */ }
  }
  return undefined;
}

export interface EnsureOptions {
  host: string;
  port: number;
  /** $STRATUS_HOME: the store goes to `nats/`, the log to `nats.log`. */
  home: string;
  /** PATH to look for nats-server on (default process.env.PATH). */
  path?: string;
  note?: (text: string) => void;
}

/** A NATS server at host:port: the one already there, or one started now. */
export async function ensureLocalNats(o: EnsureOptions): Promise<LocalNats> {
  const url = `nats://${o.host}:${o.port}`;
  if (await answers(o.host, o.port)) return { started: false, url, stop: async () => {} };
  const binary = onPath('nats-server', o.path ?? process.env.PATH);
  if (!binary) {
    throw new StratusError('HOST_UNREACHABLE', `no NATS server answers on ${o.host}:${o.port}, and nats-server is not installed (it is not on PATH), so none can be started`,
      'install nats-server (https://docs.nats.io/running-a-nats-service/introduction/installation, e.g. `apt install nats-server` or `brew install nats-server`) and run `stratus up` again, or point at a running server with --nats-host/--nats-port');
  }
  const store = join(o.home, 'nats');
  mkdirSync(store, { recursive: true, mode: 0o700 });
  const logFile = join(o.home, 'nats.log');
  const logFd = openSync(logFile, 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawn(binary, ['-js', '-a', o.host.replace(/^\[|\]$/g, ''), '-p', String(o.port), '-sd', store], { stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  let spawnError: Error | undefined;
  child.once('error', (e) => { spawnError = e; });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 15_000;
  while (!(await answers(o.host, o.port, 500))) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-10).join('\n') : '';
      throw new StratusError('HOST_UNREACHABLE', `the local nats-server (${binary}) did not start on ${o.host}:${o.port}${spawnError ? `: ${spawnError.message}` : ''}; last lines of ${logFile}:\n${tail}`,
        'check the log, or start NATS yourself and point at it with --nats-host/--nats-port');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  o.note?.(`started nats-server -js on ${o.host}:${o.port} (data in ${store}, log ${logFile}); it stops with this host`);
  let stopping: Promise<void> | undefined;
  return {
    started: true,
    url,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(force);
      })();
      return stopping;
    },
  };
}
