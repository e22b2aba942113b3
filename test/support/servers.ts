// Real redis-server / nats-server processes for tests, on free loopback ports. A server that
// cannot start rejects (the calling test then FAILS; tests never skip for a missing server).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A TCP port nothing listens on right now (the OS picks it, then we release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen({ host: '127.0.0.1', port: 0 }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Poll until `port` accepts connections, the process dies, or `timeoutMs` passes. */
async function waitForPort(port: number, child: ChildProcess, what: string, output: () => string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening on ${port}:\n${output()}`);
    }
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms:\n${output()}`);
}

function startProcess(cmd: string, args: string[]): { child: ChildProcess; output: () => string } {
  let out = '';
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-4000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (e) => { out += `\nspawn ${cmd} failed: ${e.message} (is it installed?)`; });
  return { child, output: () => out };
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
}

export interface RunningServer {
  port: number;
  url: string;
  /** Stop the process (SIGTERM, SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Start it again on the same port (after stop()). */
  restart(): Promise<void>;
  /** Freeze the process (SIGSTOP): it keeps its connections but answers nothing. */
  pause(): void;
  /** Let a paused process run again (SIGCONT). */
  resume(): void;
  /** Stop and remove its working directory. */
  dispose(): Promise<void>;
}

async function startServer(what: string, cmd: string, argsFor: (port: number, dir: string) => string[], scheme: string): Promise<RunningServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `stratus-${what}-`));
  let proc = startProcess(cmd, argsFor(port, dir));
  await waitForPort(port, proc.child, what, proc.output);
  const server: RunningServer = {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    stop: () => { proc.child.kill('SIGCONT'); return stopProcess(proc.child); },
    pause: () => { proc.child.kill('SIGSTOP'); },
    resume: () => { proc.child.kill('SIGCONT'); },
    async restart() {
      await stopProcess(proc.child);
      proc = startProcess(cmd, argsFor(port, dir));
      await waitForPort(port, proc.child, what, proc.output);
    },
    async dispose() {
      proc.child.kill('SIGCONT');
      await stopProcess(proc.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** redis-server with persistence off, bound to loopback on a free port. */
export function startRedis(): Promise<RunningServer> {
  return startServer('redis', 'redis-server',
    (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    'redis');
}

/** nats-server with JetStream, bound to loopback on a free port. */
export function startNats(): Promise<RunningServer> {
  return startServer('nats', 'nats-server',
    (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
    'nats');
}
