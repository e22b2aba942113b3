// The msgpack `Invocation` and `InvocationResponse` that cross hosts (reference §4.3; OTP NIF
// `inv.rs`, WELD `rpc-rs/src/wasmbus_core.rs`). Pure. Decoding uses the bounded decoder
// (src/codec/msgpack-decoder.ts) and accepts what other hosts send: `msg` as bin, as str (Elixir
// hosts pack binaries with Msgpax as str) or as an array of bytes (OTP's "actor not running" reply
// sends `msg: []`), never UTF-8-decoded; nil for optional text. Encoding always sends `msg` as bin.
import { packr } from '../../codec/msgpack.js';
import { decodeMsgpack } from '../../codec/msgpack-decoder.js';
import { CodecError } from '../../codec/codec-error.js';
import type { WasmCloudEntity } from '../../core/wire.js';
import { decodeInvocationFast, decodeResponseFast } from './wire-fast.js';

/** An Invocation as it travels: the host's `Invocation` plus what carries it across hosts. */
export interface WireInvocation {
  origin: WasmCloudEntity;
  target: WasmCloudEntity;
  operation: string;
  /** The payload; empty when it travels through the object store (content_length says its size). */
  msg: Uint8Array;
  id: string;
  /** The anti-forgery JWT (antiforgery.ts). */
  encoded_claims: string;
  host_id: string;
  /** The whole payload's length; larger than `msg.length` when chunked (reference §4.6). */
  content_length?: number;
  /** W3C trace context (wasmbus-rpc ≥ 0.8 sends it; OTP omits it). */
  traceContext?: Record<string, string>;
}

export interface WireResponse {
  /** The response payload ('' when there is an error, or when chunked). */
  msg: Uint8Array;
  invocation_id: string;
  /** Present ⇔ failure. */
  error?: string;
  content_length?: number;
  /** OTP hosts add the actor instance's id; providers do not. */
  instance_id?: string;
}

const MSG = new Set(['msg']);
const EMPTY = new Uint8Array(0);

function entityMap(e: WasmCloudEntity): Record<string, string> {
  // field order of the NIF's serializer (readers look fields up by name)
  return { public_key: e.public_key, contract_id: e.contract_id, link_name: e.link_name };
}

export function encodeInvocation(inv: WireInvocation): Uint8Array {
  const m: Record<string, unknown> = {
    origin: entityMap(inv.origin),
    target: entityMap(inv.target),
    operation: inv.operation,
    msg: inv.msg,
    id: inv.id,
    encoded_claims: inv.encoded_claims,
    host_id: inv.host_id,
  };
  if (inv.content_length !== undefined) m.content_length = inv.content_length;
  if (inv.traceContext && Object.keys(inv.traceContext).length > 0) m.traceContext = inv.traceContext;
  return packr.pack(m);
}

export function encodeResponse(r: WireResponse): Uint8Array {
  const m: Record<string, unknown> = { msg: r.msg, invocation_id: r.invocation_id };
  if (r.error !== undefined) m.error = r.error;
  if (r.content_length !== undefined) m.content_length = r.content_length;
  if (r.instance_id !== undefined) m.instance_id = r.instance_id;
  return packr.pack(m);
}

function kind(v: unknown): string {
  if (v === null) return 'nil';
  if (v instanceof Uint8Array) return 'bin';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'bigint') return 'an integer';
  return typeof v === 'number' ? (Number.isInteger(v) ? 'an integer' : 'a float') : `a ${typeof v}`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function bad(field: string, expected: string, v: unknown): CodecError {
  return new CodecError(`${field}: expected ${expected}, got ${kind(v)}`);
}

function text(m: Record<string, unknown>, key: string, where: string, optional = false): string {
  const v = m[key];
  if (typeof v === 'string') return v;
  if ((v === undefined || v === null) && optional) return '';
  if (v === undefined) throw new CodecError(`${where}: the required field '${key}' is missing`);
  throw bad(`${where}.${key}`, 'a string', v);
}

/** `msg`: bin or str (raw bytes either way), an array of bytes, or nil/absent (empty). */
function blob(v: unknown, field: string): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (v === undefined || v === null) return EMPTY;
  if (Array.isArray(v)) {
    const out = new Uint8Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const b = v[i];
      if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) {
        throw new CodecError(`${field}: an array payload must hold bytes (0-255); element ${i} is ${kind(b)}${typeof b === 'number' ? ` ${b}` : ''}`);
      }
      out[i] = b;
    }
    return out;
  }
  throw bad(field, 'bin, str or an array of bytes', v);
}

function length(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'bigint' && v >= 0n) {
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CodecError(`${field}: ${v} is not a plausible payload length`);
    return Number(v);
  }
  throw bad(field, 'a non-negative integer', v);
}

function entity(v: unknown, field: string): WasmCloudEntity {
  if (!isMap(v)) throw bad(field, 'a map {public_key, contract_id, link_name}', v);
  return {
    public_key: text(v, 'public_key', field),
    contract_id: text(v, 'contract_id', field, true),
    link_name: text(v, 'link_name', field, true),
  };
}

function traceContext(v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) throw bad('Invocation.traceContext', 'a map of strings', v);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw bad(`Invocation.traceContext.${k}`, 'a string', x);
    out[k] = x;
  }
  return out;
}

/** An Invocation from the network; throws a CodecError (BAD_REQUEST) that names what is wrong. */
export function decodeInvocation(bytes: Uint8Array): WireInvocation {
  return decodeInvocationFast(bytes) ?? decodeInvocationGeneric(bytes);
}

/** The bounded decoder's reading, which also words every error (wire-fast.ts reads the plain shapes). */
export function decodeInvocationGeneric(bytes: Uint8Array): WireInvocation {
  const m = decodeMsgpack(bytes, 'Invocation', { bytesFor: MSG });
  if (!isMap(m)) throw bad('Invocation', 'a map', m);
  const inv: WireInvocation = {
    origin: entity(m.origin, 'Invocation.origin'),
    target: entity(m.target, 'Invocation.target'),
    operation: text(m, 'operation', 'Invocation'),
    msg: blob(m.msg, 'Invocation.msg'),
    id: text(m, 'id', 'Invocation'),
    encoded_claims: text(m, 'encoded_claims', 'Invocation'),
    host_id: text(m, 'host_id', 'Invocation', true),
  };
  const cl = length(m.content_length, 'Invocation.content_length');
  if (cl !== undefined) inv.content_length = cl;
  const tc = traceContext(m.traceContext);
  if (tc) inv.traceContext = tc;
  return inv;
}

/** An InvocationResponse from the network; throws a CodecError that names what is wrong. */
export function decodeResponse(bytes: Uint8Array): WireResponse {
  return decodeResponseFast(bytes) ?? decodeResponseGeneric(bytes);
}

export function decodeResponseGeneric(bytes: Uint8Array): WireResponse {
  const m = decodeMsgpack(bytes, 'InvocationResponse', { bytesFor: MSG });
  if (!isMap(m)) throw bad('InvocationResponse', 'a map', m);
  const r: WireResponse = {
    msg: blob(m.msg, 'InvocationResponse.msg'),
    invocation_id: text(m, 'invocation_id', 'InvocationResponse', true),
  };
  if (m.error !== undefined && m.error !== null) r.error = text(m, 'error', 'InvocationResponse');
  const cl = length(m.content_length, 'InvocationResponse.content_length');
  if (cl !== undefined) r.content_length = cl;
  if (typeof m.instance_id === 'string') r.instance_id = m.instance_id;
  return r;
}
