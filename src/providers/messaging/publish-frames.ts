// NATS PUB frames written straight into nats.js's outbound buffer, for the messaging provider's
// Messaging.Publish (a performance measure; bench/msgpub-cpu and bench/providers (b) measure it).
//
// Why: nc.publish builds each frame's head as a template string, `PUB ${subject} ${len}\r\n`, and
// encodes it with TextEncoder (Node 20: ~0.5 µs for a short string), checks the subject with a
// regular expression, allocates an options object, and queues head, body and CRLF as three buffers
// that a later pack() copies together. For an actor publishing in a loop that was about a fifth of
// the host's CPU per message (`node --cpu-prof dist/bench/msgpub-cpu.js --actor-only`: encode 12 %,
// encodeUtf8String 5.5 %, publish 5 %, pack 5 %). Here the head's `PUB <subject> ` bytes are
// encoded once per subject, and head, length, body and CRLF are written into one buffer cut from a
// slab, queued as one command. Measured in-process (`node dist/bench/msgpub-cpu.js`, CPU per looped
// message, builds alternated, load ~5): with the slab copy of host-call payloads (src/abi/guest.ts)
// 2.68–3.05 → 1.38–1.54 µs in three pairs, where the slab copy alone had given 2.74 → 2.20
// (bench/HISTORY.md, 2026-12-07 h-msgpub).
//
// What it relies on: nats-core 3.x's ProtocolHandler (`nc.protocol`): `sendCommand(bytes)` queues
// bytes on the connection's outbound buffer exactly as its own publish does (the same flush in a
// microtask, the same inline flush past pendingLimit, the same buffering while reconnecting), and
// the `outMsgs`/`outBytes` counters nc.stats() reports, kept here as publish keeps them. Where that
// shape is missing (another nats.js), framePublisher() returns undefined and the provider uses
// nc.publish; test/providers/messaging-frames.test.ts fails if the installed nats.js lacks it.
// What stays with nats.js: a closed or draining connection (nc.publish throws its own error), and
// anything but a plain publish (reply subjects, headers). Callers check the subject (checkSubject,
// stricter than nats.js's whitespace test) and the body against max_payload first.
import type { NatsConnection } from '@nats-io/nats-core';

/** The part of nats-core's ProtocolHandler this file uses. */
interface Protocol {
  sendCommand(cmd: Uint8Array): void;
  noMorePublishing: boolean;
  outMsgs: number;
  outBytes: number;
}

export interface FramePublisher {
  /** nc.publish(subject, body) without a reply subject or headers; `body` is copied before it returns. */
  publish(subject: string, body: Uint8Array): void;
}

const utf8 = new TextEncoder();
/** Frames are cut from slabs of this size; a frame over SLAB_MAX_FRAME gets its own buffer. The
 *  frames of one slab are held until nats.js has written them (the next microtask, or sooner). */
const SLAB_BYTES = 64 * 1024;
const SLAB_MAX_FRAME = 4 * 1024;
/** Subjects whose head bytes are kept per connection (actors choose subjects, so it is bounded). */
const HEAD_CACHE_LIMIT = 256;
const CR = 13;
const LF = 10;

/** The connection's nats-core protocol handler, if it has the shape this file relies on. */
function protocolOf(nc: NatsConnection): Protocol | undefined {
  const p = (nc as { protocol?: Partial<Protocol> }).protocol;
  if (!p || typeof p.sendCommand !== 'function' || typeof p.noMorePublishing !== 'boolean'
    || typeof p.outMsgs !== 'number' || typeof p.outBytes !== 'number') return undefined;
  return p as Protocol;
}

/** A publisher writing whole PUB frames for `nc`, or undefined when nats.js lacks what it needs. */
export function framePublisher(nc: NatsConnection): FramePublisher | undefined {
  const protocol = protocolOf(nc);
  if (!protocol) return undefined;
  const heads = new Map<string, Uint8Array>();
  let slab = new Uint8Array(0);
  let used = 0;

  /** `PUB <subject> ` as bytes. */
  let lastSubject = '';
  let lastHead: Uint8Array = new Uint8Array(0);
  const headOf = (subject: string): Uint8Array => {
    if (subject === lastSubject) return lastHead; // a loop publishes to one subject: no hashing
    let h = heads.get(subject);
    if (h === undefined) {
      if (heads.size >= HEAD_CACHE_LIMIT) heads.clear();
      h = utf8.encode(`PUB ${subject} `);
      heads.set(subject, h);
    }
    lastSubject = subject;
    lastHead = h;
    return h;
  };

  return {
    publish(subject: string, body: Uint8Array): void {
      // nats.js refuses these with its own errors (ClosedConnectionError, DrainingConnectionError)
      if (protocol.noMorePublishing || nc.isClosed()) { nc.publish(subject, body); return; }
      const head = headOf(subject);
      const len = body.length;
      let digits = 1;
      for (let n = len; n >= 10; n = (n / 10) | 0) digits++;
      const size = head.length + digits + 2 + len + 2;
      let frame: Uint8Array;
      if (size > SLAB_MAX_FRAME) {
        frame = new Uint8Array(size);
      } else {
        if (used + size > slab.length) { slab = new Uint8Array(SLAB_BYTES); used = 0; }
        frame = slab.subarray(used, used + size);
        used += size;
      }
      frame.set(head, 0);
      let at = head.length + digits;
      for (let n = len, i = at - 1; i >= head.length; i--, n = (n / 10) | 0) frame[i] = 48 + (n % 10);
      frame[at++] = CR; frame[at++] = LF;
      frame.set(body, at);
      at += len;
      frame[at++] = CR; frame[at] = LF;
      protocol.outBytes += len; // as ProtocolHandler.publish counts them (nc.stats())
      protocol.outMsgs++;
      protocol.sendCommand(frame);
    },
  };
}
