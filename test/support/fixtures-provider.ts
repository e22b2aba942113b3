// A small but real in-process capability provider for host tests: an in-memory KeyValue that
// implements KeyValue.Increment (msgpack {key, value} -> bare int, reference §2.4), records every
// invocation and link it sees, and can reject links whose values say so.
import { createKeyPair } from '../../src/claims/nkeys.js';
import { decode, encode } from '../../src/codec/msgpack.js';
import { LinkError } from '../../src/host/errors.js';
import type { CapabilityProvider, InvocationContext, LinkDefinition, ProviderHost } from '../../src/host/types.js';

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
    if (link.values.reject) throw new LinkError(`memory-kv refuses this link: ${link.values.reject}`, 'remove the reject value');
    this.linkPuts.push(link);
  }

  async deleteLink(link: LinkDefinition): Promise<void> {
    this.linkDeletes.push(link);
  }

  async handle(ctx: InvocationContext, operation: string, payload: Uint8Array): Promise<Uint8Array> {
    this.calls.push({ actorId: ctx.actorId, linkName: ctx.link.link_name, operation, payload: payload.slice() });
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
