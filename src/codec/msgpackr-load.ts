// msgpackr, loaded without its native string extractor (msgpackr-extract). Finding and loading
// that addon (through node-gyp-build and detect-libc) was ~5 ms of every CLI command's start and
// ~8 ms of every actor worker thread's boot, and msgpackr's own decoding is as fast or faster on
// the values Stratus decodes (measured 2026-12-07, bench/HISTORY.md "cold start"; one record with a
// 16 B–64 KiB string: 355–512 ns against 448–610 ns with the addon; 100 small records: 8.7 against
// 9.2 µs). Stratus only encodes with msgpackr itself (codec/msgpack-decoder.ts decodes); lmdb
// decodes stored values with the same msgpackr instance.
//
// msgpackr reads MSGPACKR_NATIVE_ACCELERATION_DISABLED once, when it loads: it is set for that
// moment (unless the user set it either way) and taken back, so no child process inherits it.
// The CommonJS build is required on purpose: it is the instance lmdb loads too.
import { createRequire } from 'node:module';

type Msgpackr = typeof import('msgpackr');

const ACCEL = 'MSGPACKR_NATIVE_ACCELERATION_DISABLED';

function load(): Msgpackr {
  // a plain `require('msgpackr')`: the provider SDK's bundler finds packages by such literals
  const require = createRequire(import.meta.url);
  const userSet = process.env[ACCEL] !== undefined;
  if (!userSet) process.env[ACCEL] = 'true';
  try {
    return require('msgpackr') as Msgpackr;
  } finally {
    if (!userSet) delete process.env[ACCEL];
  }
}

export const { Packr } = load();
