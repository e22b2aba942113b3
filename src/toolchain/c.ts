// Compiles a freestanding C actor with clang for wasm32 (no libc, no WASI): the module's only
// imports are the wasmbus functions the source declares.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { BuildError } from './errors.js';

export interface ClangOptions {
  dir: string;
  entry: string;
  /** Extra exported symbols besides __guest_call. */
  exports?: string[];
}

export function clangCommand(): string {
  return process.env.STRATUS_CLANG || 'clang';
}

export function compileC(opts: ClangOptions): Uint8Array {
  const src = isAbsolute(opts.entry) ? opts.entry : join(opts.dir, opts.entry);
  if (!existsSync(src)) throw new BuildError('config', 'INVALID_PROJECT', `entry file ${src} does not exist`, 'create it, or set "entry" in stratus.json');
  const tmp = mkdtempSync(join(tmpdir(), 'stratus-c-'));
  const out = join(tmp, 'actor.wasm');
  const exportsList = ['__guest_call', ...(opts.exports ?? [])];
  const args = [
    '--target=wasm32', '-nostdlib', '-O2', '-Wall', '-Werror=implicit-function-declaration',
    // export_name attributes in the source export the entry points; these cover plain definitions
    '-Wl,--no-entry', ...exportsList.map((e) => `-Wl,--export-if-defined=${e}`),
    '-o', out, src,
  ];
  const clang = clangCommand();
  try {
    const r = spawnSync(clang, args, { cwd: opts.dir, encoding: 'utf8' });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new BuildError('toolchain', 'INTERNAL', `the C compiler "${clang}" was not found`,
        'install clang and lld (Debian/Ubuntu: `apt-get install clang lld`), or set STRATUS_CLANG to its path');
    }
    if (r.status !== 0) {
      const text = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim();
      if (/unable to execute command|Executable "wasm-ld" doesn't exist|wasm-ld: (not found|No such file)/i.test(text)) {
        throw new BuildError('toolchain', 'INTERNAL', `clang cannot link wasm: the linker wasm-ld is missing\n${text}`,
          'install lld (Debian/Ubuntu: `apt-get install lld`)');
      }
      throw new BuildError('compile', 'BUILD_FAILED', `C compilation of ${src} failed:\n${text}`, 'fix the errors above; see examples/c-echo for a working actor');
    }
    return new Uint8Array(readFileSync(out));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
