// Compiles an AssemblyScript entry file with the `asc` programmatic API. Imports of
// "@stratus/actor-as" resolve to the SDK bundled with stratus; abort is routed to the SDK so the
// module imports nothing outside wasmbus. The minimal runtime (TLSF + a full collection the SDK
// runs between calls, see sdk/assemblyscript/assembly/guest.ts) is ~1/3 cheaper per kvcounter
// call than the incremental one, whose GC steps run inside every allocation.
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { BuildError } from './errors.js';
import { SDK_PACKAGE, sdkDir } from './sdk-location.js';

export interface AscOptions {
  /** Project directory (asc baseDir). */
  dir: string;
  /** Entry file relative to dir. */
  entry: string;
  /** Optimisation: "speed" (-O3) or "size" (-Oz). Default "speed". */
  optimize?: 'speed' | 'size' | 'none';
  /** Also produce the text format (returned as `wat`). */
  emitText?: boolean;
}

export interface AscResult {
  wasm: Uint8Array;
  wat?: string;
  /** Compiler warnings (text). */
  warnings: string;
}

type AscModule = {
  main(argv: string[], options: {
    readFile(f: string, base: string): Promise<string | null>;
    writeFile(f: string, c: Uint8Array | string, base: string): void;
    listFiles(d: string, base: string): Promise<string[] | null>;
    stdout: { write(s: string | Uint8Array): void; toString(): string };
    stderr: { write(s: string | Uint8Array): void; toString(): string };
  }): Promise<{ error: Error | null; stderr: { toString(): string } }>;
  createMemoryStream(): { write(s: string | Uint8Array): void; toString(): string };
};

/** Loads the compiler; STRATUS_ASC_MODULE may point at another asc build. */
async function loadAsc(): Promise<AscModule> {
  const spec = process.env.STRATUS_ASC_MODULE || 'assemblyscript/asc';
  try {
    const m = (await import(spec)) as { default?: AscModule; main?: AscModule['main'] };
    return (typeof m.main === 'function' ? m : m.default) as AscModule;
  } catch (e) {
    throw new BuildError('toolchain', 'INTERNAL',
      `the AssemblyScript compiler could not be loaded (${spec}): ${(e as Error).message.split('\n')[0]}`,
      'install it next to stratus with `npm install assemblyscript@^0.28` (it is a dependency of stratus; a broken install may need `npm ci`)');
  }
}

/** Internal name asc gives a function of the SDK's abort module (used with --use abort=...). */
const SDK_ABORT = `~lib/${SDK_PACKAGE}/assembly/abort/sdkAbort`;

export async function compileAssemblyScript(opts: AscOptions): Promise<AscResult> {
  const entryPath = isAbsolute(opts.entry) ? opts.entry : join(opts.dir, opts.entry);
  if (!existsSync(entryPath)) {
    throw new BuildError('config', 'INVALID_PROJECT', `entry file ${entryPath} does not exist`, 'create it, or set "entry" in stratus.json');
  }
  const asc = await loadAsc();
  const sdk = sdkDir();
  const marker = `${sep}node_modules${sep}${SDK_PACKAGE.replace('/', sep)}${sep}`;
  const outputs = new Map<string, Uint8Array | string>();
  const opt = opts.optimize ?? 'speed';
  const argv = [
    relative(opts.dir, entryPath),
    '--outFile', 'out.wasm',
    ...(opts.emitText ? ['--textFile', 'out.wat'] : []),
    ...(opt === 'speed' ? ['--optimizeLevel', '3', '--shrinkLevel', '0'] : opt === 'size' ? ['--optimizeLevel', '2', '--shrinkLevel', '2'] : []),
    '--runtime', 'minimal',
    '--use', `abort=${SDK_ABORT}`,
    '--noColors',
    '--baseDir', opts.dir,
  ];
  const stdout = asc.createMemoryStream();
  const stderr = asc.createMemoryStream();
  const result = await asc.main(argv, {
    stdout, stderr,
    async readFile(file, base) {
      let p = resolve(base, file);
      const i = p.indexOf(marker);
      if (i >= 0) p = join(sdk, p.slice(i + marker.length)); // any node_modules/@stratus/actor-as -> bundled SDK
      try { return await readFile(p, 'utf8'); } catch { return null; }
    },
    writeFile(file, contents) { outputs.set(file, contents); },
    async listFiles() { return []; },
  });
  const log = stderr.toString();
  if (result.error) {
    throw new BuildError('compile', 'BUILD_FAILED', `AssemblyScript compilation of ${relative(process.cwd(), entryPath) || entryPath} failed:\n${log.trim() || result.error.message}`,
      'fix the errors above (file:line:column are shown); the SDK API is documented in sdk/assemblyscript/README.md');
  }
  const wasm = outputs.get('out.wasm');
  if (!(wasm instanceof Uint8Array)) throw new BuildError('compile', 'INTERNAL', 'the AssemblyScript compiler produced no module', 'run the build again with a clean build/ directory');
  const wat = outputs.get('out.wat');
  return { wasm: new Uint8Array(wasm), ...(typeof wat === 'string' ? { wat } : {}), warnings: log };
}
