// Lattice mode of `stratus ctl` and `stratus app`: wash's connection flags (wash `src/ctl/mod.rs
// ConnectionOpts`: -r/--ctl-host, -p/--ctl-port, --ctl-jwt, --ctl-seed, --ctl-credsfile,
// -x/--lattice-prefix, -t/--timeout-ms, and the environment variables wash reads). Any of these
// flags, or WASMCLOUD_CTL_HOST / WASMCLOUD_LATTICE_PREFIX in the environment, selects lattice mode;
// without them the commands talk to the local host's socket as before. Pure.
import type { Command } from 'commander';
import { StratusError } from '../../core/errors.js';

export interface LatticeFlags {
  ctlHost?: string;
  ctlPort?: string;
  ctlJwt?: string;
  ctlSeed?: string;
  ctlCredsfile?: string;
  latticePrefix?: string;
  timeoutMs?: string;
}

export interface LatticeSettings {
  /** `nats://host:port`. */
  server: string;
  lattice: string;
  /** Request deadline and ping collection time (ms). */
  timeoutMs: number;
  /** Whether the user chose the timeout (commands that wait for events wait longer by default, as wash does). */
  timeoutGiven: boolean;
  /** Literal values or paths of files holding them. */
  jwt?: string;
  seed?: string;
  credsFile?: string;
}

/** The flags that select lattice mode, as commander names their values. */
const FLAG_KEYS: (keyof LatticeFlags)[] = ['ctlHost', 'ctlPort', 'ctlJwt', 'ctlSeed', 'ctlCredsfile', 'latticePrefix', 'timeoutMs'];
export const LATTICE_ENV = ['WASMCLOUD_CTL_HOST', 'WASMCLOUD_LATTICE_PREFIX'] as const;

/** Default request deadline (wash DEFAULT_NATS_TIMEOUT_MS). */
export const DEFAULT_TIMEOUT_MS = 2000;

export function isLatticeMode(flags: LatticeFlags, env: NodeJS.ProcessEnv): boolean {
  return FLAG_KEYS.some((k) => flags[k] !== undefined) || LATTICE_ENV.some((k) => (env[k] ?? '') !== '');
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < 1) throw new StratusError('BAD_REQUEST', `${what} must be a whole number ≥ 1, got "${v}"`);
  return n;
}

/** Connection settings from the flags, falling back to wash's environment variables and defaults. */
export function latticeSettings(flags: LatticeFlags, env: NodeJS.ProcessEnv): LatticeSettings {
  const host = flags.ctlHost ?? env.WASMCLOUD_CTL_HOST ?? '127.0.0.1';
  const portText = flags.ctlPort ?? env.WASMCLOUD_CTL_PORT;
  let server: string;
  if (/^[a-z]+:\/\//i.test(host)) {
    if (portText !== undefined) throw new StratusError('BAD_REQUEST', `--ctl-host ${host} is a URL; give the port in it, not with --ctl-port`);
    server = host;
  } else {
    const port = portText === undefined ? 4222 : positiveInt(portText, '--ctl-port');
    if (port > 65535) throw new StratusError('BAD_REQUEST', `--ctl-port must be at most 65535, got ${port}`);
    server = `nats://${host}:${port}`;
  }
  const lattice = flags.latticePrefix ?? env.WASMCLOUD_LATTICE_PREFIX ?? 'default';
  if (!/^[A-Za-z0-9_-]+$/.test(lattice)) {
    throw new StratusError('BAD_REQUEST', `--lattice-prefix "${lattice}" must be letters, digits, '-' or '_' (it is one token of a NATS subject)`);
  }
  const timeoutText = flags.timeoutMs ?? env.WASMCLOUD_CTL_TIMEOUT_MS;
  const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : positiveInt(timeoutText, '--timeout-ms');
  const jwt = flags.ctlJwt ?? env.WASMCLOUD_CTL_JWT;
  const seed = flags.ctlSeed ?? env.WASMCLOUD_CTL_SEED;
  const credsFile = flags.ctlCredsfile ?? env.WASH_CTL_CREDS;
  if (jwt && !seed) throw new StratusError('BAD_REQUEST', '--ctl-jwt needs --ctl-seed too (the JWT names the user, the seed signs for it)', 'or give both in one --ctl-credsfile');
  if (credsFile && (jwt || seed)) throw new StratusError('BAD_REQUEST', 'give either --ctl-credsfile or --ctl-seed/--ctl-jwt, not both');
  return { server, lattice, timeoutMs, timeoutGiven: timeoutText !== undefined, jwt, seed, credsFile };
}

/** Adds wash's connection flags to a command. */
export function addLatticeOptions(cmd: Command): Command {
  return cmd
    .option('-r, --ctl-host <host>', 'lattice mode: NATS host of the control interface (env WASMCLOUD_CTL_HOST; default 127.0.0.1)')
    .option('-p, --ctl-port <port>', 'lattice mode: NATS port (env WASMCLOUD_CTL_PORT; default 4222)')
    .option('--ctl-jwt <jwt-or-file>', 'lattice mode: user JWT for NATS, with --ctl-seed (env WASMCLOUD_CTL_JWT)')
    .option('--ctl-seed <seed-or-file>', 'lattice mode: user seed (SU...) for NATS (env WASMCLOUD_CTL_SEED)')
    .option('--ctl-credsfile <file>', 'lattice mode: NATS .creds file (env WASH_CTL_CREDS)')
    .option('-x, --lattice-prefix <prefix>', 'lattice mode: lattice prefix (env WASMCLOUD_LATTICE_PREFIX; default "default")')
    .option('-t, --timeout-ms <ms>', `lattice mode: how long to wait for answers (env WASMCLOUD_CTL_TIMEOUT_MS; default ${DEFAULT_TIMEOUT_MS})`);
}
