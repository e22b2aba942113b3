// Portability inspector: can this module run on any wasmCloud host (and on Stratus)?
// Classifies every import into the ABI families of reference §1, explains foreign ones and says how to fix the build.
// Pure: bytes in, report out. The runtime uses assertPortable() so refusals carry the same explanation.
import { StratusError } from '../core/errors.js';
import {
  OPTIONAL_EXPORTS, REQUIRED_EXPORTS, SUPPORTED_WASI, WASI_MODULE, WASMBUS_FUNCTIONS, WASMBUS_MODULES,
} from './abi.js';
import { formatFuncType, parseModule, sameFuncType, type ExternKind, type FuncType, type ModuleInfo } from './sections.js';

export { SUPPORTED_WASI } from './abi.js';

/** Import families. Only `wasmbus`, `wapc` and `wasi` are portable; the rest name the toolchain that leaked in. */
export type ImportClass =
  | 'wasmbus' | 'wapc' | 'wasi'
  | 'tinygo-syscall-js' | 'tinygo-js-runtime' | 'go-js' | 'wasm-bindgen' | 'assemblyscript'
  | 'env' | 'wasi-unsupported' | 'unknown-module';

export interface ImportReport {
  module: string;
  name: string;
  kind: ExternKind;
  signature?: string;
  class: ImportClass;
  /** Present only when this import makes the module non-portable. */
  problem?: string;
  explanation?: string;
  fix?: string;
}

export interface ExportReport {
  name: string;
  kind: ExternKind;
  signature?: string;
  role: 'required' | 'optional' | 'other';
  problem?: string;
}

export interface PortabilityProblem {
  /** `module.name` of an import, or `export <name>`. */
  subject: string;
  class: ImportClass | 'export';
  problem: string;
  explanation: string;
  fix: string;
}

export interface PortabilityReport {
  portable: boolean;
  imports: ImportReport[];
  exports: ExportReport[];
  problems: PortabilityProblem[];
  /** Optional entry points found, in the order the host calls them. */
  initFunctions: string[];
}

type Verdict = Pick<ImportReport, 'class' | 'problem' | 'explanation' | 'fix'>;

const FIX_TINYGO_JSON =
  'avoid the package that pulls in syscall/js: TinyGo\'s encoding/json (reflection) is the usual culprit — build JSON ' +
  'by hand or with a reflection-free encoder, as the wasmCloud TinyGo kvcounter example does (`"{\\"counter\\": " + strconv.Itoa(n) + "}"`), ' +
  'then check with `stratus inspect`';

function wrongSignature(name: string, got: FuncType | undefined, want: FuncType, family: string): string | undefined {
  if (!got) return `imports ${name} as a non-function, but the ${family} ABI defines it as a function ${formatFuncType(want)}`;
  if (sameFuncType(got, want)) return undefined;
  return `wrong signature ${formatFuncType(got)}; the ${family} ABI defines ${name} as ${formatFuncType(want)}`;
}

function classifyWasmbus(module: string, name: string, type: FuncType | undefined): Verdict {
  const cls = module as 'wasmbus' | 'wapc';
  const want = WASMBUS_FUNCTIONS[name];
  if (!want) {
    return {
      class: cls, problem: `"${name}" is not a function of the ${module} ABI`,
      explanation: `the ${module} module provides only ${Object.keys(WASMBUS_FUNCTIONS).join(', ')} (reference §1.2)`,
      fix: 'update the actor SDK (wasmbus-rpc / actor-tinygo) to a release that matches the wasmCloud 0.5x–0.63 ABI',
    };
  }
  const bad = wrongSignature(name, type, want, module);
  return bad
    ? { class: cls, problem: bad, explanation: 'the host would call it with the wrong number or type of arguments', fix: `declare ${name} as ${formatFuncType(want)} (reference §1.2); hand-written imports must match the SDK declarations exactly` }
    : { class: cls };
}

function classifyWasi(name: string, type: FuncType | undefined): Verdict {
  const want = SUPPORTED_WASI[name];
  if (!want) {
    const area = name.startsWith('path_') ? 'a filesystem'
      : name.startsWith('sock_') ? 'sockets'
        : name.startsWith('fd_') ? 'file descriptors other than stdin/stdout/stderr'
          : name === 'proc_raise' ? 'signals' : 'this WASI function';
    return {
      class: 'wasi-unsupported', problem: `WASI function ${name} is not available to actors`,
      explanation: `actors get a minimal WASI (empty args/env, no preopened directories, stdout/stderr to the log); ${area} is not provided — on wasmCloud it is a capability reached through a provider`,
      fix: name.startsWith('path_') || name.startsWith('fd_')
        ? 'use the wasmcloud:blobstore or wasmcloud:keyvalue capability instead of files; remove code that opens files (e.g. config loading, os.Open/std::fs)'
        : name.startsWith('sock_') ? 'use the wasmcloud:httpclient or wasmcloud:messaging capability instead of sockets'
          : `remove the code that calls ${name}`,
    };
  }
  const bad = wrongSignature(name, type, want, 'WASI preview1');
  return bad ? { class: 'wasi', problem: bad, explanation: 'the WASI shim would be called with mismatched arguments', fix: 'rebuild with a standard wasi-libc / TinyGo toolchain' } : { class: 'wasi' };
}

function classifyEnv(name: string): Verdict {
  if (name.startsWith('syscall/js.')) {
    return {
      class: 'tinygo-syscall-js', problem: `TinyGo syscall/js shim ${name}`,
      explanation: 'syscall/js functions are JavaScript host shims from TinyGo\'s wasm_exec.js; no wasmCloud host provides them, so the module only runs in a browser/Node glue environment',
      fix: FIX_TINYGO_JSON,
    };
  }
  if (name.startsWith('runtime.')) {
    return {
      class: 'tinygo-js-runtime', problem: `TinyGo JavaScript runtime hook ${name}`,
      explanation: 'TinyGo `-target wasm` builds expect wasm_exec.js to provide runtime.* hooks (ticks, sleepTicks); they appear when code uses the time package or goroutine scheduling',
      fix: 'build with `tinygo build -target wasm -scheduler none -no-debug` and avoid time.Now/time.Sleep in the actor (use the wasmcloud:builtin:numbergen or a provider for time-dependent work)',
    };
  }
  if (name === 'abort' || name === 'trace' || name === 'seed') {
    const fixes: Record<string, string> = {
      abort: 'AssemblyScript imports env.abort by default: build with `asc --use abort=` (no import) or `--use abort=assembly/index/myAbort` pointing at your own function',
      trace: 'remove trace() calls (AssemblyScript imports env.trace for them); log through wasmcloud:builtin:logging instead',
      seed: 'Math.random makes AssemblyScript import env.seed: use the wasmcloud:builtin:numbergen capability, or `asc --use seed=assembly/index/mySeed`',
    };
    return {
      class: 'assemblyscript', problem: `AssemblyScript runtime import env.${name}`,
      explanation: `the AssemblyScript compiler expects the embedder (its JS loader) to provide env.${name}; wasmCloud hosts do not`,
      fix: fixes[name]!,
    };
  }
  return {
    class: 'env', problem: `unresolved import env.${name}`,
    explanation: `env.${name} is a symbol the compiler/linker left undefined for the embedder to supply (C/emscripten-style \`env\` module); no wasmCloud host supplies it`,
    fix: `define ${name} inside the module or link the library that provides it; with clang/wasm-ld drop --allow-undefined so the linker reports it at build time`,
  };
}

/** Classify one import. Pure; exported for tests and the runtime's error messages. */
export function classifyImport(module: string, name: string, kind: ExternKind, type?: FuncType): Verdict {
  if ((WASMBUS_MODULES as readonly string[]).includes(module)) return classifyWasmbus(module, name, kind === 'func' ? type : undefined);
  if (module === WASI_MODULE) return classifyWasi(name, kind === 'func' ? type : undefined);
  if (module === 'env') {
    if (kind === 'memory') {
      return {
        class: 'env', problem: 'the module imports its linear memory (env.memory)',
        explanation: 'wasmCloud hosts expect every actor to define and export its own `memory`',
        fix: 'link without --import-memory (clang: drop -Wl,--import-memory; asc: drop --importMemory) and export the memory',
      };
    }
    if (kind !== 'func') {
      return { class: 'env', problem: `imports a ${kind} env.${name}`, explanation: 'wasmCloud hosts only provide functions, and only from wasmbus/wapc/WASI', fix: `define ${name} inside the module instead of importing it` };
    }
    return classifyEnv(name);
  }
  if (module === 'gojs' || module === 'go') {
    return {
      class: 'go-js', problem: `Go GOOS=js import ${module}.${name}`,
      explanation: 'modules built with GOOS=js GOARCH=wasm (or TinyGo with its JS glue) call into wasm_exec.js for everything (memory, time, syscalls); they cannot run without that JavaScript glue',
      fix: 'build the actor with TinyGo and the wasmCloud SDK: `tinygo build -target wasm -scheduler none -no-debug` using github.com/wasmcloud/actor-tinygo',
    };
  }
  if (module === 'wbg' || module.startsWith('__wbindgen') || name.startsWith('__wbindgen') || name.startsWith('__wbg_')) {
    return {
      class: 'wasm-bindgen', problem: `wasm-bindgen import ${module}.${name}`,
      explanation: 'wasm-bindgen generates imports that only its generated JavaScript glue can satisfy; some crate in the dependency tree enabled it',
      fix: 'build for wasm32-unknown-unknown without wasm-bindgen: use wasmbus-rpc for the actor interface and disable `js`/`wasm-bindgen` features in dependencies (e.g. getrandom `js`, uuid `js`, chrono `wasmbind`); `cargo tree -i wasm-bindgen` shows who pulls it in',
    };
  }
  if (module.includes('wasi')) {
    return {
      class: 'wasi-unsupported', problem: `${module} is not the WASI version actors use`,
      explanation: `Stratus (like wasmCloud's actor hosts) provides only ${WASI_MODULE}; ${module} is an older or newer WASI ABI`,
      fix: `rebuild against ${WASI_MODULE} (e.g. --target wasm32-wasi / wasm32-wasip1 with a current toolchain)`,
    };
  }
  return {
    class: 'unknown-module', problem: `import from unknown module "${module}"`,
    explanation: `no wasmCloud host provides a module named "${module}"; actors may import only from wasmbus, wapc and ${WASI_MODULE}`,
    fix: `remove the dependency that imports ${module}.${name}, or call that functionality through a capability provider`,
  };
}

function checkExports(info: ModuleInfo): { exports: ExportReport[]; problems: PortabilityProblem[]; initFunctions: string[] } {
  const problems: PortabilityProblem[] = [];
  const byName = new Map(info.exports.map((e) => [e.name, e]));
  const exports: ExportReport[] = info.exports.map((e) => {
    const r: ExportReport = { name: e.name, kind: e.kind, role: 'other' };
    if (e.type) r.signature = formatFuncType(e.type);
    const req = REQUIRED_EXPORTS[e.name];
    const opt = OPTIONAL_EXPORTS[e.name];
    if (req) {
      r.role = 'required';
      if (e.kind !== req.kind) r.problem = `is a ${e.kind}, must be a ${req.kind}`;
      else if (req.type && e.type && !sameFuncType(e.type, req.type)) r.problem = `has signature ${formatFuncType(e.type)}, must be ${formatFuncType(req.type)}`;
    } else if (opt) {
      r.role = 'optional';
      if (e.kind !== 'func') r.problem = `is a ${e.kind}, must be a function`;
      else if (e.type && !sameFuncType(e.type, opt)) r.problem = `has signature ${formatFuncType(e.type)}, the host calls it as ${formatFuncType(opt)}`;
    }
    if (r.problem) {
      problems.push({ subject: `export ${e.name}`, class: 'export', problem: `export ${e.name} ${r.problem}`, explanation: 'the host calls this export with the wasmbus ABI signature (reference §1.3)', fix: 'rebuild with the wasmCloud actor SDK (wasmbus-rpc / actor-tinygo), which generates it correctly' });
    }
    return r;
  });
  for (const [name, req] of Object.entries(REQUIRED_EXPORTS)) {
    if (!byName.has(name)) {
      problems.push({
        subject: `export ${name}`, class: 'export', problem: `missing required export ${name}${req.type ? ` ${formatFuncType(req.type)}` : ''}`,
        explanation: name === 'memory' ? 'the host exchanges every payload through the actor\'s exported linear memory' : '__guest_call is the entry point the host calls for every operation',
        fix: name === 'memory'
          ? 'export the memory (it is exported by default by rustc, TinyGo and asc; for clang add -Wl,--export-memory if you changed the default)'
          : 'build with the wasmCloud actor SDK (wasmbus-rpc `#[derive(Actor)]` / actor-tinygo `actor.RegisterHandlers`), or export `__guest_call(op_len: i32, payload_len: i32) -> i32`',
      });
    }
  }
  const initFunctions = Object.keys(OPTIONAL_EXPORTS).filter((n) => byName.get(n)?.kind === 'func');
  return { exports, problems, initFunctions };
}

/** Inspect a module. Throws INVALID_MODULE if the bytes are not a readable module. */
export function checkPortability(bytes: Uint8Array): PortabilityReport {
  const info = parseModule(bytes);
  const problems: PortabilityProblem[] = [];
  const imports: ImportReport[] = info.imports.map((imp) => {
    const v = classifyImport(imp.module, imp.name, imp.kind, imp.type);
    const r: ImportReport = { module: imp.module, name: imp.name, kind: imp.kind, ...(imp.type ? { signature: formatFuncType(imp.type) } : {}), ...v };
    if (v.problem) problems.push({ subject: `${imp.module}.${imp.name}`, class: v.class, problem: v.problem, explanation: v.explanation!, fix: v.fix! });
    return r;
  });
  const ex = checkExports(info);
  problems.push(...ex.problems);
  return { portable: problems.length === 0, imports, exports: ex.exports, problems, initFunctions: ex.initFunctions };
}

/** Problems grouped by family so a dozen syscall/js imports give one explanation. */
function groupProblems(problems: PortabilityProblem[]): { cls: string; subjects: string[]; explanation: string; fix: string; problems: string[] }[] {
  const groups = new Map<string, { cls: string; subjects: string[]; explanation: string; fix: string; problems: string[] }>();
  for (const p of problems) {
    const key = `${p.class}\u0000${p.explanation}\u0000${p.fix}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { cls: p.class, subjects: [], explanation: p.explanation, fix: p.fix, problems: [] }));
    g.subjects.push(p.subject);
    g.problems.push(p.problem);
  }
  return [...groups.values()];
}

const CLASS_TITLES: Record<string, string> = {
  'tinygo-syscall-js': 'TinyGo syscall/js (JavaScript host shims)',
  'tinygo-js-runtime': 'TinyGo JavaScript runtime hooks',
  'go-js': 'Go GOOS=js glue',
  'wasm-bindgen': 'wasm-bindgen glue',
  assemblyscript: 'AssemblyScript runtime imports',
  env: 'unresolved env imports',
  'wasi-unsupported': 'WASI functions actors do not get',
  'unknown-module': 'imports from unknown modules',
  wasmbus: 'wasmbus ABI mismatch',
  wapc: 'wapc ABI mismatch',
  wasi: 'WASI signature mismatch',
  export: 'exports',
};

function describeGroups(problems: PortabilityProblem[]): string[] {
  return groupProblems(problems).map((g) => {
    const list = g.subjects.length > 6 ? `${g.subjects.slice(0, 6).join(', ')} and ${g.subjects.length - 6} more` : g.subjects.join(', ');
    const detail = g.problems.length === 1 ? g.problems[0]! : `${g.problems.length} problems: ${list}`;
    return `✗ ${CLASS_TITLES[g.cls] ?? g.cls} — ${detail}\n    why: ${g.explanation}\n    fix: ${g.fix}`;
  });
}

/** Human-readable report (what `stratus inspect` prints). */
export function formatPortabilityReport(report: PortabilityReport, label = 'module'): string {
  const lines: string[] = [];
  lines.push(`${label}: ${report.portable ? 'PORTABLE — runs on any wasmCloud host and on Stratus' : `NOT PORTABLE (${report.problems.length} problem${report.problems.length === 1 ? '' : 's'})`}`);
  lines.push('', 'Imports:');
  if (report.imports.length === 0) lines.push('  (none)');
  for (const i of report.imports) {
    lines.push(`  ${i.problem ? '✗' : '✓'} ${i.module}.${i.name}${i.signature ? ` ${i.signature}` : ` [${i.kind}]`}  ${i.class}`);
  }
  lines.push('', 'Exports:');
  for (const name of [...Object.keys(REQUIRED_EXPORTS), ...Object.keys(OPTIONAL_EXPORTS)]) {
    const e = report.exports.find((x) => x.name === name);
    const required = name in REQUIRED_EXPORTS;
    if (!e && !required) continue;
    const mark = !e || e.problem ? '✗' : '✓';
    lines.push(`  ${mark} ${name}${e?.signature ? ` ${e.signature}` : ''}  ${required ? 'required' : 'optional'}${!e ? ' — MISSING' : e.problem ? ` — ${e.problem}` : ''}`);
  }
  const others = report.exports.filter((e) => e.role === 'other').map((e) => e.name);
  if (others.length) lines.push(`  (other exports: ${others.join(', ')})`);
  if (report.initFunctions.length) lines.push(`  init order: ${report.initFunctions.join(' → ')}`);
  if (!report.portable) lines.push('', 'Problems:', ...describeGroups(report.problems).map((s) => `  ${s.replace(/\n/g, '\n  ')}`));
  return lines.join('\n');
}

/**
 * Refuse a module that cannot run: NOT_PORTABLE for foreign/mismatched imports,
 * MISSING_EXPORT when only required exports are missing/wrong. Returns the report otherwise.
 */
export function assertPortable(bytes: Uint8Array): PortabilityReport {
  const report = checkPortability(bytes);
  if (report.portable) return report;
  const importProblems = report.problems.filter((p) => p.class !== 'export');
  const code = importProblems.length > 0 ? 'NOT_PORTABLE' : 'MISSING_EXPORT';
  throw new StratusError(code,
    `the actor is not portable: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}\n  ` + describeGroups(report.problems).join('\n  ').replace(/\n {4}/g, '\n      '),
    'run `stratus inspect <file.wasm>` for the full report');
}
