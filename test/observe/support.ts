// Helpers for the observe tests: an observed host in this process, HTTP over real sockets, and
// the Prometheus text format read back into series.
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Host } from '../../src/host/host.js';
import type { HostOptions } from '../../src/host/api.js';
import { Observability, type ObserveOptions } from '../../src/observe/observability.js';
import { HostMetrics } from '../../src/observe/metrics/host-metrics.js';
import { HostTracer } from '../../src/observe/tracing/host-tracer.js';

export interface ObservedHost { host: Host; obs: Observability; logs: { level: string; text: string }[]; dispose(): Promise<void> }

/** A host with `observe` attached as control/compose.ts does it. */
export function observedHost(observe: ObserveOptions, opts: HostOptions = {}): ObservedHost {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-observe-'));
  const obs = new Observability(observe, { HostMetrics, HostTracer });
  const logs: { level: string; text: string }[] = [];
  const host = new Host({ dataDir, log: observe.logger?.log ?? ((level, text) => logs.push({ level, text })), telemetry: obs.telemetry, ...opts });
  obs.attach(host);
  return {
    host, obs, logs,
    async dispose() {
      await host.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function httpGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** `name{labels}` -> value, for every sample line of a Prometheus text exposition. */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}
