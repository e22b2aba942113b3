// Reading a control request's JSON body against a small schema: every message from the network is
// untrusted, so a body that is not UTF-8 JSON, has a field the command does not know, lacks a
// required one or has one of the wrong type is refused with a sentence naming the field, the
// expectation and what came. Pure.
import { Refusal } from './acks.js';

/** One field: whether it must be there, and how its value is checked and converted. */
export interface FieldSpec<T> {
  required: boolean;
  /** Throws a Refusal-worthy message (without the field name) for a bad value. */
  read(v: unknown): T;
}

type Out<S> = { [K in keyof S]: S[K] extends FieldSpec<infer T> ? (S[K] extends { required: true } ? T : T | undefined) : never };

/** Longest string accepted in any field (references, paths, values). */
export const MAX_STRING = 8192;
/** Most entries in a string map (annotations, constraints, link values). */
export const MAX_MAP_ENTRIES = 256;

function shown(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

class BadValue extends Error {}

function str(v: unknown, nonEmpty: boolean): string {
  if (typeof v !== 'string') throw new BadValue(`must be a string, got ${shown(v)}`);
  if (nonEmpty && v === '') throw new BadValue('must not be empty');
  if (v.length > MAX_STRING) throw new BadValue(`is longer than ${MAX_STRING} characters`);
  return v;
}

export const field = {
  string: <R extends boolean>(required: R, nonEmpty = required): FieldSpec<string> & { required: R } =>
    ({ required, read: (v) => str(v, nonEmpty) }),
  /** A public key of the given kind (prefix letter, 56 characters). */
  key: <R extends boolean>(required: R, prefix: 'M' | 'V' | 'N', what: string): FieldSpec<string> & { required: R } => ({
    required,
    read: (v) => {
      const s = str(v, true);
      if (!new RegExp(`^${prefix}[A-Z2-7]{55}$`).test(s)) throw new BadValue(`must be ${what} (56 characters starting with ${prefix}), got ${shown(v)}`);
      return s;
    },
  }),
  int: <R extends boolean>(required: R, min: number, max: number): FieldSpec<number> & { required: R } => ({
    required,
    read: (v) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new BadValue(`must be a whole number from ${min} to ${max}, got ${shown(v)}`);
      return v;
    },
  }),
  bool: <R extends boolean>(required: R): FieldSpec<boolean> & { required: R } => ({
    required,
    read: (v) => {
      if (typeof v !== 'boolean') throw new BadValue(`must be true or false, got ${shown(v)}`);
      return v;
    },
  }),
  /** A JSON object of string values (annotations, constraints, link values). */
  stringMap: <R extends boolean>(required: R): FieldSpec<Record<string, string>> & { required: R } => ({
    required,
    read: (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BadValue(`must be an object of strings, got ${shown(v)}`);
      const entries = Object.entries(v);
      if (entries.length > MAX_MAP_ENTRIES) throw new BadValue(`has more than ${MAX_MAP_ENTRIES} entries`);
      const out: Record<string, string> = {};
      for (const [k, val] of entries) {
        if (typeof val !== 'string') throw new BadValue(`must be an object of strings; "${k.slice(0, 60)}" is ${shown(val)}`);
        if (k.length > MAX_STRING || val.length > MAX_STRING) throw new BadValue(`has a key or value longer than ${MAX_STRING} characters`);
        // defineProperty: a key named __proto__ stays a plain key
        Object.defineProperty(out, k, { value: val, enumerable: true, writable: true, configurable: true });
      }
      return out;
    },
  }),
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as a JSON value, or a Refusal saying why it is not one. */
export function readJson(what: string, body: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new Refusal(`invalid ${what}: the body is not UTF-8 text`);
  }
  if (text.trim() === '') throw new Refusal(`invalid ${what}: the body is empty; a JSON object is expected`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Refusal(`invalid ${what}: the body is not valid JSON (${(e as Error).message})`);
  }
}

/**
 * Parse `body` as a JSON object with exactly the fields of `schema`. JSON `null` counts as absent
 * (older clients send `"annotations": null`). `example` is shown when the shape is wrong.
 */
export function parseBody<S extends Record<string, FieldSpec<unknown>>>(what: string, body: Uint8Array, schema: S, example: string): Out<S> {
  const value = readJson(what, body);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Refusal(`invalid ${what}: expected a JSON object like ${example}, got ${shown(value)}`);
  }
  const allowed = Object.keys(schema);
  const unknown = Object.keys(value).filter((k) => !Object.hasOwn(schema, k));
  if (unknown.length > 0) {
    throw new Refusal(`invalid ${what}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map((k) => `"${k.slice(0, 60)}"`).join(', ')} (allowed: ${allowed.join(', ')})`);
  }
  const out: Record<string, unknown> = {};
  for (const name of allowed) {
    const spec = schema[name]!;
    const v = Object.hasOwn(value, name) ? (value as Record<string, unknown>)[name] : undefined;
    if (v === undefined || v === null) {
      if (spec.required) throw new Refusal(`invalid ${what}: field "${name}" is required (e.g. ${example})`);
      continue;
    }
    try {
      out[name] = spec.read(v);
    } catch (e) {
      if (!(e instanceof BadValue)) throw e;
      throw new Refusal(`invalid ${what}: field "${name}" ${e.message}`);
    }
  }
  return out as Out<S>;
}
