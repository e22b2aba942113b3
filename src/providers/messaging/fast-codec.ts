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
