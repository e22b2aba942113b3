// The CloudEvents 1.0 structured JSON envelope wasmCloud hosts publish (OTP HEAD `cloud_event.ex`:
// specversion, time, type `com.wasmcloud.lattice.<event>`, source = the host key, datacontenttype,
// id = UUIDv4, data). Pure but for the clock and the id, which callers may pass.
import { randomUUID } from 'node:crypto';

export const EVENT_TYPE_PREFIX = 'com.wasmcloud.lattice.';

export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  time: string;
  type: string;
  source: string;
  datacontenttype: 'application/json';
  data: T;
}

export function cloudEvent<T>(event: string, source: string, data: T, now = new Date(), id: string = randomUUID()): CloudEvent<T> {
  return { specversion: '1.0', id, time: now.toISOString(), type: `${EVENT_TYPE_PREFIX}${event}`, source, datacontenttype: 'application/json', data };
}

/** The event name of a wasmCloud lattice event type (`actor_started`), or undefined for other types. */
export function eventName(type: string): string | undefined {
  return type.startsWith(EVENT_TYPE_PREFIX) ? type.slice(EVENT_TYPE_PREFIX.length) : undefined;
}
