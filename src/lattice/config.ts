// Settings of a lattice member, read the way wasmCloud reads them: the host's environment variables
// (OTP `vhost/config_plan.ex`: WASMCLOUD_LATTICE_PREFIX, WASMCLOUD_RPC_HOST/PORT/SEED/JWT/TLS,
// WASMCLOUD_CTL_..., WASMCLOUD_CLUSTER_SEED/ISSUERS, WASMCLOUD_JS_DOMAIN, WASMCLOUD_RPC_TIMEOUT_MS;
// `HOST_<name>` labels from OTP `host.ex get_env_host_labels`) and `stratus up` flags named as
// `wash up` names them (wash `src/up/mod.rs`: --nats-host/--nats-port, -x/--lattice-prefix,
// --rpc-*, --ctl-*, --cluster-seed, --cluster-issuers, --host-seed, --js-domain, --allow-file-load,
// -l/--label). A flag beats its variable; a specific connection setting (--rpc-host) beats the
// general one (--nats-host), as in wash. Pure: no I/O, no process.env (callers pass them in).
//
// Seeds and JWTs are secrets: no error text here ever contains their value.
import { StratusError } from '../core/errors.js';
import { createKeyPair, decodePublicKey, decodeSeed, fromSeed, type KeyKind } from '../claims/nkeys.js';
import type { LatticeConfig, NatsAuth } from './types.js';

/** `stratus up` flags that concern the lattice (commander's camelCase names; all optional). */
export interface LatticeFlags {
  latticePrefix?: string;
  natsHost?: string;
  natsPort?: string;
  /** wash's --nats-connect-only: never start a local nats-server. */
  natsConnectOnly?: boolean;
  rpcHost?: string;
  rpcPort?: string;
  rpcSeed?: string;
  rpcJwt?: string;
  rpcCredsfile?: string;
  rpcTls?: boolean;
  ctlHost?: string;
  ctlPort?: string;
  ctlSeed?: string;
  ctlJwt?: string;
  ctlCredsfile?: string;
  ctlTls?: boolean;
  ctlTopicPrefix?: string;
  clusterSeed?: string;
  clusterIssuers?: string;
  hostSeed?: string;
  jsDomain?: string;
  policyTopic?: string;
  policyChangesTopic?: string;
  policyTimeoutMs?: string;
  /** `--allow-file-load [true|false]`: commander gives `true` for the bare flag. */
  allowFileLoad?: string | boolean;
  rpcTimeoutMs?: string;
  label?: string[];
  /** Replicas of the LATTICEDATA bucket (Stratus setting; wasmCloud always creates 1). */
  latticeReplicas?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** What `stratus up` runs with: standalone (no `lattice`) or as a lattice member. */
export interface HostSettings {
  /** Present when any lattice setting was given. */
  lattice?: LatticeConfig;
  /** `WASMCLOUD_HOST_SEED` / `--host-seed` (SN...): the host's key, in either mode. */
  hostSeed?: string;
  /** `WASMCLOUD_RPC_TIMEOUT_MS` / `--rpc-timeout-ms`, when given. */
  rpcTimeoutMs?: number;
  /** `HOST_<name>` variables (name lower-cased, as OTP does) and `--label`s; no built-ins. */
  labels: Record<string, string>;
  /**
   * Where NATS is expected when the user named no server (nothing in flags or variables): lattice
   * mode may start a local nats-server there. Undefined when a server was named, or with
   * `--nats-connect-only`.
   */
  localNats?: { host: string; port: number };
}

/** Where wasmCloud looks for NATS by default (OTP `config_plan.ex`: 127.0.0.1:4222). */
export const DEFAULT_NATS = { host: '127.0.0.1', port: 4222 } as const;

/**
 * `STRATUS_DEFAULT_NATS=host:port` moves that default (the lattice and the local nats-server
 * `stratus up` may start). Tests use it: the project machine runs its own server on 4222.
 */
export const DEFAULT_NATS_VARIABLE = 'STRATUS_DEFAULT_NATS';

function bad(message: string, hint?: string): StratusError {
  return new StratusError('BAD_REQUEST', message, hint);
}

/** The value of a setting: the flag when given, else the variable; with the name to blame. */
interface Source<T> { value: T; from: string }

function pick(flag: string | undefined, flagName: string, env: Env, variable: string): Source<string> | undefined {
  if (flag !== undefined) return { value: flag, from: flagName };
  const v = env[variable];
  if (v !== undefined && v !== '') return { value: v, from: variable };
  return undefined;
}

function pickBool(flag: boolean | string | undefined, flagName: string, env: Env, variable: string): Source<boolean> | undefined {
  if (flag !== undefined && flag !== false) return { value: parseBool(flag === true ? 'true' : flag, flagName), from: flagName };
  const v = env[variable];
  if (v !== undefined && v !== '') return { value: parseBool(v, variable), from: variable };
  return undefined;
}

const TRUE = ['true', 'yes', 'enabled', 'enable', 'on', '1'];
const FALSE = ['false', 'no', 'disabled', 'disable', 'off', '0'];

/** OTP's string_to_bool accepts TRUE/YES/ENABLED/ENABLE; anything unrecognised here is refused rather than read as false. */
export function parseBool(v: string, from: string): boolean {
  const s = v.trim().toLowerCase();
  if (TRUE.includes(s)) return true;
  if (FALSE.includes(s)) return false;
  throw bad(`${from} must be true or false, got "${v}"`, `use one of ${TRUE.join('/')} or ${FALSE.join('/')}`);
}

function parseInteger(s: Source<string>, min: number, max: number, what: string): number {
  const n = Number(s.value.trim());
  if (!/^\s*\d+\s*$/.test(s.value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw bad(`${s.from} must be ${what} (a whole number from ${min} to ${max}), got "${s.value}"`);
  }
  return n;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const IPV6 = /^\[?[0-9A-Fa-f:.]+\]?$/;

function parseHost(s: Source<string>): string {
  const v = s.value.trim();
  if (v.includes('://')) {
    throw bad(`${s.from} takes a host name or IP address, not a URL ("${v}")`, 'give the host alone and the port with the matching --*-port flag (e.g. --nats-host 10.0.0.5 --nats-port 4222)');
  }
  if (HOSTNAME.test(v)) return v;
  if (v.includes(':') && IPV6.test(v)) return v.startsWith('[') ? v : `[${v}]`;
  throw bad(`${s.from} is not a host name or IP address: "${v}"`);
}

function serverUrl(host: string, port: number): string {
  return `nats://${host}:${port}`;
}

/** A seed of the given kind; the error never repeats the seed. */
function parseSeed(s: Source<string>, kind: KeyKind): string {
  const v = s.value.trim();
  try {
    decodeSeed(v, kind);
  } catch {
    const letter = kind === 'user' ? 'SU' : kind === 'cluster' ? 'SC' : kind === 'server' ? 'SN' : 'S';
    throw bad(`${s.from} is not a valid ${kind} seed (an nkey seed of 58 characters starting with ${letter}); its value is not shown`,
      kind === 'user' ? 'use the seed of the NATS user the JWT was issued to (the second block of its .creds file)' : `generate one with \`stratus keys gen ${kind}\``);
  }
  return v;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

function connectionAuth(kind: 'rpc' | 'ctl', f: LatticeFlags, env: Env): NatsAuth | undefined {
  const up = kind.toUpperCase();
  const seed = pick(kind === 'rpc' ? f.rpcSeed : f.ctlSeed, `--${kind}-seed`, env, `WASMCLOUD_${up}_SEED`);
  const jwt = pick(kind === 'rpc' ? f.rpcJwt : f.ctlJwt, `--${kind}-jwt`, env, `WASMCLOUD_${up}_JWT`);
  const creds = pick(kind === 'rpc' ? f.rpcCredsfile : f.ctlCredsfile, `--${kind}-credsfile`, env, `WASMCLOUD_${up}_CREDSFILE`);
  if (creds && (seed || jwt)) {
    throw bad(`${creds.from} and ${(seed ?? jwt)!.from} both give ${kind.toUpperCase()} credentials`, 'use either a .creds file or a seed with its JWT');
  }
  if (creds) {
    if (creds.value.trim() === '') throw bad(`${creds.from} is empty`);
    return { credsFile: creds.value };
  }
  if (!seed && !jwt) return undefined;
  // wash: `requires = "rpc_jwt"` / `requires = "rpc_seed"`
  if (!seed) throw bad(`${jwt!.from} is given without a seed`, `give the user seed too (--${kind}-seed or WASMCLOUD_${up}_SEED)`);
  if (!jwt) throw bad(`${seed.from} is given without a JWT`, `give the user JWT too (--${kind}-jwt or WASMCLOUD_${up}_JWT)`);
  const token = jwt.value.trim();
  if (!JWT_SHAPE.test(token)) throw bad(`${jwt.from} is not a JWT (three base64url parts separated by dots); its value is not shown`);
  return { seed: parseSeed(seed, 'user'), jwt: token };
}

const PREFIX = /^[A-Za-z0-9_-]+$/;
const SUBJECT_PREFIX = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;

/** Labels from `HOST_<name>=value` variables (name lower-cased) and `--label KEY=VALUE` flags (flags win). */
export function hostLabels(env: Env, flags: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k.startsWith('HOST_') && k.length > 5 && v !== undefined) out[k.slice(5).toLowerCase()] = v;
  }
  for (const kv of flags ?? []) {
    const i = kv.indexOf('=');
    if (i < 1) throw bad(`--label must look like KEY=VALUE, got "${kv}"`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

/**
 * The labels every wasmCloud host adds (OTP NIF `detect_core_host_labels`, Rust std::env::consts
 * names), so auctions with constraints such as `hostcore.os=linux` match Stratus hosts too.
 */
export function builtinLabels(platform: string = process.platform, arch: string = process.arch): Record<string, string> {
  const os = platform === 'darwin' ? 'macos' : platform === 'win32' ? 'windows' : platform;
  const cpu: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ia32: 'x86', arm: 'arm', riscv64: 'riscv64', ppc64: 'powerpc64', s390x: 's390x' };
  return { 'hostcore.arch': cpu[arch] ?? arch, 'hostcore.os': os, 'hostcore.osfamily': platform === 'win32' ? 'windows' : 'unix' };
}

/** Settings whose presence means "join a lattice" (the others apply standalone too). */
const LATTICE_FLAGS: (keyof LatticeFlags)[] = [
  'latticePrefix', 'natsHost', 'natsPort', 'natsConnectOnly', 'rpcHost', 'rpcPort', 'rpcSeed', 'rpcJwt', 'rpcCredsfile', 'rpcTls',
  'ctlHost', 'ctlPort', 'ctlSeed', 'ctlJwt', 'ctlCredsfile', 'ctlTls', 'ctlTopicPrefix', 'clusterSeed', 'clusterIssuers', 'jsDomain',
  'allowFileLoad', 'latticeReplicas', 'policyTopic', 'policyChangesTopic', 'policyTimeoutMs',
];
const LATTICE_VARIABLES = [
  'WASMCLOUD_LATTICE_PREFIX', 'WASMCLOUD_NATS_HOST', 'WASMCLOUD_NATS_PORT',
  'WASMCLOUD_RPC_HOST', 'WASMCLOUD_RPC_PORT', 'WASMCLOUD_RPC_SEED', 'WASMCLOUD_RPC_JWT', 'WASMCLOUD_RPC_CREDSFILE', 'WASMCLOUD_RPC_TLS',
  'WASMCLOUD_CTL_HOST', 'WASMCLOUD_CTL_PORT', 'WASMCLOUD_CTL_SEED', 'WASMCLOUD_CTL_JWT', 'WASMCLOUD_CTL_CREDSFILE', 'WASMCLOUD_CTL_TLS',
  'WASMCLOUD_CTL_TOPIC_PREFIX', 'WASMCLOUD_CLUSTER_SEED', 'WASMCLOUD_CLUSTER_ISSUERS', 'WASMCLOUD_JS_DOMAIN', 'WASMCLOUD_ALLOW_FILE_LOAD',
  'STRATUS_LATTICE_REPLICAS', 'WASMCLOUD_POLICY_TOPIC', 'WASMCLOUD_POLICY_CHANGES_TOPIC', 'WASMCLOUD_POLICY_TIMEOUT_MS',
];

/** Whether the flags or variables ask for a lattice at all. */
export function wantsLattice(env: Env, flags: LatticeFlags): boolean {
  return LATTICE_FLAGS.some((k) => flags[k] !== undefined && flags[k] !== false) || LATTICE_VARIABLES.some((v) => env[v] !== undefined && env[v] !== '');
}

function defaultNats(env: Env): { host: string; port: number } {
  const v = env[DEFAULT_NATS_VARIABLE];
  if (v === undefined || v === '') return { ...DEFAULT_NATS };
  const i = v.lastIndexOf(':');
  if (i < 1) throw bad(`${DEFAULT_NATS_VARIABLE} must look like HOST:PORT, got "${v}"`);
  return {
    host: parseHost({ value: v.slice(0, i), from: DEFAULT_NATS_VARIABLE }),
    port: parseInteger({ value: v.slice(i + 1), from: DEFAULT_NATS_VARIABLE }, 1, 65535, 'a TCP port'),
  };
}

/**
 * Everything `stratus up` needs from flags and variables. Throws BAD_REQUEST (exit 2) for a bad
 * value, naming the flag or variable it came from. Generates the cluster seed when none is given
 * (OTP does: an ad-hoc cluster key per host).
 */
export function readHostSettings(env: Env, flags: LatticeFlags = {}): HostSettings {
  const hostSeed = pick(flags.hostSeed, '--host-seed', env, 'WASMCLOUD_HOST_SEED');
  const timeout = pick(flags.rpcTimeoutMs, '--rpc-timeout-ms', env, 'WASMCLOUD_RPC_TIMEOUT_MS');
  const settings: HostSettings = {
    labels: hostLabels(env, flags.label),
    ...(hostSeed ? { hostSeed: parseSeed(hostSeed, 'server') } : {}),
    ...(timeout ? { rpcTimeoutMs: parseInteger(timeout, 1, 3_600_000, 'a timeout in milliseconds') } : {}),
  };
  if (!wantsLattice(env, flags)) return settings;

  const prefixSrc = pick(flags.latticePrefix, '--lattice-prefix', env, 'WASMCLOUD_LATTICE_PREFIX');
  const prefix = prefixSrc?.value.trim() ?? 'default';
  if (!PREFIX.test(prefix)) {
    throw bad(`${prefixSrc!.from} "${prefix}" is not a valid lattice prefix`, 'use letters, digits, - and _ only (it names NATS subjects and the LATTICEDATA_<prefix> bucket)');
  }

  const fallback = defaultNats(env);
  const natsHost = pick(flags.natsHost, '--nats-host', env, 'WASMCLOUD_NATS_HOST');
  const natsPort = pick(flags.natsPort, '--nats-port', env, 'WASMCLOUD_NATS_PORT');
  const baseHost = natsHost ? parseHost(natsHost) : fallback.host;
  const basePort = natsPort ? parseInteger(natsPort, 1, 65535, 'a TCP port') : fallback.port;
  const endpoint = (kind: 'rpc' | 'ctl') => {
    const up = kind.toUpperCase();
    const h = pick(kind === 'rpc' ? flags.rpcHost : flags.ctlHost, `--${kind}-host`, env, `WASMCLOUD_${up}_HOST`);
    const p = pick(kind === 'rpc' ? flags.rpcPort : flags.ctlPort, `--${kind}-port`, env, `WASMCLOUD_${up}_PORT`);
    return {
      named: h !== undefined || p !== undefined,
      host: h ? parseHost(h) : baseHost,
      port: p ? parseInteger(p, 1, 65535, 'a TCP port') : basePort,
    };
  };
  const rpc = endpoint('rpc');
  const ctl = endpoint('ctl');
  const rpcTls = pickBool(flags.rpcTls, '--rpc-tls', env, 'WASMCLOUD_RPC_TLS')?.value ?? false;
  const ctlTls = pickBool(flags.ctlTls, '--ctl-tls', env, 'WASMCLOUD_CTL_TLS')?.value ?? false;

  const topic = pick(flags.ctlTopicPrefix, '--ctl-topic-prefix', env, 'WASMCLOUD_CTL_TOPIC_PREFIX');
  const ctlTopicPrefix = topic?.value.trim() ?? 'wasmbus.ctl';
  if (!SUBJECT_PREFIX.test(ctlTopicPrefix)) {
    throw bad(`${topic!.from} "${ctlTopicPrefix}" is not a NATS subject prefix`, 'use dot-separated tokens without spaces or wildcards, e.g. wasmbus.ctl');
  }

  const seedSrc = pick(flags.clusterSeed, '--cluster-seed', env, 'WASMCLOUD_CLUSTER_SEED');
  const clusterSeed = seedSrc ? parseSeed(seedSrc, 'cluster') : createKeyPair('cluster').seed;
  const clusterKey = fromSeed(clusterSeed, 'cluster').publicKey;
  const issuersSrc = pick(flags.clusterIssuers, '--cluster-issuers', env, 'WASMCLOUD_CLUSTER_ISSUERS');
  const issuers: string[] = [];
  for (const raw of (issuersSrc?.value ?? '').split(',')) {
    const k = raw.trim();
    if (k === '') continue;
    try {
      decodePublicKey(k, 'cluster');
    } catch {
      throw bad(`${issuersSrc!.from}: "${k}" is not a cluster public key`, 'list cluster public keys (56 characters starting with C), separated by commas');
    }
    if (!issuers.includes(k)) issuers.push(k);
  }
  // OTP always adds the host's own cluster key to the issuers it accepts
  if (!issuers.includes(clusterKey)) issuers.push(clusterKey);

  const domainSrc = pick(flags.jsDomain, '--js-domain', env, 'WASMCLOUD_JS_DOMAIN');
  const jsDomain = domainSrc?.value.trim();
  if (jsDomain !== undefined && !PREFIX.test(jsDomain)) {
    throw bad(`${domainSrc!.from} "${jsDomain}" is not a JetStream domain name`, 'use letters, digits, - and _ only');
  }
  const replicasSrc = pick(flags.latticeReplicas, '--lattice-replicas', env, 'STRATUS_LATTICE_REPLICAS');

  const lattice: LatticeConfig = {
    prefix,
    rpcServers: [serverUrl(rpc.host, rpc.port)],
    ctlServers: [serverUrl(ctl.host, ctl.port)],
    ctlTopicPrefix,
    clusterSeed,
    clusterIssuers: issuers,
    rpcTimeoutMs: settings.rpcTimeoutMs ?? 2000,
    allowFileLoad: pickBool(flags.allowFileLoad, '--allow-file-load', env, 'WASMCLOUD_ALLOW_FILE_LOAD')?.value ?? false,
    labels: { ...settings.labels, ...builtinLabels() },
    dataReplicas: replicasSrc ? parseInteger(replicasSrc, 1, 5, 'a replica count') : 1,
  };
  const rpcAuth = connectionAuth('rpc', flags, env);
  const ctlAuth = connectionAuth('ctl', flags, env);
  if (rpcAuth) lattice.rpcAuth = rpcAuth;
  if (ctlAuth) lattice.ctlAuth = ctlAuth;
  if (rpcTls) lattice.rpcTls = true;
  if (ctlTls) lattice.ctlTls = true;
  if (jsDomain !== undefined) lattice.jsDomain = jsDomain;
  const policyTopic = pick(flags.policyTopic, '--policy-topic', env, 'WASMCLOUD_POLICY_TOPIC')?.value.trim();
  if (policyTopic) {
    const changes = pick(flags.policyChangesTopic, '--policy-changes-topic', env, 'WASMCLOUD_POLICY_CHANGES_TOPIC')?.value.trim();
    const timeoutSrc = pick(flags.policyTimeoutMs, '--policy-timeout-ms', env, 'WASMCLOUD_POLICY_TIMEOUT_MS');
    lattice.policy = { topic: policyTopic, ...(changes ? { changesTopic: changes } : {}),
      timeoutMs: timeoutSrc ? parseInteger(timeoutSrc, 1, 600_000, 'a timeout in milliseconds') : lattice.rpcTimeoutMs };
  }
  settings.lattice = lattice;

  // Nothing named a server: `stratus up` may start one where the default points (as `wash up` does).
  const named = natsHost !== undefined || natsPort !== undefined || rpc.named || ctl.named;
  if (!named && !flags.natsConnectOnly) settings.localNats = fallback;
  return settings;
}

/** The settings as they may be printed or logged: seeds, JWTs and creds paths replaced. */
export function describeLattice(c: LatticeConfig): Record<string, unknown> {
  const auth = (a: NatsAuth | undefined) => (a ? (a.credsFile ? 'creds file' : 'seed + JWT') : 'anonymous');
  return {
    prefix: c.prefix,
    rpc: `${c.rpcServers.join(',')} (${auth(c.rpcAuth)}${c.rpcTls ? ', TLS' : ''})`,
    ctl: `${c.ctlServers.join(',')} (${auth(c.ctlAuth)}${c.ctlTls ? ', TLS' : ''})`,
    ctl_topic_prefix: c.ctlTopicPrefix,
    cluster_issuers: c.clusterIssuers,
    js_domain: c.jsDomain ?? null,
    rpc_timeout_ms: c.rpcTimeoutMs,
    allow_file_load: c.allowFileLoad,
    lattice_replicas: c.dataReplicas,
  };
}
