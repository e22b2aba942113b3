// Load generation and CPU accounting shared by the HTTP benchmarks: wrk against a server process,
// the process's CPU time per request from /proc (Linux), waiting for and stopping servers.
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Free loopback ports: the tests' helper. */
export { freePort } from '../test/support/servers.js';

export interface WrkOptions { threads: number; connections: number; duration: number }

export interface WrkResult { rps: number; p50ms: number; p99ms: number; errors: number; requests?: number; cpuUsPerReq?: number; mainUsPerReq?: number }

/** CPU time (user+sys, all threads) a process has used, in microseconds, from /proc (Linux). */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000; // utime, stime in 100 Hz ticks
}

/** CPU time of each thread of a process (tid -> microseconds). */
export function threadMicros(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, (Number(f[11]) + Number(f[12])) * 10_000);
    } catch { /* thread ended */ }
  }
  return out;
}

/** Run wrk and charge the server process's CPU time to the requests it served (main thread vs the rest). */
export function measure(url: string, pid: number, o: WrkOptions): WrkResult {
  const before = cpuMicros(pid);
  const t0 = threadMicros(pid);
  const r = wrk(url, o.duration, o);
  const used = cpuMicros(pid) - before;
  const t1 = threadMicros(pid);
  const requests = r.requests ?? r.rps * o.duration;
  const main = (t1.get(String(pid)) ?? 0) - (t0.get(String(pid)) ?? 0);
  return { ...r, cpuUsPerReq: used / requests, mainUsPerReq: main / requests };
}


function toMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

export function parseWrk(out: string): WrkResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const pct = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  return { rps, p50ms: pct('50'), p99ms: pct('99'), errors, requests };
}

export function wrk(url: string, seconds: number, o: Pick<WrkOptions, 'threads' | 'connections'>): WrkResult {
  const r = spawnSync('wrk', [`-t${o.threads}`, `-c${o.connections}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  if (r.error) throw new Error(`wrk could not run (${r.error.message}); install it with \`apt-get install wrk\``);
  return parseWrk(r.stdout);
}

export async function waitForHttp(url: string, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      await res.text();
      if (res.status === 200) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not answer 200 on ${url}`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const done = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await done;
  clearTimeout(t);
}

