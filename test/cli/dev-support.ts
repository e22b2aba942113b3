// Helpers for the `stratus dev` tests and bench: a real `stratus dev` child process whose JSON-line
// events can be awaited, and a new project made by the real template.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createActorProject } from '../../src/toolchain/scaffold.js';
import { STRATUS_BIN } from '../e2e/support.js';

export interface DevEventLine { event: string; [k: string]: unknown }

export interface DevProcess {
  child: ChildProcess;
  events: DevEventLine[];
  stderr(): string;
  /** Resolves with the first event (at or after index `from`) matching `pred`; fails on exit or timeout. */
  waitFor(pred: (e: DevEventLine) => boolean, what: string, from?: number, timeoutMs?: number): Promise<DevEventLine>;
  /** SIGINT (Ctrl-C) and wait for the exit code. */
  interrupt(): Promise<number | null>;
}

export function startDev(home: string, args: string[]): DevProcess {
  const child = spawn(process.execPath, [STRATUS_BIN, 'dev', '-o', 'json', ...args], { env: { ...process.env, STRATUS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: DevEventLine[] = [];
  let buf = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (b: Buffer) => {
    buf += b;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line) events.push(JSON.parse(line) as DevEventLine);
    }
    for (const w of waiters) w();
  });
  child.stderr!.on('data', (b: Buffer) => { err += b; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => { for (const w of waiters) w(); r(code); }));
  return {
    child, events, stderr: () => err,
    waitFor(pred, what, from = 0, timeoutMs = 600_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = events.slice(from).find(pred);
          if (hit) { done(); resolve(hit); return; }
          if (child.exitCode !== null) { done(); reject(new Error(`stratus dev exited (${child.exitCode}) before ${what}\nevents: ${JSON.stringify(events)}\nstderr: ${err}`)); }
        };
        const timer = setTimeout(() => { done(); reject(new Error(`no ${what} within ${timeoutMs} ms\nevents: ${JSON.stringify(events)}\nstderr: ${err}`)); }, timeoutMs);
        const done = () => { clearTimeout(timer); waiters.delete(check); };
        waiters.add(check);
        check();
      });
    },
    async interrupt() {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

/** A new hello project (the real template) under `dir`; returns its directory. */
export function helloProject(dir: string, name: string): string {
  return createActorProject(name, 'hello', join(dir, name)).dir;
}

/** Rewrite the hello actor's greeting (a save as an editor makes it: the whole file). */
export function setGreeting(project: string, greeting: string): void {
  const file = join(project, 'assembly/index.ts');
  const src = readFileSync(file, 'utf8').replace(/httpText\(200, "[^"]*"\)/, `httpText(200, ${JSON.stringify(greeting)})`);
  writeFileSync(file, src);
}

/** Break the source so it does not compile (a type error). */
export function breakSource(project: string): void {
  const file = join(project, 'assembly/index.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/return ok\(/, 'const broken: i32 = "not a number";\n  return ok('));
}
