// `stratus dev`: the inner loop (like `wash dev` / `spin watch`). Build the project, start a host
// (or use the one already running), deploy with links from the actor's claims, and on every save
// rebuild and live-update the actor (same key, next revision). Ctrl-C undoes what it added.
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { addOutputOption, EXIT, fail, outputFormat, type OutputFormat } from '../output.js';
import { StratusError } from '../../core/errors.js';
import { controlPaths } from '../../control/paths.js';
import { controlRequest } from '../../control/client.js';
import type { HostView } from '../../host/views.js';
import { loadConfig } from '../../toolchain/config.js';
import { ensurePrivateHome } from '../private-home.js';
import { ProjectBuilder } from '../../control/dev/builder.js';
import { Progress, seconds } from '../../control/dev/progress.js';
import { DevSession, type DevEvent } from '../../control/dev/loop.js';
import { controllerTarget, socketTarget, type DevTarget } from '../../control/dev/target.js';

interface DevOptions { port: string; path: string; address: string; output?: string }

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new StratusError('BAD_REQUEST', `--port must be a port number 1-65535, got "${v}"`, 'e.g. --port 8080');
  return n;
}

function eventText(e: DevEvent): string | undefined {
  switch (e.event) {
    case 'ready': return [
      `Built ${e.name} (revision ${e.revision}) in ${seconds(e.build_ms)}; ${e.host === 'started' ? 'started host' : 'deployed to the running host'} ${e.host_id}`,
      `  actor id: ${e.actor_id}`,
      ...(e.url ? [`  serving:  ${e.url}`] : []),
      ...e.notes.map((n) => `  note: ${n}`),
      'Watching for changes (Ctrl-C to stop)',
    ].join('\n');
    case 'change': return undefined;
    case 'updated': return `✓ revision ${e.revision} live ${seconds(e.total_ms)} after the save (build ${seconds(e.build_ms)}, update ${seconds(e.update_ms)})`;
    case 'build_failed': return `✗ build failed; still serving revision ${e.serving_revision}\n${e.error}`;
    case 'update_failed': return `✗ update failed; still serving revision ${e.serving_revision}\n${e.error}`;
    case 'stopped': return 'stopped';
  }
}

/** A host for the session: the one on $STRATUS_HOME's socket, or a new one in this process. */
async function openTarget(progress: Progress, format: OutputFormat): Promise<DevTarget> {
  const paths = controlPaths();
  try {
    const h = await controlRequest<HostView>('GET', '/v1/host', undefined, paths.socket, 5000);
    return socketTarget(paths.socket, h.id);
  } catch { /* no host: start one */ }
  ensurePrivateHome(paths.home);
  const { runHost } = await import('../../control/daemon.js');
  const { value: host } = await progress.step('starting a host', () => runHost({
    // the host's own lines only when they matter; dev prints its own progress
    note: format === 'json' ? () => {} : (t) => { if (/^restored /.test(t)) progress.line(t); },
    log: (level, text) => { if (level === 'warn' || level === 'error') process.stderr.write(`${level}: ${text}\n`); },
  }));
  return controllerTarget(host.controller, () => host.stop());
}

export function register(program: Command): void {
  addOutputOption(
    program.command('dev')
      .description('build, deploy and live-update the actor project on every save (like `wash dev`)')
      .option('-p, --path <dir>', 'project directory containing stratus.json', '.')
      .option('--port <port>', 'HTTP port for an actor that claims wasmcloud:httpserver', '8080')
      .option('--address <ip>', 'address the HTTP server listens on', '127.0.0.1')
      .addHelpText('after', `
Uses the host already running under $STRATUS_HOME (\`stratus up --detached\`) or starts one in this
process. Links come from the actor's claims: wasmcloud:httpserver on --port, wasmcloud:keyvalue on the
embedded durable store; logging and numbergen need none. Each save rebuilds and live-updates the actor
(same key, next revision) without dropping requests; a failed build leaves the running version serving.
Ctrl-C removes what dev added (and stops the host if dev started it).
With -o json, each event is one JSON line (ready, change, updated, build_failed, update_failed, stopped).

Exit codes: 0 stopped by Ctrl-C, 1 the first build or deploy failed, 2 bad arguments, 3 invalid project.`),
  ).action(async (o: DevOptions) => {
    let format: OutputFormat = 'text';
    let session: DevSession | undefined;
    try {
      format = outputFormat(o);
      const port = parsePort(o.port);
      const dir = resolve(o.path);
      loadConfig(dir); // a missing or bad stratus.json is said before anything starts
      const progress = new Progress(format === 'json' ? { write: () => true } : process.stderr);
      const report = (e: DevEvent) => {
        if (format === 'json') process.stdout.write(JSON.stringify(e) + '\n');
        else {
          const t = eventText(e);
          if (t) process.stdout.write(t + '\n');
        }
      };
      const target = await openTarget(progress, format);
      const builder = new ProjectBuilder();
      session = new DevSession({ dir, port, address: o.address, target, builder, progress, report });
      let interrupted = false;
      const onSignal = () => {
        if (interrupted) process.exit(130); // a second Ctrl-C: leave now
        interrupted = true;
        void session!.stop().then(() => process.exit(EXIT.OK));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await session.start();
      } catch (e) {
        // Ctrl-C during the first build: the session's stop is already taking things down
        if (interrupted) return;
        await builder.close();
        await target.close();
        throw e;
      }
    } catch (e) {
      fail(format, e);
      process.exit(process.exitCode ?? EXIT.FAILED);
    }
  });
}
