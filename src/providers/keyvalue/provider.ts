// wasmcloud:keyvalue: each linked actor gets the backend and bucket its link values name.
import type { CapabilityProvider, ProviderHost, SyncInvocationHandler } from '../../host/provider-contract.js';
import type { Invocation } from '../../core/wire.js';
import type { LinkDefinition } from '../../core/wire.js';
import { StratusError } from '../../core/errors.js';
import { unknownKeys } from '../link-values.js';
import type { KvBackend } from './backend.js';
import { ENTRY_OPERATIONS, KEYVALUE_OPERATIONS } from './codec.js';
import { EntryBackend } from './entry-backend.js';
import { openBackend } from './open-backend.js';
import { formatSize, KNOWN_KEYS, parseKvSettings, sameKvSettings, type KvSettings } from './settings.js';
import { SerialQueue } from '../serial-queue.js';

export const KEYVALUE_CONTRACT = 'wasmcloud:keyvalue';

interface Bound { link: LinkDefinition; settings: KvSettings; backend: KvBackend }

function describeSettings(s: KvSettings): string {
  const bucket = s.bucket ? ` bucket "${s.bucket}"` : '';
  if (s.backend === 'redis') return `redis${s.rawKeys ? ' with raw keys' : bucket}`;
  if (s.backend === 'nats') return `nats ${s.nats!.servers.join(',')}${bucket}`;
  return `${s.backend}${bucket}, max_size=${formatSize(s.maxBytes!)}`;
}

export class KeyValueProvider implements CapabilityProvider, SyncInvocationHandler {
  readonly contractId = KEYVALUE_CONTRACT;
  readonly name = 'keyvalue';
  private host?: ProviderHost;
  private readonly bound = new Map<string, Bound>();
  /** Link changes apply one at a time (see SerialQueue). */
  private readonly links = new SerialQueue();

  constructor(readonly id: string, readonly linkName: string = 'default') {}

  async start(host: ProviderHost): Promise<void> {
    this.host = host;
  }

  putLink(link: LinkDefinition): Promise<void> {
    return this.links.run(async () => {
      const host = this.requireHost();
      const settings = parseKvSettings(link.values);
      const extra = unknownKeys(link.values, KNOWN_KEYS);
      if (extra.length > 0) host.log('warn', `keyvalue: ignoring unknown link value(s) ${extra.join(', ')} for actor ${link.actor_id}`);
      const existing = this.bound.get(link.actor_id);
      if (existing && sameKvSettings(existing.settings, settings)) { existing.link = link; return; }
      // Open the new backend first: a bad re-put leaves the old link working.
      // Half the RPC timeout: a hung backend then fails with its own error before the actor's call times out.
      const commandTimeoutMs = Math.max(100, Math.floor(host.rpcTimeoutMs / 2));
      const backend = await openBackend(settings, { dataDir: host.dataDir, commandTimeoutMs, scope: host.scope, log: (level, text) => host.log(level, text) });
      this.bound.set(link.actor_id, { link, settings, backend });
      if (existing) await existing.backend.close();
      host.log('info', `keyvalue: actor ${link.actor_id} uses ${describeSettings(settings)}`);
    });
  }

  deleteLink(link: LinkDefinition): Promise<void> {
    return this.links.run(async () => {
      const b = this.bound.get(link.actor_id);
      if (!b) return;
      this.bound.delete(link.actor_id);
      await b.backend.close();
    });
  }

  // Not async: the operation handlers already return promises, and every extra async layer is a
  // microtask on the host-call path.
  handle(inv: Invocation): Promise<Uint8Array> {
    const operation = inv.operation;
    const b = this.bound.get(inv.origin.public_key);
    if (!b) {
      return Promise.reject(new StratusError('MISSING_LINK', `actor ${inv.origin.public_key} has no wasmcloud:keyvalue link on link name "${this.linkName}" at this provider`,
        'put a link definition for the actor and wasmcloud:keyvalue first'));
    }
    const op = Object.hasOwn(KEYVALUE_OPERATIONS, operation) ? KEYVALUE_OPERATIONS[operation] : undefined;
    if (!op) {
      return Promise.reject(new StratusError('BAD_REQUEST', `wasmcloud:keyvalue has no operation "${operation}"`,
        `supported: ${Object.keys(KEYVALUE_OPERATIONS).join(', ')}`));
    }
    return op(b.backend, inv.msg);
  }

  /** Memory and lmdb run in-process and answer at once; Redis goes through handle(). */
  handleSync(inv: Invocation, durable: (commit: Promise<void>) => void): Uint8Array | undefined {
    const b = this.bound.get(inv.origin.public_key);
    // handle() gives the full error; NATS entries are remote and only answer asynchronously
    if (!b || !(b.backend instanceof EntryBackend) || b.settings.backend === 'nats') return undefined;
    const operation = inv.operation;
    const payload = inv.msg;
    const op = Object.hasOwn(ENTRY_OPERATIONS, operation) ? ENTRY_OPERATIONS[operation] : undefined;
    if (!op) return undefined;
    const store = b.backend.store;
    if (!op.write) return store.readSync((t) => op.run(t, payload, 0));
    const r = store.writeSync((t, now) => op.run(t, payload, now));
    if (r.durable) durable(r.durable);
    return r.value;
  }

  /** The backend serving an actor (tests, benchmarks). */
  backendFor(actorId: string): KvBackend | undefined {
    return this.bound.get(actorId)?.backend;
  }

  async health(): Promise<{ healthy: boolean; message?: string }> {
    const sick: string[] = [];
    for (const [actorId, b] of this.bound) {
      const h = await b.backend.health();
      if (!h.healthy) sick.push(`actor ${actorId}: ${h.message ?? 'unhealthy'}`);
    }
    return sick.length ? { healthy: false, message: sick.join('; ') } : { healthy: true, message: `${this.bound.size} link(s)` };
  }

  async shutdown(): Promise<void> {
    await this.links.run(async () => {
      const all = [...this.bound.values()];
      this.bound.clear();
      for (const b of all) await b.backend.close();
    });
  }

  private requireHost(): ProviderHost {
    if (!this.host) throw new StratusError('PROVIDER_NOT_RUNNING', 'keyvalue provider received a link before start()');
    return this.host;
  }

}
