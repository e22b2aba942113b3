// Shared by the lattice dashboard's browser tests: `stratus ui -x` as a child process, and waiting.
import { spawn } from 'node:child_process';
import { STRATUS_BIN } from '../e2e/support.js';

export async function eventually(pred: () => Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `stratus ui` in lattice mode, in the foreground: resolves with its address and token once printed. */
export async function latticeDashboard(home: string, args: string[]) {
  const child = spawn(process.execPath, [STRATUS_BIN, 'ui', ...args], { env: { ...process.env, STRATUS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b; });
  child.stderr.on('data', (b: Buffer) => { out += b; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const m = /dashboard: (\S+)\n {2}token: (\S+)/.exec(out);
    if (m) return { url: m[1]!, token: m[2]!, output: () => out, exitCode: () => child.exitCode, stop: async () => { child.kill('SIGTERM'); return exited; } };
    if (child.exitCode !== null) throw new Error(`stratus ui ${args.join(' ')} exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`stratus ui printed no address within 30 s:\n${out}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
}
