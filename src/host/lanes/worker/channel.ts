// The shared-memory channel between the host (main thread) and one actor worker. Measured ~2.5x
// cheaper per round trip than MessagePort.postMessage on this machine (bench/invoke.ts): no
// structured clone, no event-loop wake-up on the worker side (it blocks in Atomics.wait), and the
// main thread learns about results with Atomics.waitAsync.
//
// Layout: 16 Int32 control words, then a data area. A message that does not fit the data area
// travels on a "bulk" MessagePort instead (read synchronously with receiveMessageOnPort), except a
// job (host → worker): that goes into the job area (below).
//
// The job area: a second SharedArrayBuffer, made by the host the first time a job does not fit the
// data area, announced to the worker once on the bulk port, and grown (replaced) only when a
// larger job comes. A megabyte request is then copied once, into pages that stay mapped, and the
// worker hands the guest a view of it: no structured clone (which copied it twice and left a fresh
// multi-megabyte buffer per call in the worker). Only jobs use it: the worker reads the view during
// the whole call, and the host writes the next job only after the worker answered, so nothing else
// may share the area (a host call or its reply travels the data area or the bulk port, as before).
//
// The result area: a shared buffer the host gives the worker before a job (announced on the bulk
// port, like the job area) when a large result is expected. A result that does not fit the data
// area but fits the result area is copied there, and the host lends it to the caller
// (../loan.ts): from then on neither side writes it; the worker gets another area for a
// later job. A result that fits neither travels the bulk port by transfer, as before.
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

export const CTL = {
  JOB: 0,     // main → worker: 1 = a job is ready
  SIGNAL: 1,  // worker → main: 1 = a result or a host call is ready
  REPLY: 2,   // main → worker: 1 = the host-call reply is ready
  KIND: 3,    // what the data area holds (KIND below)
  LEN0: 4,    // lengths of up to four parts
  LEN1: 5,
  LEN2: 6,
  LEN3: 7,
  BULK: 8,    // 1 = the parts travel on the bulk port
  LIMIT: 9,   // main → worker: the job's largest accepted response (bytes)
  AREA: 10,   // main → worker: 1 = a new job area waits on the bulk port (see writeJob)
  RESULT: 11, // main → worker: 1 = a result area waits on the bulk port (after any job area)
} as const;

/** CTL.BULK values: where the message's parts are. */
const IN_DATA = 0;
const IN_BULK = 1;
const IN_AREA = 2;
const IN_RESULT = 3;

export const KIND = {
  JOB: 0,
  HOST_CALL: 1,
  OK: 2,            // result / reply: success bytes
  ERROR: 3,         // reply: host-call error text
  GUEST_ERROR: 4,   // result kinds for failures
  TRAP: 5,
  MEMORY_LIMIT: 6,
  PROC_EXIT: 7,
} as const;

const HEADER = 64;
export const DEFAULT_DATA_BYTES = 256 * 1024;
/** The smallest job area; areas grow to the next power of two of the job that needs it. */
const MIN_AREA_BYTES = 1 << 20;

export function createChannelBuffer(dataBytes = DEFAULT_DATA_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER + dataBytes);
}

/** The byte parts that own their whole (unshared) ArrayBuffer: those can be transferred. */
function transferable(parts: readonly (string | Uint8Array)[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const p of parts) {
    if (typeof p === 'string' || !(p.buffer instanceof ArrayBuffer)) continue;
    if (p.byteOffset === 0 && p.byteLength === p.buffer.byteLength && !out.includes(p.buffer)) out.push(p.buffer);
  }
  return out;
}

/** A job or result area, as announced on the bulk port. */
interface Announced { job?: SharedArrayBuffer; result?: SharedArrayBuffer }

/** One side's view of the channel. */
export class Channel {
  readonly ctl: Int32Array;
  readonly data: Buffer;
  /** The job area (see the header), once a job needed it; both sides hold the same one. */
  private area: Buffer | undefined;
  /** The result area this side holds for the next result (host: given; worker: received). */
  private result: Buffer | undefined;

  constructor(sab: SharedArrayBuffer, private readonly bulk: MessagePort) {
    this.ctl = new Int32Array(sab, 0, 16);
    this.data = Buffer.from(sab, HEADER);
  }

  /**
   * Write a message of up to four parts (strings or bytes). `handOver`: the writer no longer needs
   * the byte parts, so a part that is a whole ArrayBuffer of its own travels the bulk port by
   * transfer instead of by copy (a megabyte response is then copied out of guest memory once,
   * not three times).
   */
  write(kind: number, parts: readonly (string | Uint8Array)[], handOver = false): void {
    const ctl = this.ctl;
    let size = 0;
    for (const p of parts) size += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
    ctl[CTL.KIND] = kind;
    if (size > this.data.length) {
      ctl[CTL.BULK] = IN_BULK;
      this.bulk.postMessage(parts, handOver ? transferable(parts) : undefined);
      return;
    }
    ctl[CTL.BULK] = IN_DATA;
    this.put(this.data, parts);
  }

  private put(to: Buffer, parts: readonly (string | Uint8Array)[]): void {
    let off = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const n = typeof p === 'string' ? to.write(p, off, 'utf8') : (to.set(p, off), p.length);
      this.ctl[CTL.LEN0 + i] = n;
      off += n;
    }
  }

  /**
   * Host side: write a job (operation, payload). One that does not fit the data area goes into the
   * job area, made or grown here; call only while the worker is idle (it reads the area until it
   * answers).
   */
  writeJob(operation: string, payload: Uint8Array): void {
    const ctl = this.ctl;
    const size = Buffer.byteLength(operation) + payload.length;
    ctl[CTL.KIND] = KIND.JOB;
    if (size <= this.data.length) {
      ctl[CTL.BULK] = IN_DATA;
      this.put(this.data, [operation, payload]);
      return;
    }
    if (!this.area || this.area.length < size) {
      let bytes = MIN_AREA_BYTES;
      while (bytes < size) bytes *= 2;
      const sab = new SharedArrayBuffer(bytes);
      this.area = Buffer.from(sab);
      this.bulk.postMessage({ job: sab } satisfies Announced); // shared, not copied
      ctl[CTL.AREA] = 1;
    }
    ctl[CTL.BULK] = IN_AREA;
    this.put(this.area, [operation, payload]);
  }

  /** Host side: the result area the worker holds now (undefined: none, or it was lent out). */
  get resultArea(): Buffer | undefined {
    return this.result;
  }

  /** Host side, before writeJob: give the worker `area` for its results (it replaces any other). */
  giveResultArea(area: Buffer): void {
    this.result = area;
    this.bulk.postMessage({ result: area.buffer as SharedArrayBuffer } satisfies Announced); // shared, not copied
    this.ctl[CTL.RESULT] = 1;
  }

  /**
   * Host side: read a successful result. One in the result area comes with that area, which the
   * host now lends out (the worker no longer holds it).
   */
  readResult(): { bytes: Uint8Array; area?: Buffer } {
    if (this.ctl[CTL.BULK] !== IN_RESULT) return { bytes: this.readBytes(1)[0]! };
    const area = this.result!;
    this.result = undefined;
    return { bytes: area.subarray(0, this.ctl[CTL.LEN0]!), area };
  }

  /**
   * Worker side: write a successful result, handing `data` over: into the result area when it is
   * too large for the data area and fits there, else as write() does.
   */
  writeResult(data: Uint8Array): void {
    const area = this.result;
    if (data.length <= this.data.length || area === undefined || data.length > area.length) {
      this.write(KIND.OK, [data], true);
      return;
    }
    area.set(data);
    this.result = undefined; // lent to the caller now: never written again from this side
    this.ctl[CTL.KIND] = KIND.OK;
    this.ctl[CTL.LEN0] = data.length;
    this.ctl[CTL.BULK] = IN_RESULT;
  }

  /** Worker side: take the areas the host announced for this job, in the order it posted them. */
  private takeAreas(): void {
    const ctl = this.ctl;
    for (let n = ctl[CTL.AREA]! + ctl[CTL.RESULT]!; n > 0; n--) {
      const m = receiveMessageOnPort(this.bulk)?.message as Announced | undefined;
      if (m?.job instanceof SharedArrayBuffer) this.area = Buffer.from(m.job);
      else if (m?.result instanceof SharedArrayBuffer) this.result = Buffer.from(m.result);
      else throw new Error('stratus channel: an announced job or result area is missing from the bulk port');
    }
    ctl[CTL.AREA] = 0;
    ctl[CTL.RESULT] = 0;
  }

  /**
   * Worker side: read a job. The payload of a job in the job area is a view of it, valid until the
   * worker answers the job (the host writes no other job before then).
   */
  readJob(): { operation: string; payload: Uint8Array } {
    const ctl = this.ctl;
    this.takeAreas();
    if (ctl[CTL.BULK] !== IN_AREA) {
      const { s, b } = this.readMixed(1);
      return { operation: s[0]!, payload: b };
    }
    const area = this.area;
    if (!area) throw new Error('stratus channel: a job is in the job area, but none was announced');
    const opLen = ctl[CTL.LEN0]!;
    const n = ctl[CTL.LEN1]!;
    return { operation: area.toString('utf8', 0, opLen), payload: area.subarray(opLen, opLen + n) };
  }

  /** Read the message's parts as bytes (copies out of shared memory). */
  readBytes(count: number): Uint8Array[] {
    if (this.ctl[CTL.BULK] === IN_BULK) {
      const m = receiveMessageOnPort(this.bulk);
      if (!m) throw new Error('stratus channel: bulk message missing');
      return (m.message as (string | Uint8Array)[]).map((p) => (typeof p === 'string' ? Buffer.from(p) : p));
    }
    const out: Uint8Array[] = [];
    let off = 0;
    for (let i = 0; i < count; i++) {
      const n = this.ctl[CTL.LEN0 + i]!;
      out.push(new Uint8Array(this.data.subarray(off, off + n)));
      off += n;
    }
    return out;
  }

  /** Read the message's parts as strings. */
  readStrings(count: number): string[] {
    if (this.ctl[CTL.BULK] === IN_BULK) return this.readBytes(count).map((b) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('utf8'));
    const out: string[] = [];
    let off = 0;
    for (let i = 0; i < count; i++) {
      const n = this.ctl[CTL.LEN0 + i]!;
      out.push(this.data.toString('utf8', off, off + n));
      off += n;
    }
    return out;
  }

  /** Mixed read: the first `strings` parts as text, then one part as bytes (never bulk-split). */
  readMixed(strings: number): { s: string[]; b: Uint8Array } {
    if (this.ctl[CTL.BULK] === IN_BULK) {
      const parts = this.readBytes(strings + 1);
      return { s: parts.slice(0, strings).map((p) => Buffer.from(p).toString('utf8')), b: parts[strings]! };
    }
    const s: string[] = [];
    let off = 0;
    for (let i = 0; i < strings; i++) {
      const n = this.ctl[CTL.LEN0 + i]!;
      s.push(this.data.toString('utf8', off, off + n));
      off += n;
    }
    const n = this.ctl[CTL.LEN0 + strings]!;
    return { s, b: new Uint8Array(this.data.subarray(off, off + n)) };
  }
}
