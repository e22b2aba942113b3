// W3C Trace Context (https://www.w3.org/TR/trace-context/) as an invocation carries it: the
// `traceparent` and `tracestate` fields of `Invocation.traceContext`, and the same two as headers
// of an HTTP request or a NATS message. Pure functions; a malformed header is never an error (the
// trace restarts, as the W3C rules say), so nothing from the network can fail a call here.

export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';
/** tracestate: at most 32 members and 512 characters (W3C §3.3.1.1). */
const MAX_TRACESTATE = 512;

/** Whether `s[from..to)` is lowercase hex (a loop: the regex it replaces cost 2× as much per request). */
function lowerHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** The parsed header, or undefined when it is not a valid traceparent. */
export function parseTraceparent(header: string | undefined): TraceParent | undefined {
  if (header === undefined || header.length < 55) return undefined;
  const h = header;
  if (h.charCodeAt(2) !== 45 || h.charCodeAt(35) !== 45 || h.charCodeAt(52) !== 45) return undefined; // '-'
  if (!lowerHex(h, 0, 2) || !lowerHex(h, 3, 35) || !lowerHex(h, 36, 52) || !lowerHex(h, 53, 55)) return undefined;
  const version = h.slice(0, 2);
  if (version === 'ff') return undefined;
  // version 00 is exactly 55 characters; a later version may append fields after a '-'
  if (h.length > 55 && (version === '00' || h.charCodeAt(55) !== 45)) return undefined;
  const traceId = h.slice(3, 35);
  const spanId = h.slice(36, 52);
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  const flags = h.charCodeAt(54); // the low bit of the flags byte is its last hex digit's
  return { traceId, spanId, sampled: ((flags <= 57 ? flags - 48 : flags - 87) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** The trace id of a trace context, when it has a valid traceparent. */
export function traceIdOf(traceContext: Record<string, string> | undefined): string | undefined {
  return parseTraceparent(traceContext?.traceparent)?.traceId;
}

function validTracestate(v: string | undefined): string | undefined {
  return v !== undefined && v.length > 0 && v.length <= MAX_TRACESTATE ? v : undefined;
}

/**
 * The trace context found in message headers (HTTP, NATS): `traceparent` and, with it,
 * `tracestate`. Undefined when there is no valid traceparent. For the lattice's RPC: call it with
 * the received message's header getter and put the result in `Invocation.traceContext`.
 */
export function traceContextFromHeaders(get: (name: string) => string | undefined): Record<string, string> | undefined {
  const traceparent = get('traceparent');
  if (parseTraceparent(traceparent) === undefined) return undefined;
  const tracestate = validTracestate(get('tracestate'));
  return tracestate ? { traceparent: traceparent!, tracestate } : { traceparent: traceparent! };
}

/**
 * Write an invocation's trace context as message headers: only the W3C fields, only when valid.
 * For the lattice's RPC: call it with `inv.traceContext` and the outgoing message's header setter.
 */
export function injectTraceHeaders(traceContext: Record<string, string> | undefined, set: (name: string, value: string) => void): void {
  const traceparent = traceContext?.traceparent;
  if (parseTraceparent(traceparent) === undefined) return;
  set('traceparent', traceparent!);
  const tracestate = validTracestate(traceContext!.tracestate);
  if (tracestate) set('tracestate', tracestate);
}
