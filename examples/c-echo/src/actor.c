// c-echo: a wasmCloud actor in freestanding C (no libc, no WASI). It answers
// HttpServer.HandleRequest with "<METHOD> <path>[?<query>]\n<request body>" and status 200.
// Everything an SDK would do is spelled out: the wasmbus imports, __guest_call, and just enough
// MessagePack to read an HttpRequest and write an HttpResponse (maps keyed by field name).

typedef unsigned char u8;
typedef unsigned int u32;

#define WASMBUS(name) __attribute__((import_module("wasmbus"), import_name(#name)))
WASMBUS(__guest_request) void __guest_request(u8 *op, u8 *payload);
WASMBUS(__guest_response) void __guest_response(const u8 *ptr, u32 len);
WASMBUS(__guest_error) void __guest_error(const u8 *ptr, u32 len);

// Static buffers instead of malloc: requests above 64 KiB are refused with an error.
#define MAX_IN 65536
#define MAX_OUT (MAX_IN + 1024)
static u8 op_buf[256];
static u8 in_buf[MAX_IN];
static u8 out_buf[MAX_OUT];

static u32 str_len(const char *s) { u32 n = 0; while (s[n]) n++; return n; }
static int bytes_eq(const u8 *a, u32 alen, const char *b) {
  u32 blen = str_len(b);
  if (alen != blen) return 0;
  for (u32 i = 0; i < alen; i++) if (a[i] != (u8)b[i]) return 0;
  return 1;
}

static int fail(const char *msg) { __guest_error((const u8 *)msg, str_len(msg)); return 0; }

// ---- msgpack reading ----
typedef struct { const u8 *p; u32 len; u32 pos; int err; } reader;

static u32 be(reader *r, u32 n) {
  if (r->pos + n > r->len) { r->err = 1; return 0; }
  u32 v = 0;
  for (u32 i = 0; i < n; i++) v = (v << 8) | r->p[r->pos + i];
  r->pos += n;
  return v;
}
static u8 byte(reader *r) { return (u8)be(r, 1); }

// Reads a str or bin header; returns the length and leaves pos at the data.
static u32 read_bytes_header(reader *r) {
  u8 b = byte(r);
  if (b >= 0xa0 && b <= 0xbf) return b & 0x1f;
  if (b == 0xd9 || b == 0xc4) return be(r, 1);
  if (b == 0xda || b == 0xc5) return be(r, 2);
  if (b == 0xdb || b == 0xc6) return be(r, 4);
  if (b == 0xc0) return 0; // nil: empty blob (TinyGo)
  r->err = 1;
  return 0;
}

static const u8 *read_bytes(reader *r, u32 *len) {
  *len = read_bytes_header(r);
  if (r->err || r->pos + *len > r->len) { r->err = 1; return 0; }
  const u8 *at = r->p + r->pos;
  r->pos += *len;
  return at;
}

static void skip(reader *r, int depth) {
  if (depth > 32) { r->err = 1; return; }
  u8 b = byte(r);
  if (r->err) return;
  u32 n = 0;
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) return;
  if (b >= 0x80 && b <= 0x8f) { n = (b & 0x0f) * 2; goto items; }
  if (b >= 0x90 && b <= 0x9f) { n = b & 0x0f; goto items; }
  if (b >= 0xa0 && b <= 0xbf) { n = b & 0x1f; goto raw; }
  switch (b) {
    case 0xcc: case 0xd0: n = 1; goto raw;
    case 0xcd: case 0xd1: n = 2; goto raw;
    case 0xce: case 0xd2: case 0xca: n = 4; goto raw;
    case 0xcf: case 0xd3: case 0xcb: n = 8; goto raw;
    case 0xc4: case 0xd9: n = be(r, 1); goto raw;
    case 0xc5: case 0xda: n = be(r, 2); goto raw;
    case 0xc6: case 0xdb: n = be(r, 4); goto raw;
    case 0xdc: n = be(r, 2); goto items;
    case 0xdd: n = be(r, 4); goto items;
    case 0xde: n = be(r, 2) * 2; goto items;
    case 0xdf: n = be(r, 4) * 2; goto items;
  }
  r->err = 1;
  return;
raw:
  if (r->pos + n > r->len) r->err = 1; else r->pos += n;
  return;
items:
  for (u32 i = 0; i < n && !r->err; i++) skip(r, depth + 1);
}

static u32 read_map_header(reader *r) {
  u8 b = byte(r);
  if (b >= 0x80 && b <= 0x8f) return b & 0x0f;
  if (b == 0xde) return be(r, 2);
  if (b == 0xdf) return be(r, 4);
  r->err = 1;
  return 0;
}

// ---- msgpack writing ----
static u32 out_len;
static void put(u8 b) { if (out_len < MAX_OUT) out_buf[out_len++] = b; }
static void put_raw(const u8 *p, u32 n) { for (u32 i = 0; i < n; i++) put(p[i]); }
static void put_str(const char *s) { u32 n = str_len(s); put(0xa0 | n); put_raw((const u8 *)s, n); }

// ---- handlers ----
static int handle_request(const u8 *payload, u32 len) {
  reader r = { payload, len, 0, 0 };
  const u8 *method = 0, *path = 0, *query = 0, *body = 0;
  u32 method_len = 0, path_len = 0, query_len = 0, body_len = 0;
  u32 n = read_map_header(&r);
  for (u32 i = 0; i < n && !r.err; i++) {
    u32 klen;
    const u8 *key = read_bytes(&r, &klen);
    if (r.err) break;
    if (bytes_eq(key, klen, "method")) method = read_bytes(&r, &method_len);
    else if (bytes_eq(key, klen, "path")) path = read_bytes(&r, &path_len);
    else if (bytes_eq(key, klen, "queryString")) query = read_bytes(&r, &query_len);
    else if (bytes_eq(key, klen, "body")) body = read_bytes(&r, &body_len);
    else skip(&r, 0);
  }
  if (r.err) return fail("deserialization: message 'HandleRequest': malformed HttpRequest");
  if (!method || !path) return fail("deserialization: message 'HandleRequest': missing field `method` or `path`");

  // body text = METHOD SP path [? query] LF body
  u32 text_len = method_len + 1 + path_len + (query_len ? 1 + query_len : 0) + 1 + body_len;
  out_len = 0;
  put(0x83);
  put_str("statusCode"); put(0xcc); put(200);
  put_str("header"); put(0x80);
  put_str("body");
  if (text_len <= 0xff) { put(0xc4); put((u8)text_len); }
  else if (text_len <= 0xffff) { put(0xc5); put((u8)(text_len >> 8)); put((u8)text_len); }
  else { put(0xc6); put((u8)(text_len >> 24)); put((u8)(text_len >> 16)); put((u8)(text_len >> 8)); put((u8)text_len); }
  put_raw(method, method_len);
  put(' ');
  put_raw(path, path_len);
  if (query_len) { put('?'); put_raw(query, query_len); }
  put('\n');
  if (body) put_raw(body, body_len);
  __guest_response(out_buf, out_len);
  return 1;
}

static int handle_health(const u8 *payload, u32 len) {
  reader r = { payload, len, 0, 0 };
  skip(&r, 0);
  if (len == 0 || r.err || (payload[0] & 0xf0) != 0x80) return fail("deserialization: message 'HealthRequest': expected a map");
  static const u8 healthy[] = { 0x81, 0xa7, 'h', 'e', 'a', 'l', 't', 'h', 'y', 0xc3 };
  __guest_response(healthy, sizeof healthy);
  return 1;
}

__attribute__((export_name("__wasmbus_rpc_version"))) int wasmbus_rpc_version(void) { return 1; }

__attribute__((export_name("__guest_call"))) int guest_call(u32 op_len, u32 payload_len) {
  if (op_len > sizeof op_buf || payload_len > MAX_IN) {
    // __guest_request must still receive valid buffers; refuse before asking for the bytes
    return fail("c-echo: request too large (limit 64 KiB)");
  }
  __guest_request(op_buf, in_buf);
  if (bytes_eq(op_buf, op_len, "HttpServer.HandleRequest")) return handle_request(in_buf, payload_len);
  if (bytes_eq(op_buf, op_len, "Actor.HealthRequest")) return handle_health(in_buf, payload_len);
  static const char prefix[] = "method not handled ";
  out_len = 0;
  put_raw((const u8 *)prefix, sizeof prefix - 1);
  put_raw(op_buf, op_len);
  __guest_error(out_buf, out_len);
  return 0;
}
