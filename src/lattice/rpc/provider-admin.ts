// A provider's `.health` and `.shutdown` subjects on the lattice (reference §5.2; WELD
// `rpc-rs/src/provider.rs` subscribe_health / subscribe_shutdown), answered for the providers
// running in this host.
import type { Msg } from '@nats-io/nats-core';
import { packr } from '../../codec/msgpack.js';
import type { ServingHost } from './server.js';
import { errorText } from '../../core/errors.js';

type Level = 'debug' | 'info' | 'warn' | 'error';

export interface AdminDeps {
  host: Pick<ServingHost, 'id' | 'providerHealth' | 'stopProvider'>;
  log(level: Level, text: string): void;
}

const SHUTTING_DOWN = new TextEncoder().encode('shutting down');

/** `.health`: msgpack HealthCheckResponse{healthy, message?}; the request body is ignored. */
export async function answerHealth(d: AdminDeps, msg: Msg, providerKey: string, linkName: string): Promise<void> {
  let body: { healthy: boolean; message?: string };
  try {
    const h = await d.host.providerHealth(providerKey, linkName);
    body = h
      ? { healthy: h.healthy, ...(h.message ? { message: h.message } : {}) }
      : { healthy: false, message: `provider ${providerKey} (link name '${linkName}') is not running on host ${d.host.id}` };
  } catch (e) {
    body = { healthy: false, message: errorText(e) };
  }
  if (msg.reply) msg.respond(packr.pack(body));
}

/**
 * `.shutdown`: JSON `{"host_id"}`, unsigned (as in wasmCloud). When it names this host, or no
 * host, the provider stops here and the reply is `shutting down`; a request for another host
 * (built-in providers have the same key on every host) is not answered here.
 */
export async function answerShutdown(d: AdminDeps, msg: Msg, providerKey: string, linkName: string): Promise<void> {
  let hostId = '';
  try {
    const body = msg.data.length === 0 ? {} : JSON.parse(new TextDecoder().decode(msg.data)) as unknown;
    if (typeof body === 'object' && body !== null && typeof (body as { host_id?: unknown }).host_id === 'string') hostId = (body as { host_id: string }).host_id;
  } catch {
    d.log('warn', `ignored a shutdown request for provider ${providerKey} (link name '${linkName}') whose body is not JSON {"host_id": "N..."}`);
    return;
  }
  if (hostId !== '' && hostId !== d.host.id) return;
  d.log('info', `provider ${providerKey} (link name '${linkName}') stops: shutdown requested on the lattice`);
  if (msg.reply) msg.respond(SHUTTING_DOWN);
  await d.host.stopProvider(providerKey, linkName);
}
