// Provider archives (`.par`, `.par.gz`) as wash writes them (reference §3.7; PAR `archive.rs`):
// a tar, optionally gzip-compressed, holding `claims.jwt` and one `<arch>-<os>.bin` per target.
// Creating signs the claims with each binary's SHA-256; opening for a start verifies signature,
// issuer allow-list and this target's hash, each failure its own error.
import { gunzipSync, gzipSync } from 'node:zlib';
import { sha256Hex } from '../claims/hash.js';
import { StratusError } from '../core/errors.js';
import { tarEntries } from '../oci/tar.js';
import { decodeProviderClaims, signProviderClaims, verifyProviderToken, type ProviderClaims, type SignProviderOptions, type VerifyProviderOptions } from './claims.js';
import { hostTarget, isTarget } from './target.js';
import { writeTar, type TarFile } from './tar-write.js';

export const CLAIMS_FILE = 'claims.jwt';

export interface ProviderArchive {
  /** The compact JWT from claims.jwt. */
  token: string;
  /** Its claims, decoded (shape checked, signature not yet). */
  claims: ProviderClaims;
  /** Binaries by target, e.g. `x86_64-linux`. */
  binaries: Map<string, Uint8Array>;
}

function notArchive(what: string): StratusError {
  return new StratusError('INVALID_MODULE', `not a provider archive: ${what}`, 'make one with `stratus par create` (or `wash par create`)');
}

/** Read a `.par` or `.par.gz` (gzip recognised by its magic bytes). */
export function readArchive(bytes: Uint8Array): ProviderArchive {
  let tar = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      tar = new Uint8Array(gunzipSync(bytes));
    } catch (e) {
      throw notArchive(`the gzip data is broken (${(e as Error).message})`);
    }
  }
  const entries = tarEntries(tar);
  if (!entries) throw notArchive('it is neither a tar archive nor a gzip-compressed one');
  let token: string | undefined;
  const binaries = new Map<string, Uint8Array>();
  for (const e of entries) {
    const data = tar.subarray(e.offset, e.offset + e.size);
    if (e.name === CLAIMS_FILE) token = new TextDecoder().decode(data).trim();
    else if (e.name.endsWith('.bin')) binaries.set(e.name.slice(0, -4), data);
  }
  if (token === undefined) {
    throw new StratusError('NO_CLAIMS', `the provider archive has no ${CLAIMS_FILE}`, 'make the archive with `stratus par create`, which signs it');
  }
  return { token, claims: decodeProviderClaims(token), binaries };
}

/** Tar bytes of an archive: claims first, then binaries in target order (as wash writes them). */
export function archiveBytes(token: string, binaries: Map<string, Uint8Array>, compress: boolean): Uint8Array {
  const files: TarFile[] = [{ name: CLAIMS_FILE, data: new TextEncoder().encode(token) }];
  for (const t of [...binaries.keys()].sort()) files.push({ name: `${t}.bin`, data: binaries.get(t)!, mode: 0o755 });
  const tar = writeTar(files, Math.floor(Date.now() / 1000));
  return compress ? new Uint8Array(gzipSync(tar)) : tar;
}

function checkTarget(t: string): void {
  if (!isTarget(t)) throw new StratusError('BAD_REQUEST', `architecture "${t}" is not of the form ARCH-OS`, `pass e.g. --arch ${hostTarget()}`);
}

export interface CreateArchiveOptions extends Omit<SignProviderOptions, 'targetHashes'> {
  binaries: Map<string, Uint8Array>;
  compress: boolean;
}

/** Sign claims over the binaries' hashes and pack them. */
export function createArchive(o: CreateArchiveOptions): { bytes: Uint8Array; token: string; claims: ProviderClaims } {
  const hashes: Record<string, string> = {};
  for (const [t, b] of o.binaries) {
    checkTarget(t);
    hashes[t] = sha256Hex(b);
  }
  const { token, claims } = signProviderClaims({ ...o, targetHashes: hashes });
  return { bytes: archiveBytes(token, o.binaries, o.compress), token, claims };
}

/**
 * Add (or replace) one target's binary, re-signing the claims as `wash par insert` does. The
 * subject seed must be the archive's own (the provider keeps its id); the issuer must verify.
 */
export function insertBinary(archive: ProviderArchive, target: string, binary: Uint8Array, o: { issuer: string; subject: string; compress: boolean }): { bytes: Uint8Array; token: string; claims: ProviderClaims } {
  checkTarget(target);
  const old = verifyProviderToken(archive.token);
  const binaries = new Map(archive.binaries);
  binaries.set(target, binary);
  const w = old.wascap;
  const signed = createArchive({
    name: w.name ?? '', capid: w.capid, vendor: w.vendor, rev: w.rev, ver: w.ver,
    issuer: o.issuer, subject: o.subject, binaries, compress: o.compress,
  });
  if (signed.claims.sub !== old.sub) {
    throw new StratusError('BAD_REQUEST', `the subject key given is ${signed.claims.sub} but the archive's provider is ${old.sub}`,
      'pass the service seed the archive was created with (--subject), so the provider keeps its id');
  }
  return signed;
}

export interface VerifiedProvider {
  claims: ProviderClaims;
  /** = claims.sub, the provider id (V...). */
  publicKey: string;
  target: string;
  binary: Uint8Array;
}

/** Verify an archive for a start on `target` (default: this machine). */
export function verifyArchiveForTarget(archive: ProviderArchive, o: VerifyProviderOptions & { target?: string } = {}): VerifiedProvider {
  const claims = verifyProviderToken(archive.token, o);
  const target = o.target ?? hostTarget();
  const binary = archive.binaries.get(target);
  const name = claims.wascap.name ?? claims.sub;
  if (!binary) {
    const have = [...archive.binaries.keys()];
    throw new StratusError('NOT_PORTABLE', `provider archive '${name}' has no binary for this machine (${target}); it has ${have.length ? have.join(', ') : 'none'}`,
      `build the provider for ${target} and add it with \`stratus par insert <archive> --arch ${target} --binary <file>\``);
  }
  const expected = claims.wascap.target_hashes[target];
  const actual = sha256Hex(binary);
  if (expected === undefined) {
    throw new StratusError('HASH_MISMATCH', `provider archive '${name}' holds a ${target} binary its claims do not list (no target hash for ${target})`,
      'add binaries with `stratus par insert`, which re-signs the claims');
  }
  if (expected.toUpperCase() !== actual) {
    throw new StratusError('HASH_MISMATCH', `the ${target} binary of provider archive '${name}' was changed after signing: its SHA-256 is ${actual} but the claims say ${expected}`,
      'rebuild the archive with `stratus par create` / `stratus par insert`');
  }
  return { claims, publicKey: claims.sub, target, binary };
}
