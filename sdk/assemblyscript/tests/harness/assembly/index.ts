// Test harness actor for the SDK's own tests (test/sdk/*.test.ts): exposes the msgpack codec,
// the JSON writer and host calls through ordinary wasmbus operations.
import {
  registerHandler, Result, ok, guestError, Reader, Writer, Kind, JsonWriter, hostCall,
  HttpRequest, HttpResponse, IncrementRequest,
  KeyValueSender, SetRequest, ListAddRequest, ListDelRequest, ListRangeRequest, SetAddRequest, SetDelRequest,
  LoggingSender, LogEntry, NumberGenSender, RangeLimit, MessagingSender, PubMessage, RequestMessage,
  MessageSubscriberReceiver, SubMessage, Unit, UNIT, EMPTY_BYTES,
  HttpServerReceiver, HttpServerSender,
} from "@stratus/actor-as";
export { __guest_call, __wasmbus_rpc_version } from "@stratus/actor-as";

// Reads any msgpack value and writes it back with the SDK writer (minimal forms).
function transcode(r: Reader, w: Writer): void {
  const k = r.peek();
  switch (k) {
    case Kind.Nil: r.nil(); w.nil(); break;
    case Kind.Bool: w.bool(r.bool()); break;
    case Kind.Int: {
      const first = load<u8>(r.data.dataStart + <usize>r.pos);
      if (first == 0xcf) w.uint(r.u64()); else w.int(r.i64());
      break;
    }
    case Kind.Float: {
      const first = load<u8>(r.data.dataStart + <usize>r.pos);
      if (first == 0xca) w.f32(r.f32()); else w.f64(r.f64());
      break;
    }
    case Kind.Str: w.str(r.str()); break;
    case Kind.Bin: w.bin(r.bin()); break;
    case Kind.Array: {
      const n = r.arrayHeader();
      w.arrayHeader(<u32>n);
      for (let i = 0; i < n && r.ok; i++) transcode(r, w);
      break;
    }
    case Kind.Map: {
      const n = r.mapHeader();
      w.mapHeader(<u32>n);
      for (let i = 0; i < n * 2 && r.ok; i++) transcode(r, w);
      break;
    }
    default: r.fail("unsupported value"); break;
  }
}

registerHandler("Codec.Transcode", (payload: Uint8Array): Result<Uint8Array> => {
  const r = new Reader(payload);
  const w = new Writer(4);
  transcode(r, w);
  r.finish();
  if (!r.ok) return guestError<Uint8Array>(r.error!);
  return ok<Uint8Array>(w.toBytes());
});

// Input: array of [kind, value] pairs read with a typed reader, echoed with the matching writer.
// kinds: "i32" "u32" "u16" "i64" "u64" "i8" "u8" "i16" "f32" "f64" "bin" "str"
registerHandler("Codec.Typed", (payload: Uint8Array): Result<Uint8Array> => {
  const r = new Reader(payload);
  const w = new Writer();
  const n = r.arrayHeader();
  w.arrayHeader(<u32>n);
  for (let i = 0; i < n && r.ok; i++) {
    const kind = r.str();
    if (kind == "i32") w.int(<i64>r.i32());
    else if (kind == "u32") w.uint(<u64>r.u32());
    else if (kind == "u16") w.uint(<u64>r.u16());
    else if (kind == "i8") w.int(<i64>r.i8());
    else if (kind == "u8") w.uint(<u64>r.u8v());
    else if (kind == "i16") w.int(<i64>r.i16());
    else if (kind == "i64") w.int(r.i64());
    else if (kind == "u64") w.uint(r.u64());
    else if (kind == "f32") w.f32(r.f32());
    else if (kind == "f64") w.f64(r.f64());
    else if (kind == "bin") w.bin(r.bin());
    else if (kind == "str") w.str(r.str());
    else r.fail("unknown kind " + kind);
  }
  r.finish();
  if (!r.ok) return guestError<Uint8Array>(r.error!);
  return ok<Uint8Array>(w.toBytes());
});

// Input: array of strings; output: a JSON document using every JsonWriter feature.
registerHandler("Json.Build", (payload: Uint8Array): Result<Uint8Array> => {
  const r = new Reader(payload);
  const n = r.arrayHeader();
  const j = new JsonWriter();
  j.beginObject().key("strings").beginArray();
  for (let i = 0; i < n && r.ok; i++) j.string(r.str());
  j.endArray();
  j.key("ints").beginArray().int(0).int(-1).int(42).int(i64.MAX_VALUE).int(i64.MIN_VALUE).uint(u64.MAX_VALUE).endArray();
  j.key("bools").beginArray().bool(true).bool(false).endArray();
  j.key("none").null();
  j.key("float").float(1.5);
  j.key("nested").beginObject().key("empty").beginObject().endObject().key("list").beginArray().endArray().endObject();
  j.endObject();
  if (!r.ok) return guestError<Uint8Array>(r.error!);
  return ok<Uint8Array>(j.toBytes());
});

// Input: msgpack array [binding, namespace, operation, payload(bin)]; output: response bytes,
// or a guest error carrying the SDK's rendering of the host error.
registerHandler("Host.Call", (payload: Uint8Array): Result<Uint8Array> => {
  const r = new Reader(payload);
  r.arrayHeader();
  const binding = r.str();
  const ns = r.str();
  const op = r.str();
  const body = r.bin();
  if (!r.ok) return guestError<Uint8Array>(r.error!);
  const res = hostCall(binding, ns, op, body);
  if (!res.ok) return guestError<Uint8Array>(res.message);
  return ok<Uint8Array>(res.value);
});

// Allocates and drops garbage (~60 KiB + 50 x payload size), to check memory stays bounded.
registerHandler("Mem.Churn", (payload: Uint8Array): Result<Uint8Array> => {
  let total = 0;
  for (let i = 0; i < 50; i++) {
    const a = new Array<string>();
    for (let k = 0; k < 20; k++) a.push("item-" + k.toString());
    total += a.length;
    const buf = new Uint8Array(1024 + payload.length);
    total += buf.length;
  }
  const w = new Writer();
  w.uint(<u64>total);
  return ok<Uint8Array>(w.toBytes());
});

// Traps through the SDK abort path (the message must reach the host as the guest error).
registerHandler("Abort.Now", (payload: Uint8Array): Result<Uint8Array> => {
  assert(payload.length > 1000, "payload too short for Abort.Now");
  return ok<Uint8Array>(payload);
});

// Decode with the generated classes and encode again (checked against reference §6.2 bytes).
registerHandler("Vectors.HttpRequest", (payload: Uint8Array): Result<Uint8Array> => {
  const r = new Reader(payload);
  const v = HttpRequest.decode(r);
  r.finish();
  if (!r.ok) return guestError<Uint8Array>(r.error!);
  const w = new Writer();
  v.encode(w);
  return ok<Uint8Array>(w.toBytes());
});

registerHandler("Vectors.HttpResponse", (payload: Uint8Array): Result<Uint8Array> => {
  const r = new Reader(payload);
  const v = HttpResponse.decode(r);
  r.finish();
  if (!r.ok) return guestError<Uint8Array>(r.error!);
  const w = new Writer();
  v.encode(w);
  return ok<Uint8Array>(w.toBytes());
});

registerHandler("Vectors.IncrementRequest", (payload: Uint8Array): Result<Uint8Array> => {
  const r = new Reader(payload);
  const v = IncrementRequest.decode(r);
  r.finish();
  if (!r.ok) return guestError<Uint8Array>(r.error!);
  const w = new Writer();
  v.encode(w);
  return ok<Uint8Array>(w.toBytes());
});

// Calls every generated sender once and reports each result, so the test can check the bytes
// sent for every operation and the decoding of every reply type.
registerHandler("Bindings.All", (payload: Uint8Array): Result<Uint8Array> => {
  const kv = new KeyValueSender();
  const w = new Writer();
  w.arrayHeader(23);
  const inc = new IncrementRequest(); inc.key = "k"; inc.value = -3;
  const r1 = kv.increment(inc); w.int(<i64>r1.value);
  const r2 = kv.contains("k"); w.bool(r2.value);
  const r3 = kv.del("k"); w.bool(r3.value);
  const r4 = kv.get("k"); const g = r4.value; w.str(g.value); w.bool(g.exists);
  const la = new ListAddRequest(); la.listName = "l"; la.value = "v";
  w.uint(<u64>kv.listAdd(la).value);
  w.bool(kv.listClear("l").value);
  const ld = new ListDelRequest(); ld.listName = "l"; ld.value = "v";
  w.bool(kv.listDel(ld).value);
  const lr = new ListRangeRequest(); lr.listName = "l"; lr.start = 0; lr.stop = -1;
  const range = kv.listRange(lr).value; w.arrayHeader(<u32>range.length); for (let i = 0; i < range.length; i++) w.str(range[i]);
  const sr = new SetRequest(); sr.key = "k"; sr.value = "v"; sr.expires = 60;
  w.bool(kv.set(sr).ok);
  const sa = new SetAddRequest(); sa.setName = "s"; sa.value = "v";
  w.uint(<u64>kv.setAdd(sa).value);
  const sd = new SetDelRequest(); sd.setName = "s"; sd.value = "v";
  w.uint(<u64>kv.setDel(sd).value);
  const names = new Array<string>(); names.push("a"); names.push("b");
  w.uint(<u64>kv.setIntersection(names).value.length);
  w.uint(<u64>kv.setQuery("s").value.length);
  w.uint(<u64>kv.setUnion(names).value.length);
  w.bool(kv.setClear("s").value);
  const log = new LogEntry(); log.level = "info"; log.text = "hello";
  w.bool(new LoggingSender().writeLog(log).ok);
  const ng = new NumberGenSender();
  w.str(ng.generateGuid().value);
  w.uint(<u64>ng.random32().value);
  const lim = new RangeLimit(); lim.min = 1; lim.max = 6;
  w.uint(<u64>ng.randomInRange(lim).value);
  const msg = new MessagingSender();
  const pub = new PubMessage(); pub.subject = "s"; pub.body = Uint8Array.wrap(String.UTF8.encode("b"));
  w.bool(msg.publish(pub).ok);
  const pubReply = new PubMessage(); pubReply.subject = "s"; pubReply.replyTo = "r"; pubReply.body = new Uint8Array(0);
  w.bool(msg.publish(pubReply).ok);
  const rq = new RequestMessage(); rq.subject = "q"; rq.body = new Uint8Array(0); rq.timeoutMs = 1000;
  const reply = msg.request(rq).value; const rt = reply.replyTo; w.str(reply.subject + "|" + (rt !== null ? rt : "-") + "|" + String.UTF8.decode(reply.body.buffer));
  return ok<Uint8Array>(w.toBytes());
});

// Receives messages; answers nothing (no output) and fails on subject "fail".
MessageSubscriberReceiver.handleMessage((m: SubMessage): Result<Unit> => {
  if (m.subject == "fail") return guestError<Unit>("refused " + m.subject);
  return ok<Unit>(UNIT);
});

// Map keys matched in place (keyStart/keyIs) and, on a second reader over the same bytes, by
// decoding each key with str(): both answer [indices of the matched candidates (-1 = unknown, value
// skipped), error text or nil], so the test can check they agree on every input.
const KEY_CANDIDATES: string[] = ["method", "path", "größe", "日本", "😀", ""];

function readKeys(payload: Uint8Array, inPlace: bool, w: Writer): void {
  const r = new Reader(payload);
  const n = r.mapHeader();
  const found = new Array<i32>();
  for (let i = 0; i < n && r.ok; i++) {
    let idx = -1;
    if (inPlace) {
      r.keyStart();
      for (let c = 0; c < KEY_CANDIDATES.length; c++) if (r.keyIs(KEY_CANDIDATES[c])) { idx = c; break; }
    } else {
      const key = r.str();
      for (let c = 0; c < KEY_CANDIDATES.length; c++) if (key == KEY_CANDIDATES[c]) { idx = c; break; }
    }
    r.skip();
    found.push(idx);
  }
  r.finish();
  w.arrayHeader(2);
  w.arrayHeader(<u32>found.length);
  for (let i = 0; i < found.length; i++) w.int(<i64>found[i]);
  if (r.ok) w.nil(); else w.str(r.error!);
}

registerHandler("Reader.Keys", (payload: Uint8Array): Result<Uint8Array> => {
  const w = new Writer();
  w.arrayHeader(2);
  readKeys(payload, true, w);
  readKeys(payload, false, w);
  return ok<Uint8Array>(w.toBytes());
});

// Host calls whose names are literals, equal strings built at run time, and different strings of
// the same length, in one guest call (the SDK caches the encoded names per argument).
registerHandler("Host.Names", (payload: Uint8Array): Result<Uint8Array> => {
  const suffix = String.UTF8.decode(payload.buffer); // "" unless the test sends one
  hostCall("default", "wasmcloud:keyvalue", "KeyValue.Get", payload);
  hostCall("def" + "ault" + suffix, "wasmcloud:" + "keyvalue", "KeyValue." + "Get", payload);
  hostCall("defaulx", "wasmcloud:keyvaluf", "KeyValue.Set", payload);
  hostCall("default", "wasmcloud:keyvalue", "KeyValue.Get", payload);
  hostCall("", "wasmcloud:ké", "Op." + suffix, payload);
  return ok<Uint8Array>(EMPTY_BYTES);
});

// Header maps are decoded on first read when the reader is stable: the same request bytes decoded
// both ways must give the same error, re-encoding (before any read) and headers.
function writeHeaders(w: Writer, h: Map<string, Array<string>>): void {
  const keys = h.keys();
  w.mapHeader(<u32>keys.length);
  for (let i = 0; i < keys.length; i++) {
    const vs = h.get(keys[i]);
    w.str(keys[i]);
    w.arrayHeader(<u32>vs.length);
    for (let j = 0; j < vs.length; j++) w.str(vs[j]);
  }
}

function decodeRequest(payload: Uint8Array, stable: bool, w: Writer): void {
  const r = new Reader(payload);
  r.stable = stable;
  const v = HttpRequest.decode(r);
  r.finish();
  w.arrayHeader(4);
  if (!r.ok) { w.str(r.error!); w.nil(); w.nil(); w.nil(); return; }
  w.nil();
  const e = new Writer();
  v.encode(e); // header not read yet
  w.bin(e.view());
  const h = v.header;
  writeHeaders(w, h);
  h.set("x-added", ["1"]); // the getter hands out one map: changes are kept
  w.bool(v.header === h && v.header.has("x-added"));
}

registerHandler("Lazy.Request", (payload: Uint8Array): Result<Uint8Array> => {
  const w = new Writer();
  w.arrayHeader(2);
  decodeRequest(payload, true, w);
  decodeRequest(payload, false, w);
  return ok<Uint8Array>(w.toBytes());
});

// Through the generated dispatch (stable reader): "/untouched" never reads the request headers
// (the response's stay unset), "/set" replaces them before reading, others echo them.
HttpServerReceiver.handleRequest((req: HttpRequest): Result<HttpResponse> => {
  const res = new HttpResponse();
  res.statusCode = 200;
  if (req.path == "/untouched") return ok<HttpResponse>(res);
  if (req.path == "/set") {
    const m = new Map<string, Array<string>>();
    m.set("k", ["v"]);
    req.header = m;
  }
  const h = req.header;
  res.header = h;
  res.body = Uint8Array.wrap(String.UTF8.encode(req.header === h ? "same" : "different"));
  return ok<HttpResponse>(res);
});

// A sender's reply is decoded with a stable reader too: its headers, read after the call.
registerHandler("Sender.Http", (payload: Uint8Array): Result<Uint8Array> => {
  const res = HttpServerSender.toActor("stratus/web").handleRequest(new HttpRequest());
  if (!res.ok) return guestError<Uint8Array>(res.message);
  const w = new Writer();
  writeHeaders(w, res.value.header);
  return ok<Uint8Array>(w.toBytes());
});

// "Swap.Me" answers "a" until "Swap.Flip" re-registers it to answer "b" (and back): the SDK caches
// the handler of the last operation and must notice the change.
function answerA(payload: Uint8Array): Result<Uint8Array> { return ok<Uint8Array>(Uint8Array.wrap(String.UTF8.encode("a"))); }
function answerB(payload: Uint8Array): Result<Uint8Array> { return ok<Uint8Array>(Uint8Array.wrap(String.UTF8.encode("b"))); }
let swapped = false;
registerHandler("Swap.Me", answerA);
registerHandler("Swap.Flip", (payload: Uint8Array): Result<Uint8Array> => {
  swapped = !swapped;
  registerHandler("Swap.Me", swapped ? answerB : answerA);
  return ok<Uint8Array>(EMPTY_BYTES);
});
// "Swap.Self" answers "a" once and replaces itself: the next, identical operation name must see it.
registerHandler("Swap.Self", (payload: Uint8Array): Result<Uint8Array> => {
  registerHandler("Swap.Self", answerB);
  return answerA(payload);
});

// Generated senders with scalar/string/list answers read them from a buffer reused across calls:
// Increment then ListRange, each reported as [ok, value or error text].
registerHandler("Sender.Reuse", (payload: Uint8Array): Result<Uint8Array> => {
  const kv = new KeyValueSender();
  const inc = new IncrementRequest();
  inc.key = "k";
  inc.value = 1;
  const a = kv.increment(inc);
  const lr = new ListRangeRequest();
  lr.listName = "l";
  const b = kv.listRange(lr);
  const w = new Writer();
  w.arrayHeader(4);
  w.bool(a.ok);
  if (a.ok) w.int(<i64>a.value); else w.str(a.message);
  w.bool(b.ok);
  if (b.ok) { const v = b.value; w.arrayHeader(<u32>v.length); for (let i = 0; i < v.length; i++) w.str(v[i]); } else w.str(b.message);
  return ok<Uint8Array>(w.toBytes());
});
