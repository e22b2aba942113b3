// Cost of admitting an actor: claims verification and nkey signatures, each against a baseline measured in this run.
//   node dist/bench/claims.js
// 1. verifyActorModule(100 KiB module) vs SHA-256 of the same bytes (the unavoidable part of the work).
// 2. nkey Ed25519 verify via node:crypto (ours) vs @nats-io/nkeys (tweetnacl, what a JS host would otherwise use).
import { createHash } from 'node:crypto';
import * as nats from '@nats-io/nkeys';
import { createKeyPair, sign, verify } from '../src/claims/nkeys.js';
import { signActorModule } from '../src/claims/sign.js';
import { verifyActorModule } from '../src/claims/verify.js';
import { assertPortable } from '../src/wasm/portability.js';

function opsPerSec(fn: () => unknown, ms = 700): number {
  for (let i = 0; i < 50; i++) fn(); // warm up
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while ((elapsed = process.hrtime.bigint() - start) < limit) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
  }
  return n / (Number(elapsed) / 1e9);
}

function row(label: string, ops: number): string {
  return `  ${label.padEnd(48)} ${ops.toFixed(0).padStart(9)} ops/s  (${(1e6 / ops).toFixed(1)} µs)`;
}

// A module with 100 KiB of data plus a wasmbus import/export, built without external tools.
function module100k(): Uint8Array {
  const hdr = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  const leb = (n: number): number[] => { const o: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
  const sec = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
  const str = (s: string): number[] => [...leb(s.length), ...Buffer.from(s)];
  const types = sec(1, [2, 0x60, 2, 0x7f, 0x7f, 0, 0x60, 2, 0x7f, 0x7f, 1, 0x7f]);
  const imports = sec(2, [1, ...str('wasmbus'), ...str('__guest_response'), 0, 0]);
  const funcs = sec(3, [1, 1]);
  const mem = sec(5, [1, 0, 2]);
  const exps = sec(7, [2, ...str('memory'), 2, 0, ...str('__guest_call'), 0, 1]);
  const code = sec(10, [1, ...leb(4), 0, 0x41, 1, 0x0b]);
  const payload = new Array(100 * 1024).fill(0).map((_, i) => i & 0xff);
  const data = sec(11, [1, 0, 0x41, 0, 0x0b, ...leb(payload.length), ...payload]);
  return Uint8Array.from([...hdr, ...types, ...imports, ...funcs, ...mem, ...exps, ...code, ...data]);
}

const raw = module100k();
const signed = signActorModule(raw, { name: 'bench', caps: ['wasmcloud:keyvalue'] });
verifyActorModule(signed); // sanity: must verify

console.log(`claims verification (${(signed.length / 1024).toFixed(0)} KiB module)`);
const base = opsPerSec(() => createHash('sha256').update(signed).digest());
const full = opsPerSec(() => verifyActorModule(signed));
const port = opsPerSec(() => assertPortable(signed));
console.log(row('baseline: sha256(module)', base));
console.log(row('verifyActorModule (hash + Ed25519 + checks)', full));
console.log(row('assertPortable', port));
console.log(`  ratio verify/baseline time: ${(base / full).toFixed(2)}x`);

console.log('nkey Ed25519 verify of a 256-byte message');
const kp = createKeyPair('account');
const msg = new Uint8Array(256).fill(7);
const sig = sign(kp.seed, msg);
const theirs = nats.fromPublic(kp.publicKey);
if (!theirs.verify(msg, sig) || !verify(kp.publicKey, msg, sig)) throw new Error('signature does not verify');
const natsOps = opsPerSec(() => theirs.verify(msg, sig));
const ours = opsPerSec(() => verify(kp.publicKey, msg, sig));
console.log(row('baseline: @nats-io/nkeys verify (tweetnacl)', natsOps));
console.log(row('stratus nkeys verify (node:crypto)', ours));
console.log(`  ratio stratus/baseline throughput: ${(ours / natsOps).toFixed(2)}x`);
