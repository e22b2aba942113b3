// A small but real in-process capability provider for host tests: an in-memory KeyValue that
// implements KeyValue.Increment (msgpack {key, value} -> bare int, reference §2.4), records every
// invocation and link it sees, and can reject links whose values say so.
import { createKeyPair } from '../../src/claims/nkeys.js';
import { decode, encode } from '../../src/codec/msgpack.js';
import { LinkError } from '../../src/core/errors.js';
import type { CapabilityProvider, ProviderHost } from '../../src/host/provider-contract.js';
import type { Invocation, LinkDefinition } from '../../src/core/wire.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface SeenCall { actorId: string; linkName: string; operation: string; payload: Uint8Array }

export class MemoryKv implements CapabilityProvider {
  readonly id = createKeyPair('service').publicKey;
  readonly contractId: string;
  readonly name = 'memory-kv';
  readonly linkName: string;
  host: ProviderHost | undefined;
  readonly calls: SeenCall[] = [];
  readonly linkPuts: LinkDefinition[] = [];
  readonly linkDeletes: LinkDefinition[] = [];
  readonly counters = new Map<string, number>();
  shutdowns = 0;
  /** Accept links whose values say `reject` (a backend that came back). */
  acceptAll = false;
  /** Replace the reply of the next Increment (to test encodings the actor must accept). */
  nextReply: Uint8Array | undefined;

  constructor(opts: { contractId?: string; linkName?: string } = {}) {
    this.contractId = opts.contractId ?? 'wasmcloud:keyvalue';
    this.linkName = opts.linkName ?? 'default';
  }

  async start(host: ProviderHost): Promise<void> {
    this.host = host;
  }

  async putLink(link: LinkDefinition): Promise<void> {
    if (link.values.reject && !this.acceptAll) throw new LinkError(`memory-kv refuses this link: ${link.values.reject}`, 'remove the reject value');
    this.linkPuts.push(link);
  }

  async deleteLink(link: LinkDefinition): Promise<void> {
    this.linkDeletes.push(link);
  }

  async handle(inv: Invocation): Promise<Uint8Array> {
    const { operation, msg: payload } = inv;
    this.calls.push({ actorId: inv.origin.public_key, linkName: inv.target.link_name, operation, payload: payload.slice() });
    if (operation !== 'KeyValue.Increment') throw new Error(`memory-kv does not implement ${operation}`);
    const req = decode<{ key: string; value: number }>(payload);
    const next = (this.counters.get(req.key) ?? 0) + req.value;
    this.counters.set(req.key, next);
    const reply = this.nextReply;
    this.nextReply = undefined;
    return reply ?? encode(next);
  }

  async health(): Promise<{ healthy: boolean }> {
    return { healthy: true };
  }

  async shutdown(): Promise<void> {
    this.shutdowns++;
  }
}

const srcUrl = (p: string) => new URL(`../../src/${p}`, import.meta.url).href;

/** Imports for a child-process script: createProvider, HostScope, linkInvocation, encode, decode. */
export function providerScriptImports(): string {
  return `
    const { createProvider } = await import(${JSON.stringify(srcUrl('providers/registry.js'))});
    const { HostScope } = await import(${JSON.stringify(srcUrl('core/scope.js'))});
    const { linkInvocation } = await import(${JSON.stringify(srcUrl('core/wire.js'))});
    const { encode, decode } = await import('@msgpack/msgpack');`;
}

/**
 * The start of a child-process script (ESM, top-level await) that starts a keyvalue provider on
 * `dataDir` and links actor `actorId` to it with default values. Defines `p`, `link`, `encode`,
 * `decode` and `linkInvocation` for the rest of the script.
 */
export function lmdbProviderScript(dataDir: string, actorId: string): string {
  return `${providerScriptImports()}
    const p = createProvider('keyvalue');
    await p.start({ dataDir: ${JSON.stringify(dataDir)}, rpcTimeoutMs: 2000, scope: new HostScope(), log() {}, hostId: 'NTEST', async invoke() { throw new Error('no'); } });
    const link = { id: 'l', actor_id: ${JSON.stringify(actorId)}, provider_id: p.id, link_name: 'default', contract_id: 'wasmcloud:keyvalue', values: {} };
    await p.putLink(link);`;
}

export interface ScriptRun { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Runs a provider script (see providerScriptImports) in a separate Node process from the repo root
 *  (so its packages resolve); resolves when it exits, however it exits. */
export function runProviderScript(script: string): Promise<ScriptRun> {
  const cwd = fileURLToPath(new URL('../../..', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
