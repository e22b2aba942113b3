// Client side of the dev build process (build-worker.ts): one build at a time, answered by id.
// If the process dies (a compiler crash, out of memory) the build in flight fails with what it
// printed, and the next build starts a fresh process.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { StratusError, type StratusErrorCode } from '../../core/errors.js';

export interface BuildRequest { id: number; dir: string; revision: number }

export interface DevBuildResult {
  name: string;
  wasmPath: string;
  publicKey: string;
  revision: number;
  caps: string[];
  /** Compile + check + sign inside the build process. */
  buildMs: number;
  warnings: string;
}

export type BuildReply =
  | { id: number; ok: true; result: DevBuildResult }
  | { id: number; ok: false; error: string; code: StratusErrorCode };

interface Waiting { resolve(r: DevBuildResult): void; reject(e: Error): void }

export class ProjectBuilder {
  private child: ChildProcess | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private output = '';

  /** Build `dir`, signing with `revision`; rejects with the build's own error (code kept). */
  build(dir: string, revision: number): Promise<DevBuildResult> {
    const child = this.ensureChild();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      child.send({ id, dir, revision } satisfies BuildRequest);
    });
  }

  private ensureChild(): ChildProcess {
    if (this.child && this.child.exitCode === null && this.child.connected) return this.child;
    const script = fileURLToPath(new URL('./build-worker.js', import.meta.url));
    const child = fork(script, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    this.output = '';
    const keep = (b: Buffer) => { this.output = (this.output + b.toString()).slice(-4000); };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('message', (m: BuildReply) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.result);
      else w.reject(new StratusError(m.code, m.error));
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const why = `the build process exited (${signal ?? `code ${code}`}) during the build${this.output.trim() ? `:\n${this.output.trim()}` : ''}`;
      for (const w of this.waiting.values()) w.reject(new StratusError('BUILD_FAILED', why, 'save again to retry'));
      this.waiting.clear();
    });
    this.child = child;
    return child;
  }

  /** Stop the build process (a build in flight fails). */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    await exited;
  }
}
