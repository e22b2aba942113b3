// The errors a caller sees when a lattice call fails on the way: nobody serves the target, nobody
// answered in time, the answer was garbage, or the far side answered with an error. Pure.
import { notStartedError, StratusError } from '../../core/errors.js';
import type { WasmCloudEntity } from '../../core/wire.js';
import { ANTI_FORGERY } from './antiforgery.js';

function isProvider(t: WasmCloudEntity): boolean {
  return t.link_name !== '';
}

/** "actor M… (name)" or "provider V… (wasmcloud:keyvalue, link name 'default')". */
export function describeTarget(t: WasmCloudEntity, actorName?: string): string {
  if (isProvider(t)) return `provider ${t.public_key} (${t.contract_id ? `${t.contract_id}, ` : ''}link name '${t.link_name}')`;
  return `actor ${t.public_key}${actorName ? ` (${actorName})` : ''}`;
}

/**
 * NATS answered "no responders": no host of the lattice subscribes to the target's subject, i.e.
 * none runs it. Said at once (NATS knows), never after a timeout; the call certainly did not run.
 */
export function noResponders(t: WasmCloudEntity, prefix: string, subject: string, actorName?: string): StratusError {
  const what = describeTarget(t, actorName);
  if (isProvider(t)) {
    return notStartedError('PROVIDER_NOT_RUNNING', `Failed to perform RPC call: no host in lattice '${prefix}' runs ${what} (nothing subscribes to ${subject})`,
      `start it on a host of the lattice: \`stratus ctl start provider <name> --link-name ${t.link_name} -x ${prefix}\``);
  }
  return notStartedError('ACTOR_NOT_RUNNING', `Failed to perform RPC call: no host in lattice '${prefix}' runs ${what} (nothing subscribes to ${subject})`,
    `start it on a host of the lattice: \`stratus ctl start actor <module.wasm> -x ${prefix}\``);
}

/** No answer within the deadline: the target may have run (or may still be running). */
export function timedOut(t: WasmCloudEntity, prefix: string, timeoutMs: number, actorName?: string): StratusError {
  return new StratusError('TIMEOUT', `Failed to perform RPC call: request timeout: ${describeTarget(t, actorName)} in lattice '${prefix}' did not answer within ${timeoutMs} ms`,
    'the host serving it may be overloaded or gone; raise the timeout (WASMCLOUD_RPC_TIMEOUT_MS) if the call is slow by design');
}

/** The NATS connection failed the request (closed, draining, disconnected). */
export function transportFailed(t: WasmCloudEntity, prefix: string, e: unknown, actorName?: string): StratusError {
  const text = e instanceof Error ? e.message : String(e);
  return notStartedError('INTERNAL', `Failed to perform RPC call: could not send to ${describeTarget(t, actorName)} in lattice '${prefix}': ${text}`,
    'check the connection to NATS (the host reconnects by itself)');
}

/**
 * The far side's `InvocationResponse.error`, as it said it (an actor calling across hosts sees the
 * same text it would see from wasmCloud). Refusals before anything ran are marked notStarted.
 */
export function remoteError(text: string): StratusError {
  if (text.startsWith(ANTI_FORGERY)) return notStartedError('BAD_SIGNATURE', text);
  if (/^Invocation received for actor \S+ that is not running/.test(text) || text.startsWith('Failed to deserialize invocation')) {
    return notStartedError(text.startsWith('Failed') ? 'BAD_REQUEST' : 'ACTOR_NOT_RUNNING', text);
  }
  return new StratusError('GUEST_ERROR', text);
}
