// Running npm and the packed project the way a user would, from temporary directories outside
// the repository.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (tests run from dist/test/library). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Run { code: number | null; stdout: string; stderr: string }

/**
 * Run a command to completion, capturing its output (never throws for a non-zero exit). The test
 * runner's NODE_TEST_CONTEXT is removed: a `node --test` started with it skips every file and
 * still exits 0, which would pass a project's `npm test` that ran nothing.
 */
export function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Run> {
  const env = { ...(opts.env ?? process.env) };
  delete env.NODE_TEST_CONTEXT;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b; });
    child.stderr.on('data', (b: Buffer) => { stderr += b; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `stratus-${prefix}-`));
}

/**
 * npm as on a machine that has only npm's defaults: a user config of its own (empty), so settings
 * of this machine's ~/.npmrc cannot hide what a user would see. The npm cache stays shared, so
 * installs do not download what earlier runs fetched.
 */
export function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = tempDir('npmrc');
  const userconfig = join(dir, 'npmrc');
  writeFileSync(userconfig, 'fund=false\naudit=false\nupdate-notifier=false\n');
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_userconfig: userconfig, ...extra };
  // Variables npm sets for the scripts it runs (npm test runs this file) must not leak in.
  for (const k of Object.keys(env)) if (/^npm_(?!config_userconfig$|config_cache$)/i.test(k)) delete env[k];
  return env;
}

/** `npm pack` of the built project (dist/ is built by `npm test`'s pretest); returns the tarball's path. */
export async function packProject(): Promise<string> {
  const dest = tempDir('pack');
  const r = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dest], { cwd: ROOT, env: npmEnv() });
  if (r.code !== 0) throw new Error(`npm pack failed (${r.code}):\n${r.stderr}`);
  const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack wrote no tarball in ${dest}:\n${r.stdout}\n${r.stderr}`);
  return join(dest, tgz);
}

export function describeRun(r: Run): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`;
}
