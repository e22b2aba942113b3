// `stratus up` runs a host (foreground or --detached); `stratus down` stops it.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addOutputOption, emit, EXIT, fail, outputFormat, type OutputFormat } from '../output.js';
import { StratusError } from '../../host/errors.js';
import { controlPaths } from '../../control/paths.js';
import { controlRequest, hostIsRunning } from '../../control/client.js';
import type { HostView } from '../../control/views.js';

interface UpOptions { detached?: boolean; manifest?: string; allowUnsigned?: boolean; trustedIssuer?: string[]; rpcTimeout?: string; output?: string; label?: string[]; logLevel?: string; isolation?: string }

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
type Level = (typeof LEVELS)[number];

function parseLevel(v: string | undefined): Level {
  const l = (v ?? 'info') as Level;
  if (!LEVELS.includes(l)) throw new StratusError('BAD_REQUEST', `--log-level must be one of ${LEVELS.join(', ')}, got "${v}"`);
  return l;
}

function parseIsolation(v: string | undefined): 'inline' | 'worker' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'inline' && v !== 'worker') throw new StratusError('BAD_REQUEST', `--isolation must be inline or worker, got "${v}"`);
  return v;
}

function parseTimeout(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new StratusError('BAD_REQUEST', `--rpc-timeout must be a whole number of milliseconds, got "${v}"`);
  return n;
}

function parseLabels(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i < 1) throw new StratusError('BAD_REQUEST', `--label must look like KEY=VALUE, got "${kv}"`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

function hostText(h: HostView): string {
  const lines = [`Stratus host ${h.id} (${h.friendly_name}) is up`, `  control socket: ${h.ctl_host}`, `  pid: ${h.pid}`];
  for (const e of h.http_endpoints) lines.push(`  http listener: ${e.url} -> actor ${e.actor_id}`);
  return lines.join('\n');
}

/** Account public keys for the issuer allow-list; a typo is a usage error, not a silent deny-all. */
function parseIssuers(keys: string[] | undefined): string[] | undefined {
  if (!keys || keys.length === 0) return undefined;
  for (const k of keys) {
    if (!/^A[A-Z2-7]{55}$/.test(k)) {
      throw new StratusError('BAD_REQUEST', `--trusted-issuer "${k}" is not an account public key`, 'account keys are 56 characters starting with A (see `stratus keys list` or `stratus claims inspect`)');
    }
  }
  return keys;
}

async function runForeground(o: UpOptions, format: OutputFormat): Promise<void> {
  const { runHost } = await import('../../control/daemon.js');
  const say = (t: string) => (format === 'json' ? process.stderr : process.stdout).write(t + '\n');
  const min = LEVELS.indexOf(parseLevel(o.logLevel));
  const running = await runHost({
    manifest: o.manifest, allowUnsigned: o.allowUnsigned, trustedIssuers: parseIssuers(o.trustedIssuer), rpcTimeoutMs: parseTimeout(o.rpcTimeout), labels: parseLabels(o.label),
    isolation: parseIsolation(o.isolation),
    note: say,
    log: (level, text) => {
      if (LEVELS.indexOf(level) >= min) process.stderr.write(`[${new Date().toISOString()}] ${level.padEnd(5)} ${text}\n`);
    },
  });
  emit(format, running.describe(), () => hostText(running.describe()) + '\n  press Ctrl-C to stop');
  const onSignal = (sig: string) => {
    say(`received ${sig}`);
    void running.stop();
  };
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  await running.stopped;
  say(`host ${running.hostId} stopped`);
  // Providers may leave handles (e.g. reconnect timers); the state is flushed, so leave now.
  process.exit(EXIT.OK);
}

async function runDetached(o: UpOptions, format: OutputFormat): Promise<void> {
  const paths = controlPaths();
  if (await hostIsRunning(paths.socket)) {
    throw new StratusError('BAD_REQUEST', `a Stratus host is already running on ${paths.socket}`, 'stop it with `stratus down`, or use another STRATUS_HOME');
  }
  parseTimeout(o.rpcTimeout);
  parseIsolation(o.isolation);
  parseLabels(o.label);
  parseLevel(o.logLevel);
  const args = [process.argv[1], 'up'];
  if (o.manifest) args.push('--manifest', o.manifest);
  if (o.allowUnsigned) args.push('--allow-unsigned');
  for (const k of parseIssuers(o.trustedIssuer) ?? []) args.push('--trusted-issuer', k);
  if (o.rpcTimeout) args.push('--rpc-timeout', o.rpcTimeout);
  if (o.isolation) args.push('--isolation', o.isolation);
  for (const l of o.label ?? []) args.push('--label', l);
  if (o.logLevel) args.push('--log-level', o.logLevel);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(paths.home, { recursive: true });
  const logFd = openSync(paths.logFile, 'a');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, STRATUS_HOME: paths.home } });
  closeSync(logFd);
  let exited: number | null | undefined;
  child.on('exit', (code) => { exited = code; });
  child.unref();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) break;
    try {
      const h = await controlRequest<HostView>('GET', '/v1/host', undefined, paths.socket, 2000);
      if (h.ready) {
        emit(format, h, () => hostText(h) + `\n  log: ${paths.logFile}\n  stop it with \`stratus down\``);
        return;
      }
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 150));
  }
  const tail = existsSync(paths.logFile) ? readFileSync(paths.logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new StratusError('INTERNAL', exited !== undefined
    ? `the background host exited (code ${exited}) before it was ready; last lines of ${paths.logFile}:\n${tail}`
    : `the background host did not become ready within 120 s; see ${paths.logFile}`);
}

/** Registers `up` and `down`. */
export function register(program: Command): void {
  const up = program.command('up')
    .description('run a Stratus host (foreground by default) with a local control socket')
    .option('-d, --detached', 'run in the background, logging to $STRATUS_HOME/host.log')
    .option('--manifest <file>', 'deploy this application manifest once the host is up')
    .option('--allow-unsigned', 'development switch: run actors that carry no claims')
    .option('--trusted-issuer <account-key...>', 'only run actors signed by these accounts (A...); default: any valid issuer')
    .option('--rpc-timeout <ms>', 'deadline for one invocation in milliseconds (default 2000)')
    .option('--isolation <lane>', 'where actors run: inline (host thread, default; fuel deadlines) or worker (one thread per instance)')
    .option('--label <KEY=VALUE...>', 'host label shown by `stratus ctl get hosts`')
    .option('--log-level <level>', 'least severe log level printed: debug, info, warn, error', 'info');
  addOutputOption(up).action(async (o: UpOptions) => {
    let format: OutputFormat = 'text';
    try {
      format = outputFormat(o);
      if (o.detached) await runDetached(o, format);
      else await runForeground(o, format);
    } catch (e) {
      const bad = e instanceof StratusError && e.code === 'BAD_REQUEST';
      fail(format, e, bad && /^--/.test(e.message) ? EXIT.USAGE : bad && /^manifest /.test(e.message) ? EXIT.INVALID : EXIT.FAILED);
      // A half-started host may hold handles; the error is reported, so leave.
      process.exit(process.exitCode ?? EXIT.FAILED);
    }
  });

  const down = program.command('down').description('stop the running Stratus host (providers stopped, state flushed)');
  addOutputOption(down).action(async (o: { output?: string }) => {
    let format: OutputFormat = 'text';
    try {
      format = outputFormat(o);
      const paths = controlPaths();
      const h = await controlRequest<HostView>('GET', '/v1/host', undefined, paths.socket, 5000);
      await controlRequest('POST', '/v1/stop', {}, paths.socket);
      const deadline = Date.now() + 30_000;
      while (existsSync(paths.socket) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (existsSync(paths.socket)) throw new StratusError('TIMEOUT', `host ${h.id} did not stop within 30 s (pid ${h.pid})`, `check ${paths.logFile}`);
      emit(format, { host_id: h.id, stopped: true }, () => `host ${h.id} stopped`);
    } catch (e) {
      fail(format, e);
    }
  });
}
