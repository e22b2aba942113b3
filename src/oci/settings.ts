// Who we are to a registry and how we talk to it, from flags and the environment variables
// wasmCloud hosts read (so one shell setup serves `wash`, a wasmCloud host and Stratus):
//   WASMCLOUD_OCI_REGISTRY_USER / _PASSWORD  credentials; for WASMCLOUD_OCI_REGISTRY only, when that is set
//   WASMCLOUD_OCI_ALLOWED_INSECURE           comma-separated host:port list spoken to over plain HTTP
//   WASMCLOUD_OCI_ALLOW_LATEST               true: allow `latest` and untagged references
// Flags win over the environment. Pure: the environment is passed in.
import { StratusError } from '../core/errors.js';

export interface RegistryFlags {
  user?: string;
  password?: string;
  /** Plain HTTP to this registry (wash `--insecure`). */
  insecure?: boolean;
  allowLatest?: boolean;
}

export interface Credentials {
  user: string;
  password: string;
  /** Where they came from, for messages: `--user/--password` or the variable names. */
  source: string;
}

export interface RegistrySettings {
  scheme: 'http' | 'https';
  credentials?: Credentials;
  allowLatest: boolean;
}

type Env = Record<string, string | undefined>;

const TRUE = new Set(['true', 't', 'yes', 'y', 'on', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', 'off', '0', '']);

/** A boolean variable as clap reads one (wasmCloud's host parses its flags with clap). */
export function envFlag(env: Env, name: string): boolean {
  const v = env[name];
  if (v === undefined) return false;
  const t = v.trim().toLowerCase();
  if (TRUE.has(t)) return true;
  if (FALSE.has(t)) return false;
  throw new StratusError('BAD_REQUEST', `${name}="${v}" is not a boolean`, `set ${name}=true or ${name}=false`);
}

function sameRegistry(a: string, b: string): boolean {
  const norm = (s: string) => s.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
  return norm(a) === norm(b);
}

/** The registries listed in WASMCLOUD_OCI_ALLOWED_INSECURE. */
export function allowedInsecure(env: Env): string[] {
  return (env.WASMCLOUD_OCI_ALLOWED_INSECURE ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export function registrySettings(registry: string, flags: RegistryFlags, env: Env): RegistrySettings {
  const insecure = flags.insecure === true || allowedInsecure(env).some((r) => sameRegistry(r, registry));
  return {
    scheme: insecure ? 'http' : 'https',
    credentials: credentialsFor(registry, flags, env),
    allowLatest: flags.allowLatest === true || envFlag(env, 'WASMCLOUD_OCI_ALLOW_LATEST'),
  };
}

function credentialsFor(registry: string, flags: RegistryFlags, env: Env): Credentials | undefined {
  if (flags.user !== undefined || flags.password !== undefined) {
    if (!flags.user || flags.password === undefined) {
      throw new StratusError('BAD_REQUEST', flags.user ? '--user was given without --password' : '--password was given without --user',
        'give both, or neither for anonymous access (WASMCLOUD_OCI_REGISTRY_USER/PASSWORD are read when neither is given)');
    }
    return { user: flags.user, password: flags.password, source: '--user/--password' };
  }
  const user = env.WASMCLOUD_OCI_REGISTRY_USER;
  const password = env.WASMCLOUD_OCI_REGISTRY_PASSWORD;
  if (!user && !password) return undefined;
  const only = env.WASMCLOUD_OCI_REGISTRY;
  if (only && !sameRegistry(only, registry)) return undefined; // they belong to another registry
  if (!user || password === undefined) {
    throw new StratusError('BAD_REQUEST', `${user ? 'WASMCLOUD_OCI_REGISTRY_USER is set without WASMCLOUD_OCI_REGISTRY_PASSWORD' : 'WASMCLOUD_OCI_REGISTRY_PASSWORD is set without WASMCLOUD_OCI_REGISTRY_USER'}`,
      'set both, or unset both for anonymous access');
  }
  return { user, password, source: 'WASMCLOUD_OCI_REGISTRY_USER/PASSWORD' };
}
