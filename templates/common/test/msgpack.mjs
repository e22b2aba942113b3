// MessagePack for this project's tests: msgpackr, the library Stratus itself encodes wasmCloud's
// payloads with, configured the same way (maps keyed by name, minimal integers, bytes as bin).
// It is taken from this project's node_modules when installed there (`npm install -D msgpackr`),
// otherwise from the installed `stratus` (found like scripts/stratus.mjs finds it: STRATUS_BIN, or
// `stratus` on PATH), so the tests need no `npm install`.
import { createRequire } from 'node:module';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

function loadMsgpackr() {
  const tried = [];
  const here = createRequire(import.meta.url);
  try { return here('msgpackr'); } catch { tried.push('this project\'s node_modules'); }
  const bin = process.env.STRATUS_BIN || onPath('stratus');
  if (bin) {
    // <stratus package>/bin/stratus.js (npm's global bin and `npm link` are symlinks to it)
    const root = dirname(dirname(realpathSync(bin)));
    try { return createRequire(join(root, 'package.json'))('msgpackr'); } catch { tried.push(`the stratus package at ${root}`); }
  } else {
    tried.push('stratus (not on PATH, STRATUS_BIN not set)');
  }
  throw new Error(`cannot find msgpackr (looked in ${tried.join(', ')}); install stratus (see scripts/stratus.mjs), ` +
    'set STRATUS_BIN=/path/to/stratus/bin/stratus.js, or run `npm install -D msgpackr` here');
}

const { Packr } = loadMsgpackr();
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

/** A value as wasmCloud's msgpack (Uint8Array becomes bin). */
export function encode(value) {
  return new Uint8Array(packr.pack(value));
}

/** One msgpack value (bin comes back as a Uint8Array/Buffer). */
export function decode(bytes) {
  return packr.unpack(bytes);
}
