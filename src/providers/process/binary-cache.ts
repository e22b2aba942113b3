// Where a provider's binary is written before it runs, as wasmCloud does (reference §5.1):
// $TMPDIR/wasmcloudcache/{providerPK}/{rev}/{contract}_{link}, mode 0755, non-alphanumerics as `_`.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function binaryPath(providerKey: string, rev: number, contractId: string, linkName: string): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9]/g, '_');
  return join(tmpdir(), 'wasmcloudcache', providerKey, String(rev), `${clean(contractId)}_${clean(linkName)}${process.platform === 'win32' ? '.exe' : ''}`);
}

/** Write `binary` there unless the same bytes are already there; returns the path. */
export function placeBinary(path: string, binary: Uint8Array): string {
  if (existsSync(path) && Buffer.compare(readFileSync(path), binary) === 0) return path;
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, binary, { mode: 0o755 });
  chmodSync(tmp, 0o755);
  renameSync(tmp, path); // a running copy keeps its inode; the new one replaces the name
  return path;
}
