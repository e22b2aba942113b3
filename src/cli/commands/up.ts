// `stratus up` runs a host (foreground or --detached); `stratus down` stops it.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { closeSync, existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addOutputOption, commandAction, emit, EXIT, fail, outputFormat, type OutputFormat } from '../output.js';
import { ensurePrivateHome, openPrivateLog } from '../private-home.js';
import { APP_MANIFEST, checkUserFile } from '../../core/user-files.js';
import { StratusError } from '../../core/errors.js';
import { controlPaths } from '../../control/paths.js';
import { controlRequest, hostIsRunning } from '../../control/client.js';
import type { HostView } from '../../host/views.js';
import { readHostSettings, type HostSettings, type LatticeFlags } from '../../lattice/config.js';
import { observeFlags, type ObserveFlags } from '../../observe/flags.js';
import { parseUiAddress } from '../../ui/address.js';
import { dashboardText, startDashboard, type DashboardInfo } from './ui.js';

interface UpOptions extends LatticeFlags, ObserveFlags { clean?: boolean; ui?: string | true; detached?: boolean; manifest?: string; allowUnsigned?: boolean; trustedIssuer?: string[]; rpcTimeout?: string; output?: string; isolation?: string }

/** Lattice flags that carry secrets: a detached host gets them in its environment, never on its command line (`ps` shows that). */
const SECRET_FLAGS: Partial<Record<keyof LatticeFlags, string>> = {
  rpcSeed: 'WASMCLOUD_RPC_SEED', rpcJwt: 'WASMCLOUD_RPC_JWT', ctlSeed: 'WASMCLOUD_CTL_SEED', ctlJwt: 'WASMCLOUD_CTL_JWT',
  clusterSeed: 'WASMCLOUD_CLUSTER_SEED', hostSeed: 'WASMCLOUD_HOST_SEED',
};

/** The other lattice flags, as `stratus up` takes them again in a detached host. */
const PLAIN_FLAGS: [keyof LatticeFlags, string][] = [
  ['latticePrefix', '--lattice-prefix'], ['natsHost', '--nats-host'], ['natsPort', '--nats-port'], ['natsConnectOnly', '--nats-connect-only'],
  ['rpcHost', '--rpc-host'], ['rpcPort', '--rpc-port'], ['rpcCredsfile', '--rpc-credsfile'], ['rpcTls', '--rpc-tls'],
  ['ctlHost', '--ctl-host'], ['ctlPort', '--ctl-port'], ['ctlCredsfile', '--ctl-credsfile'], ['ctlTls', '--ctl-tls'], ['ctlTopicPrefix', '--ctl-topic-prefix'],
  ['clusterIssuers', '--cluster-issuers'], ['jsDomain', '--js-domain'], ['allowFileLoad', '--allow-file-load'], ['rpcTimeoutMs', '--rpc-timeout-ms'],
  ['latticeReplicas', '--lattice-replicas'], ['policyTopic', '--policy-topic'], ['policyChangesTopic', '--policy-changes-topic'],
  ['policyTimeoutMs', '--policy-timeout-ms'],
];

/** Settings from the flags and the environment (`--rpc-timeout` counts as `--rpc-timeout-ms`). */
function hostSettings(o: UpOptions): HostSettings {
  const flags: LatticeFlags = { ...o };
  if (flags.rpcTimeoutMs === undefined && o.rpcTimeout !== undefined) flags.rpcTimeoutMs = o.rpcTimeout;
  return readHostSettings(process.env, flags);
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

function hostText(h: HostView): string {
  const lines = [`Stratus host ${h.id} (${h.friendly_name}) is up`, `  control socket: ${h.ctl_host}`, `  pid: ${h.pid}`];
  for (const e of h.http_endpoints) lines.push(`  http listener: ${e.url} -> actor ${e.actor_id}`);
  lines.push(...restoredText(h));
  return lines.join('\n');
}

/** What came back from the last run, by name, so nobody is surprised by a link "already running". */
export function restoredText(h: HostView): string[] {
  const r = h.restored;
  if (!r) return [];
  if (r.cleaned) return ['  started clean: the saved actors, providers and links were dropped'];
  const lines: string[] = [];
  const list = (names: string[]) => (names.length ? `: ${names.join(', ')}` : '');
  if (r.actors.length + r.providers.length + r.links > 0) {
    lines.push(`  restored from the last run (${r.from}):`,
      `    ${r.actors.length} actor(s)${list(r.actors)}`,
      `    ${r.providers.length} provider(s)${list(r.providers)}`,
      `    ${r.links} link(s)`);
  }
  for (const f of r.failed) lines.push(`  could not restore ${f}`);
  if (lines.length > 0) lines.push('  to start empty instead: `stratus down && stratus up --clean` (key-value data is kept)');
  return lines;
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
  const observe = observeFlags(o, process.env);
  const log = observe.logger.log;
  // with JSON logs, notes are log records too (a detached host's stdout is its log file)
  const say = observe.jsonLogs ? (t: string) => log('info', t) : (t: string) => (format === 'json' ? process.stderr : process.stdout).write(t + '\n');
  // Before anything opens files or sockets: HTTP connections are budgeted from this limit.
  const fd = (await import('../../control/fd-limit.js')).ensureFdLimit();
  if (fd.warning) log('warn', fd.warning);
  const settings = hostSettings(o);
  const running = await runHost({
    manifest: o.manifest, allowUnsigned: o.allowUnsigned, clean: o.clean, trustedIssuers: parseIssuers(o.trustedIssuer),
    rpcTimeoutMs: parseTimeout(o.rpcTimeout) ?? settings.rpcTimeoutMs, labels: settings.labels,
    isolation: parseIsolation(o.isolation),
    ...(settings.hostSeed ? { hostSeed: settings.hostSeed } : {}),
    ...(settings.lattice ? { lattice: settings.lattice } : {}),
    ...(settings.localNats ? { localNats: settings.localNats } : {}),
    note: say,
    log,
    logger: observe.logger,
    metrics: observe.metrics,
    ...(o.ui !== undefined ? { ui: parseUiAddress(o.ui) } : {}),
    dashboard: startDashboard,
  });
  // a detached host's stdout is its log file: the token is printed by the parent instead
  const ui = o.ui !== undefined && !process.env.STRATUS_DETACHED_CHILD ? await running.openDashboard() : undefined;
  // a detached host tells the waiting `up --detached` it is ready, then lets go of the channel
  if (process.env.STRATUS_DETACHED_CHILD && process.send && process.connected) {
    process.send('ready', () => { if (process.connected) process.disconnect(); });
  }
  emit(format, { ...running.describe(), ...(ui ? { dashboard: ui } : {}) },
    () => hostText(running.describe()) + (ui ? `\n${dashboardText(ui)}` : '') + '\n  press Ctrl-C to stop');
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
  if (o.ui !== undefined) parseUiAddress(o.ui);
  hostSettings(o); // a bad lattice setting is reported here, not in the background host's log
  observeFlags(o, process.env); // bad flags or OTEL_* values are reported here, not in the log file
  const args = [process.argv[1], 'up'];
  if (o.manifest) args.push('--manifest', o.manifest);
  if (o.allowUnsigned) args.push('--allow-unsigned');
  if (o.clean) args.push('--clean');
  for (const k of parseIssuers(o.trustedIssuer) ?? []) args.push('--trusted-issuer', k);
  if (o.rpcTimeout) args.push('--rpc-timeout', o.rpcTimeout);
  if (o.isolation) args.push('--isolation', o.isolation);
  for (const l of o.label ?? []) args.push('--label', l);
  if (o.logLevel) args.push('--log-level', o.logLevel);
  // the log file is JSON lines unless asked otherwise: `stratus logs` reads them back with names
  args.push('--log-format', o.logFormat ?? 'json');
  if (o.metrics !== undefined) args.push(o.metrics === true ? '--metrics' : `--metrics=${o.metrics}`);
  if (o.ui !== undefined) args.push(o.ui === true ? '--ui' : `--ui=${o.ui}`);
  const env: NodeJS.ProcessEnv = { ...process.env, STRATUS_HOME: paths.home, STRATUS_DETACHED_CHILD: '1' };
  for (const [key, flag] of PLAIN_FLAGS) {
    const v = o[key];
    if (v === undefined || v === false) continue;
    if (v === true) args.push(flag);
    else args.push(flag, String(v));
  }
  for (const [key, variable] of Object.entries(SECRET_FLAGS) as [keyof LatticeFlags, string][]) {
    const v = o[key];
    if (typeof v === 'string') env[variable] = v;
  }
  ensurePrivateHome(paths.home);
  const logFd = openPrivateLog(paths.logFile);
  // The IPC channel carries one message, 'ready', sent by the host once it is up (runForeground):
  // the wait below wakes on it instead of at the next 150 ms poll (docs/coldstart.md).
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', logFd, logFd, 'ipc'], env });
  closeSync(logFd);
  let exited: number | null | undefined;
  let woken = false; // a wake-up that came while a request was in flight is not lost
  let wake: () => void = () => { woken = true; };
  child.on('exit', (code) => { exited = code; wake(); });
  child.on('message', (m) => { if (m === 'ready') wake(); });
  child.unref();
  try {
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (exited !== undefined) break;
      try {
        const h = await controlRequest<HostView>('GET', '/v1/host', undefined, paths.socket, 2000);
        if (h.ready) {
          const ui = o.ui !== undefined ? await controlRequest<DashboardInfo>('POST', '/v1/ui', {}, paths.socket) : undefined;
          emit(format, { ...h, ...(ui ? { dashboard: ui } : {}) },
            () => hostText(h) + (ui ? `\n${dashboardText(ui)}` : '') + `\n  log: ${paths.logFile}\n  stop it with \`stratus down\``);
          return;
        }
      } catch { /* not up yet */ }
      // still polled: a host that cannot signal (its channel closed early) is found all the same
      if (woken) { woken = false; continue; }
      await new Promise<void>((r) => {
        const t = setTimeout(() => { wake = () => { woken = true; }; r(); }, 150);
        wake = () => { clearTimeout(t); wake = () => { woken = true; }; r(); };
      });
    }
  } finally {
    // the channel would keep this process alive; the host keeps running on its own
    if (child.connected) child.disconnect();
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
    .option('--clean', 'start empty: drop the actors, providers and links saved by the last run instead of restoring them (key-value data and the host id stay)')
    .option('--allow-unsigned', 'development switch: run actors that carry no claims')
    .option('--trusted-issuer <account-key...>', 'only run actors signed by these accounts (A...); default: any valid issuer')
    .option('--rpc-timeout <ms>', 'deadline for one invocation in milliseconds (default 2000)')
    .option('--isolation <lane>', 'where actors run: inline (host thread, default; fuel deadlines) or worker (one thread per instance)')
    .option('-l, --label <KEY=VALUE...>', 'host label shown by `stratus ctl get hosts` (also HOST_<name>=value variables)')
    .option('--log-level <level>', 'least severe log level printed: trace, debug, info, warn, error', 'info')
    .option('--log-format <format>', 'text (readable; default in the foreground) or json (one object per line; default for --detached)')
    .option('--ui [address]', 'serve the dashboard (and /metrics) at http://ADDRESS/: a port (on 127.0.0.1), HOST:PORT, or nothing for 127.0.0.1:3030; prints its token')
    .option('--metrics [address]', 'serve Prometheus metrics at http://ADDRESS/metrics: a port (on 127.0.0.1), HOST:PORT, or nothing for 127.0.0.1:9464')
    // Lattice (wasmCloud over NATS): any of these joins one; named as `wash up` names them, each also read from its WASMCLOUD_* variable
    .option('-x, --lattice-prefix <prefix>', 'join this lattice (WASMCLOUD_LATTICE_PREFIX; default "default" once any lattice setting is given)')
    .option('--nats-host <host>', 'NATS server for RPC and control (WASMCLOUD_NATS_HOST; default 127.0.0.1)')
    .option('--nats-port <port>', 'NATS port (WASMCLOUD_NATS_PORT; default 4222)')
    .option('--nats-connect-only', 'never start a local nats-server when none answers')
    .option('--rpc-host <host>', 'NATS host for RPC, default --nats-host (WASMCLOUD_RPC_HOST)')
    .option('--rpc-port <port>', 'NATS port for RPC (WASMCLOUD_RPC_PORT)')
    .option('--rpc-seed <seed>', 'user seed for the RPC connection, with --rpc-jwt (WASMCLOUD_RPC_SEED)')
    .option('--rpc-jwt <jwt>', 'user JWT for the RPC connection (WASMCLOUD_RPC_JWT)')
    .option('--rpc-credsfile <file>', '.creds file for the RPC connection (WASMCLOUD_RPC_CREDSFILE)')
    .option('--rpc-tls', 'RPC connection over TLS (WASMCLOUD_RPC_TLS)')
    .option('--rpc-timeout-ms <ms>', 'wasmCloud\'s name for --rpc-timeout (WASMCLOUD_RPC_TIMEOUT_MS)')
    .option('--ctl-host <host>', 'NATS host for the control interface, default --nats-host (WASMCLOUD_CTL_HOST)')
    .option('--ctl-port <port>', 'NATS port for the control interface (WASMCLOUD_CTL_PORT)')
    .option('--ctl-seed <seed>', 'user seed for the control connection, with --ctl-jwt (WASMCLOUD_CTL_SEED)')
    .option('--ctl-jwt <jwt>', 'user JWT for the control connection (WASMCLOUD_CTL_JWT)')
    .option('--ctl-credsfile <file>', '.creds file for the control connection (WASMCLOUD_CTL_CREDSFILE)')
    .option('--ctl-tls', 'control connection over TLS (WASMCLOUD_CTL_TLS)')
    .option('--ctl-topic-prefix <prefix>', 'control subject prefix (WASMCLOUD_CTL_TOPIC_PREFIX; default wasmbus.ctl)')
    .option('--cluster-seed <seed>', 'cluster seed (SC...) that signs this host\'s invocations (WASMCLOUD_CLUSTER_SEED; default: a new one)')
    .option('--cluster-issuers <keys>', 'comma-separated cluster keys (C...) whose invocations are accepted (WASMCLOUD_CLUSTER_ISSUERS)')
    .option('--host-seed <seed>', 'server seed (SN...) for this host\'s id (WASMCLOUD_HOST_SEED)')
    .option('--js-domain <domain>', 'JetStream domain (WASMCLOUD_JS_DOMAIN)')
    .option('--policy-topic <subject>', 'ask the policy service on this subject before starts and inbound invocations (WASMCLOUD_POLICY_TOPIC)')
    .option('--policy-changes-topic <subject>', 'decisions pushed by the policy service (WASMCLOUD_POLICY_CHANGES_TOPIC)')
    .option('--policy-timeout-ms <ms>', 'how long to wait for the policy service; no answer denies (WASMCLOUD_POLICY_TIMEOUT_MS, default the RPC timeout)')
    .option('--allow-file-load [bool]', 'let control commands start actors from file:// references (WASMCLOUD_ALLOW_FILE_LOAD; default false)')
    .option('--lattice-replicas <n>', 'replicas of a new LATTICEDATA bucket, 1-5 (STRATUS_LATTICE_REPLICAS; default 1)');
  addOutputOption(up).action(async (o: UpOptions) => {
    let format: OutputFormat = 'text';
    try {
      format = outputFormat(o);
      // A wrong --manifest path is reported before a host starts (the host reads the file itself).
      if (o.manifest) await checkUserFile(resolve(o.manifest), APP_MANIFEST);
      if (o.detached) await runDetached(o, format);
      else {
        ensurePrivateHome(controlPaths().home);
        await runForeground(o, format);
      }
    } catch (e) {
      fail(format, e);
      // A half-started host may hold handles; the error is reported, so leave.
      process.exit(process.exitCode ?? EXIT.FAILED);
    }
  });

  const down = program.command('down').description('stop the running Stratus host (providers stopped, state flushed)');
  addOutputOption(down).action(commandAction(async (format) => {
    const paths = controlPaths();
    const h = await controlRequest<HostView>('GET', '/v1/host', undefined, paths.socket, 5000);
    await controlRequest('POST', '/v1/stop', {}, paths.socket);
    const deadline = Date.now() + 30_000;
    while (existsSync(paths.socket) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (existsSync(paths.socket)) throw new StratusError('TIMEOUT', `host ${h.id} did not stop within 30 s (pid ${h.pid})`, `check ${paths.logFile}`);
    emit(format, { host_id: h.id, stopped: true }, () => `host ${h.id} stopped`);
  }));
}
