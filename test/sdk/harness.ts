// A minimal synchronous wasmbus host for SDK unit tests: it drives __guest_call exactly as
// reference §1.5 describes and records every __host_call, so tests can check bytes precisely.
// (Example tests use the real Host; this one exists to look inside the ABI.)

export interface HostCallRecord { binding: string; namespace: string; operation: string; payload: Uint8Array }
export type HostCallHandler = (call: HostCallRecord) => { ok: Uint8Array } | { error: string };

export interface GuestResult { rc: number; response: Uint8Array; error: string }

const dec = new TextDecoder();
const enc = new TextEncoder();

export class WasmbusHarness {
  readonly calls: HostCallRecord[] = [];
  private instance!: WebAssembly.Instance;
  private op: Uint8Array = new Uint8Array(0);
  private payload: Uint8Array = new Uint8Array(0);
  private guestResponse: Uint8Array = new Uint8Array(0);
  private guestError = '';
  private hostResponse: Uint8Array = new Uint8Array(0);
  private hostError: Uint8Array = new Uint8Array(0);

  private constructor(public onHostCall: HostCallHandler) {}

  static async create(bytes: Uint8Array, onHostCall: HostCallHandler = () => ({ error: 'no host calls expected' })): Promise<WasmbusHarness> {
    const h = new WasmbusHarness(onHostCall);
    const mem = () => new Uint8Array((h.instance.exports.memory as WebAssembly.Memory).buffer);
    const wasmbus = {
      __guest_request(opPtr: number, payloadPtr: number) { mem().set(h.op, opPtr); mem().set(h.payload, payloadPtr); },
      __guest_response(ptr: number, len: number) { h.guestResponse = mem().slice(ptr, ptr + len); },
      __guest_error(ptr: number, len: number) { h.guestError = dec.decode(mem().slice(ptr, ptr + len)); },
      __host_call(bp: number, bl: number, np: number, nl: number, op: number, ol: number, pp: number, pl: number) {
        const m = mem();
        const call = { binding: dec.decode(m.slice(bp, bp + bl)), namespace: dec.decode(m.slice(np, np + nl)), operation: dec.decode(m.slice(op, op + ol)), payload: m.slice(pp, pp + pl) };
        h.calls.push(call);
        const r = h.onHostCall(call);
        if ('ok' in r) { h.hostResponse = r.ok; h.hostError = new Uint8Array(0); return 1; }
        h.hostError = enc.encode(r.error); h.hostResponse = new Uint8Array(0);
        return 0;
      },
      __host_response_len: () => h.hostResponse.length,
      __host_response(ptr: number) { mem().set(h.hostResponse, ptr); },
      __host_error_len: () => h.hostError.length,
      __host_error(ptr: number) { mem().set(h.hostError, ptr); },
      __console_log() { /* unused by the SDK */ },
    };
    const { instance } = await WebAssembly.instantiate(bytes, { wasmbus });
    h.instance = instance;
    return h;
  }

  get memoryBytes(): number {
    return (this.instance.exports.memory as WebAssembly.Memory).buffer.byteLength;
  }

  exportNames(): string[] {
    return Object.keys(this.instance.exports);
  }

  call(operation: string, payload: Uint8Array): GuestResult {
    this.op = enc.encode(operation);
    this.payload = payload;
    this.guestResponse = new Uint8Array(0);
    this.guestError = '';
    const rc = (this.instance.exports.__guest_call as (a: number, b: number) => number)(this.op.length, payload.length);
    return { rc, response: this.guestResponse, error: this.guestError };
  }
}

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const fromHex = (s: string) => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
