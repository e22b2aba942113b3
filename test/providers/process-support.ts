// Provider binaries for the provider-process tests: executable Node scripts built on the provider
// SDK (src/provider-sdk, compiled), packed into signed archives; and bad ones.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createKeyPair, type KeyPair } from '../../src/claims/nkeys.js';
import { createArchive } from '../../src/par/archive.js';
import { hostTarget } from '../../src/par/target.js';
import { after, before } from 'node:test';
import type { Host } from '../../src/host/host.js';
import { ArchiveProviderSource } from '../../src/providers/process/archive-source.js';
import { testHost, type LogLine } from '../support/fixtures.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { join as joinLattice, type Member } from '../lattice/rpc-support.js';

export const ECHO_CONTRACT = 'acme:echoer';
const sdk = pathToFileURL(resolve('dist/src/provider-sdk/index.js')).href;

/** An SDK provider: `Echo.Say` answers "echo: <payload>" with its pid; `Echo.Links` lists its linked actors. */
export const ECHO_PROVIDER = `#!/usr/bin/env node
import(${JSON.stringify(sdk)}).then(({ runProvider, defineProvider }) => {
  const linked = new Set();
  runProvider(defineProvider({
    name: 'echoer', contractId: ${JSON.stringify(ECHO_CONTRACT)},
    putLink: (l) => { linked.add(l.actor_id); },
    deleteLink: (l) => { linked.delete(l.actor_id); },
    operations: {
      'Echo.Say': (req) => new TextEncoder().encode('echo: ' + new TextDecoder().decode(req.payload) + ' from ' + process.pid),
      'Echo.Links': () => [...linked],
    },
  }));
  console.log('echoer ready');
});
`;

/** An SDK provider that prints its start configuration (HostData.config_json, as ProviderHost.config). */
export const CONFIG_PROVIDER = `#!/usr/bin/env node
import(${JSON.stringify(sdk)}).then(({ runProvider, defineProvider }) => {
  runProvider(defineProvider({
    name: 'configured', contractId: ${JSON.stringify(ECHO_CONTRACT)}, operations: {},
    start: (host) => { console.log('config_json=' + JSON.stringify(host.config ?? null)); },
  }));
});
`;

/** Exits at once, every time. */
export const CRASHING_PROVIDER = '#!/bin/sh\necho "crashing on purpose" >&2\nexit 3\n';

/** Runs but never subscribes to anything: never answers health checks. */
export const SILENT_PROVIDER = '#!/bin/sh\nread line\nexec sleep 600\n';

export interface Packed {
  path: string;
  service: KeyPair;
  issuer: KeyPair;
  dir: string;
}

/** A signed .par.gz holding `script` as this machine's binary. */
export function packProvider(script: string, name: string, o: { issuer?: KeyPair; dir?: string; capid?: string } = {}): Packed {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'stratus-par-'));
  const bin = join(dir, `${name}.bin`);
  writeFileSync(bin, script);
  chmodSync(bin, 0o755);
  const issuer = o.issuer ?? createKeyPair('account');
  const service = createKeyPair('service');
  const made = createArchive({
    name, capid: o.capid ?? ECHO_CONTRACT, vendor: 'acme', ver: '0.1.0', issuer: issuer.seed, subject: service.seed,
    binaries: new Map([[hostTarget(), new TextEncoder().encode(script)]]), compress: true,
  });
  const path = join(dir, `${name}.par.gz`);
  writeFileSync(path, made.bytes);
  return { path, service, issuer, dir };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const registry = pathToFileURL(resolve('dist/src/providers/registry.js')).href;

/** A built-in provider (src/providers/registry.ts), unchanged, run as a process by the SDK. */
export function builtinAsProcess(name: string): string {
  return `#!/usr/bin/env node
Promise.all([import(${JSON.stringify(sdk)}), import(${JSON.stringify(registry)})]).then(([{ runProvider }, { createProvider }]) => {
  runProvider(createProvider(${JSON.stringify(name)}, { linkName: 'default' }));
});
`;
}

/**
 * A test file's host, joined to a lattice on a nats-server of its own (started before the file's
 * tests, stopped after them: the hooks are registered here), and sources that start provider
 * processes from archives on that lattice.
 */
export function hostWithProcesses(): { host: Host; logs: LogLine[]; member(): Member; archives(o?: Omit<ConstructorParameters<typeof ArchiveProviderSource>[0], 'lattice'>): ArchiveProviderSource } {
  const { host, logs } = testHost();
  let nats: RunningServer | undefined;
  let joined: Member | undefined;
  before(async () => {
    nats = await startNats();
    joined = await joinLattice(host, nats.url);
  });
  after(async () => {
    await host.shutdown();
    await joined?.leave();
    await nats?.stop();
  });
  const member = () => joined!;
  return {
    host, logs, member,
    archives: (o = {}) => new ArchiveProviderSource({ ...o, lattice: () => ({ nc: member().nc, config: member().ctx.config, directory: member().ctx.directory }) }),
  };
}
