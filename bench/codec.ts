// The measurements behind the hand-written codec paths: each fast path against the generated codec
// it falls back to (src/codec/interfaces/), on the payloads of the HTTP kvcounter path, and the
// bounded msgpack decoder against msgpackr's unpack on the same bytes. Pairs run in interleaved
// rounds (order alternating) so machine drift hits both; prints the medians and their ratio.
// Batches are timed in process CPU time, not wall time: on a shared machine a descheduled batch
// would otherwise count the other processes' time.
//   node dist/bench/codec.js [--rounds 21] [--ms 40]
import { Packr } from 'msgpackr';
import { HttpServerCodec } from '../src/codec/interfaces/httpserver.js';
import { KeyValueCodec } from '../src/codec/interfaces/keyvalue.js';
import { decodeMsgpack } from '../src/codec/msgpack-decoder.js';
import { fastDecodeHttpResponse } from '../src/providers/httpserver/response-decoder.js';
import { decodeHttpResponseGeneral } from '../src/providers/httpserver/codec.js';
import { encodeRawHttpRequest } from '../src/providers/httpserver/request-encoder.js';
import { fastIncrementRequest, packInt } from '../src/providers/keyvalue/fast-codec.js';
import { median, numberArg } from './stats.js';

const ROUNDS = numberArg('rounds', 21);
const MS = numberArg('ms', 40);
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

let sink = 0;
const use = (v: unknown) => { sink = (sink + (v === undefined ? 0 : 1)) | 0; };

/** Calls per batch so one batch takes about MS milliseconds. */
const cpuNs = () => { const u = process.cpuUsage(); return (u.user + u.system) * 1000; };

function calibrate(fn: () => unknown): number {
  let n = 1000;
  for (;;) {
    const t0 = cpuNs();
    for (let i = 0; i < n; i++) use(fn());
    const ms = (cpuNs() - t0) / 1e6;
    if (ms > MS / 4) return Math.max(1000, Math.round((n * MS) / ms));
    n *= 4;
  }
}

function nsPerCall(fn: () => unknown, n: number): number {
  const t0 = cpuNs();
  for (let i = 0; i < n; i++) use(fn());
  return (cpuNs() - t0) / n;
}


function pair(name: string, baseLabel: string, base: () => unknown, otherLabel: string, other: () => unknown): void {
  const nb = calibrate(base);
  const no = calibrate(other);
  const b: number[] = [];
  const o: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let tb: number;
    let to: number;
    if (r % 2 === 0) { tb = nsPerCall(base, nb); to = nsPerCall(other, no); } else { to = nsPerCall(other, no); tb = nsPerCall(base, nb); }
    b.push(tb);
    o.push(to);
    ratios.push(to / tb);
  }
  console.log(`${name}\n  ${baseLabel.padEnd(44)} ${median(b).toFixed(0).padStart(6)} ns\n  ${otherLabel.padEnd(44)} ${median(o).toFixed(0).padStart(6)} ns   ratio ${median(ratios).toFixed(2)} (median of ${ROUNDS} rounds)`);
}

// kvcounter's reply (reference §6.2) and a reply with headers and a 1 KiB body
const KV_REPLY = Buffer.from('83a4626f6479c40d7b22636f756e746572223a317da668656164657280aa737461747573436f6465ccc8', 'hex');
const HEADERS_REPLY = packr.pack({ statusCode: 200, header: { 'content-type': ['application/json'], 'cache-control': ['no-store'], 'set-cookie': ['a=1', 'b=2'] }, body: new Uint8Array(1024).fill(65) });
// kvcounter's host call (reference §6.2)
const INCREMENT = Buffer.from('82a36b6579af636f756e7465723a3a626c6f67676fa576616c756501', 'hex');
const REQUEST = { method: 'GET', path: '/bloggo', queryString: '', headerNames: ['host', 'user-agent', 'accept'], headerValues: [['127.0.0.1:8080'], ['wrk'], ['*/*']], body: new Uint8Array(0) };

console.log(`codec paths, CPU ns per call (${ROUNDS} interleaved rounds of ~${MS} ms CPU each)`);
pair('HttpResponse decode, kvcounter reply (42 B)', 'fast path (response-decoder.ts)', () => fastDecodeHttpResponse(KV_REPLY),
  'generated codec (decodeHttpResponseGeneral)', () => decodeHttpResponseGeneral(KV_REPLY));
pair(`HttpResponse decode, 4 header lines + 1 KiB body (${HEADERS_REPLY.length} B)`, 'fast path (response-decoder.ts)', () => fastDecodeHttpResponse(HEADERS_REPLY),
  'generated codec (decodeHttpResponseGeneral)', () => decodeHttpResponseGeneral(HEADERS_REPLY));
pair('IncrementRequest decode (28 B)', 'fast path (fastIncrementRequest)', () => fastIncrementRequest(INCREMENT),
  'generated codec (KeyValueCodec.Increment.decodeInput)', () => KeyValueCodec.Increment.decodeInput(INCREMENT));
let n = 0;
pair('Increment reply encode (i32)', 'fast path (packInt)', () => packInt((n = (n + 1) & 0xffff)),
  'generated codec (KeyValueCodec.Increment.encodeOutput)', () => KeyValueCodec.Increment.encodeOutput((n = (n + 1) & 0xffff)));
pair('HttpRequest encode, GET /bloggo with 3 headers', 'fast path (encodeRawHttpRequest)', () => encodeRawHttpRequest(REQUEST),
  'generated codec (HandleRequest.encodeInput)', () => HttpServerCodec.HandleRequest.encodeInput({
    method: REQUEST.method, path: REQUEST.path, queryString: REQUEST.queryString,
    header: { host: REQUEST.headerValues[0]!, 'user-agent': REQUEST.headerValues[1]!, accept: REQUEST.headerValues[2]! }, body: REQUEST.body,
  }));
pair('msgpack decode, kvcounter reply (42 B)', 'msgpackr unpack (unbounded)', () => packr.unpack(KV_REPLY),
  'bounded decoder (decodeMsgpack)', () => decodeMsgpack(KV_REPLY, 'HttpResponse'));
pair(`msgpack decode, headers reply (${HEADERS_REPLY.length} B)`, 'msgpackr unpack (unbounded)', () => packr.unpack(HEADERS_REPLY),
  'bounded decoder (decodeMsgpack)', () => decodeMsgpack(HEADERS_REPLY, 'HttpResponse'));
if (sink === 42) console.log('');
