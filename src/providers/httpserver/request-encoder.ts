// Hot-path encoder for HttpRequest: one exact-size buffer, no intermediate objects. It emits the
// same bytes as msgpackr with wasmCloud's options (fields in wasmCloud's order, minimal headers).
// Strings here are Node's "byte strings" (method, URL and header text arrive latin1-decoded), so
// writing them as latin1 passes the client's bytes through unchanged.

export interface RawHttpRequest {
  method: string;
  path: string;
  queryString: string;
  /** Flat [name, value, ...] with lowercase names, grouped: equal names are adjacent or merged by the caller. */
  headerNames: string[];
  headerValues: string[][];
  body: Uint8Array;
}

// fixstr keys, precomputed
const K_METHOD = Buffer.from('a66d6574686f64', 'hex');
const K_PATH = Buffer.from('a470617468', 'hex');
const K_QUERY = Buffer.from('ab7175657279537472696e67', 'hex');
const K_HEADER = Buffer.from('a6686561646572', 'hex');
const K_BODY = Buffer.from('a4626f6479', 'hex');
const FIXED = 1 + K_METHOD.length + K_PATH.length + K_QUERY.length + K_HEADER.length + K_BODY.length;

const strHead = (n: number) => (n < 32 ? 1 : n < 256 ? 2 : n < 65536 ? 3 : 5);
const collHead = (n: number) => (n < 16 ? 1 : n < 65536 ? 3 : 5);
const binHead = (n: number) => (n < 256 ? 2 : n < 65536 ? 3 : 5);

function writeStr(buf: Buffer, pos: number, s: string): number {
  const n = s.length;
  if (n < 32) buf[pos++] = 0xa0 | n;
  else if (n < 256) { buf[pos++] = 0xd9; buf[pos++] = n; }
  else if (n < 65536) { buf[pos++] = 0xda; buf.writeUInt16BE(n, pos); pos += 2; }
  else { buf[pos++] = 0xdb; buf.writeUInt32BE(n, pos); pos += 4; }
  if (n > 64) return pos + buf.write(s, pos, n, 'latin1');
  // short strings: a plain loop beats the native write call
  for (let i = 0; i < n; i++) buf[pos + i] = s.charCodeAt(i);
  return pos + n;
}

function writeKey(buf: Buffer, pos: number, key: Buffer): number {
  for (let i = 0; i < key.length; i++) buf[pos + i] = key[i]!;
  return pos + key.length;
}

function writeColl(buf: Buffer, pos: number, n: number, fix: number, b16: number, b32: number): number {
  if (n < 16) buf[pos++] = fix | n;
  else if (n < 65536) { buf[pos++] = b16; buf.writeUInt16BE(n, pos); pos += 2; }
  else { buf[pos++] = b32; buf.writeUInt32BE(n, pos); pos += 4; }
  return pos;
}

export function encodeRawHttpRequest(r: RawHttpRequest): Uint8Array {
  const names = r.headerNames;
  const values = r.headerValues;
  let size = FIXED + strHead(r.method.length) + r.method.length + strHead(r.path.length) + r.path.length
    + strHead(r.queryString.length) + r.queryString.length + collHead(names.length) + binHead(r.body.length) + r.body.length;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const vals = values[i]!;
    size += strHead(name.length) + name.length + collHead(vals.length);
    for (let j = 0; j < vals.length; j++) size += strHead(vals[j]!.length) + vals[j]!.length;
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = 0;
  buf[pos++] = 0x85;
  pos = writeKey(buf, pos, K_METHOD);
  pos = writeStr(buf, pos, r.method);
  pos = writeKey(buf, pos, K_PATH);
  pos = writeStr(buf, pos, r.path);
  pos = writeKey(buf, pos, K_QUERY);
  pos = writeStr(buf, pos, r.queryString);
  pos = writeKey(buf, pos, K_HEADER);
  pos = writeColl(buf, pos, names.length, 0x80, 0xde, 0xdf);
  for (let i = 0; i < names.length; i++) {
    pos = writeStr(buf, pos, names[i]!);
    const vals = values[i]!;
    pos = writeColl(buf, pos, vals.length, 0x90, 0xdc, 0xdd);
    for (let j = 0; j < vals.length; j++) pos = writeStr(buf, pos, vals[j]!);
  }
  pos = writeKey(buf, pos, K_BODY);
  const n = r.body.length;
  if (n < 256) { buf[pos++] = 0xc4; buf[pos++] = n; }
  else if (n < 65536) { buf[pos++] = 0xc5; buf.writeUInt16BE(n, pos); pos += 2; }
  else { buf[pos++] = 0xc6; buf.writeUInt32BE(n, pos); pos += 4; }
  if (n > 0) buf.set(r.body, pos);
  return buf;
}
