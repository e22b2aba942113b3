// Hot-path decoder for the payload of every Messaging.Publish: PubMessage {subject, replyTo?, body}
// with ASCII subjects and a bin body, keys in any order, as the actor SDKs write it. Anything else
// (str bodies, non-ASCII subjects, extra keys, truncated or hostile lengths) returns undefined
// and the provider hands the payload to the generated codec, with its error messages.
// Why it exists: an actor publishing in a loop makes one host call per message, and the generic
// decoder (an object per map, then the typed conversion) was the largest piece of the host call
// after the guest's own work; bench/providers (b) measures the publish path end to end.
import type { PubMessage } from '../../codec/interfaces/messaging.js';
import { fixstrKey, MsgpackCursor } from '../msgpack-cursor.js';

const SUBJECT = fixstrKey('subject');
const BODY = fixstrKey('body');
const REPLY_TO = fixstrKey('replyTo');

/** The str at the cursor if it spells `known` (no new string for a subject published to before), else undefined with the cursor unmoved.
 *  Bytes are compared with UTF-16 code units: equal lengths and equal units mean an ASCII match (a
 *  non-ASCII character takes more UTF-8 bytes than code units, and no byte >= 0x80 equals an ASCII unit). */
function knownStr(c: MsgpackCursor, known: string): string | undefined {
  const at = c.pos;
  const n = c.strLen();
  const b = c.b;
  if (n === known.length && c.pos + n <= b.length) {
    let i = 0;
    while (i < n && b[c.pos + i] === known.charCodeAt(i)) i++;
    if (i === n) { c.pos += n; return known; }
  }
  c.pos = at;
  return undefined;
}

/**
 * The PubMessage in `p`, its body a view of `p`; or undefined for any unusual form. `known`: a
 * subject seen before (the link's last one), returned as is when the payload spells it.
 */
export function fastPubMessage(p: Uint8Array, known?: string): PubMessage | undefined {
  const n = p[0]! - 0x80;
  if (n < 2 || n > 3) return undefined; // fixmap of 2 or 3 entries
  const c = new MsgpackCursor(p);
  c.pos = 1;
  let subject: string | undefined;
  let replyTo: string | undefined;
  let body: Uint8Array | undefined;
  let sawReply = false;
  for (let f = 0; f < n; f++) {
    if (subject === undefined && c.matches(SUBJECT)) {
      subject = (known !== undefined ? knownStr(c, known) : undefined) ?? c.ascii();
      if (subject === undefined) return undefined;
    } else if (body === undefined && c.matches(BODY)) {
      const len = c.binLen();
      if (len < 0 || c.pos + len > p.length) return undefined;
      body = p.subarray(c.pos, c.pos + len);
      c.pos += len;
    } else if (!sawReply && c.matches(REPLY_TO)) {
      sawReply = true;
      if (p[c.pos] === 0xc0) c.pos++; // nil: no reply subject
      else if ((replyTo = c.ascii()) === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  if (subject === undefined || body === undefined || c.pos !== p.length) return undefined;
  return replyTo === undefined ? { subject, body } : { subject, replyTo, body };
}

/**
 * The bytes a Publish payload for `subject` begins with when an actor publishes again to the subject
 * of its last publish, written as the AssemblyScript SDK writes it: a map of two, `subject`, the
 * subject as a minimal str, `body`; the bin follows. Comparing those bytes replaces decoding them
 * (fastPubMessage was the largest piece of the provider's own work per looped publish: 8.8 % of the
 * in-process CPU in `node --cpu-prof dist/bench/msgpub-cpu.js --actor-only`). Undefined for a
 * subject that is not ASCII or is longer than 255 bytes (those are decoded every time).
 */
export interface PublishPrefix { readonly subject: string; readonly bytes: Uint8Array }

export function publishPrefix(subject: string): PublishPrefix | undefined {
  const n = subject.length;
  if (n > 0xff) return undefined;
  const out: number[] = [0x82, ...SUBJECT, ...(n < 32 ? [0xa0 | n] : [0xd9, n])];
  for (let i = 0; i < n; i++) {
    const c = subject.charCodeAt(i);
    if (c >= 0x80) return undefined;
    out.push(c);
  }
  out.push(...BODY);
  return { subject, bytes: Uint8Array.from(out) };
}

/** The body of `p` when `p` is `prefix` followed by one bin and nothing after it; else undefined. */
export function bodyAfter(p: Uint8Array, prefix: Uint8Array): Uint8Array | undefined {
  const n = prefix.length;
  if (p.length <= n + 1) return undefined;
  for (let i = 0; i < n; i++) if (p[i] !== prefix[i]) return undefined;
  const t = p[n]!;
  let at: number;
  let len: number;
  if (t === 0xc4) { at = n + 2; len = p[n + 1]!; }
  else if (t === 0xc5) { at = n + 3; len = (p[n + 1]! << 8) | p[n + 2]!; }
  else if (t === 0xc6) { at = n + 5; len = ((p[n + 1]! << 24) >>> 0) + (p[n + 2]! << 16) + (p[n + 3]! << 8) + p[n + 4]!; }
  else return undefined;
  // bytes past the end read as undefined, and NaN equals nothing: a truncated header fails here too
  if (at + len !== p.length) return undefined;
  return p.subarray(at);
}
