// `stratus app deploy|undeploy|list`: whole applications from a YAML manifest (wadm-like).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addOutputOption, emit, EXIT, fail, outputFormat, type OutputFormat } from '../output.js';
import { isStratusError } from '../../host/errors.js';
import { controlRequest } from '../../control/client.js';
import { renderTable } from '../../control/table.js';
import type { AppRecord } from '../../control/state-store.js';
import type { AppStatus } from '../../control/controller.js';

function run(fn: (format: OutputFormat, ...args: any[]) => Promise<void>) {
  return async (...args: unknown[]) => {
    const o = (args[args.length - 1] as Command).opts() as { output?: string };
    let format: OutputFormat = 'text';
    try {
      format = outputFormat(o);
      await fn(format, ...args.slice(0, -2));
    } catch (e) {
      // A rejected manifest is "input rejected" (exit 3), like other validation failures.
      fail(format, e, isStratusError(e, 'BAD_REQUEST') && /^manifest /.test(e.message) ? EXIT.INVALID : EXIT.FAILED);
    }
  };
}

export function register(program: Command): void {
  const app = program.command('app').description('deploy, undeploy and list applications described by a YAML manifest');
  addOutputOption(app.command('deploy <manifest>').description('start what the manifest needs and put its links (on the running host)'))
    .action(run(async (format, manifest: string) => {
      const r = await controlRequest<AppRecord>('POST', '/v1/apps', { manifest: resolve(manifest) });
      emit(format, r, () => `deployed application "${r.name}": ${r.actors.length} actor(s), ${r.providers.length} provider(s), ${r.links.length} link(s)`);
    }));
  addOutputOption(app.command('undeploy <name>').description("remove an application's links, actors and providers"))
    .action(run(async (format, name: string) => {
      const r = await controlRequest<AppRecord>('DELETE', `/v1/apps/${encodeURIComponent(name)}`);
      emit(format, { name: r.name, undeployed: true }, () => `undeployed application "${r.name}"`);
    }));
  addOutputOption(app.command('list').description('list deployed applications and their status'))
    .action(run(async (format) => {
      const r = await controlRequest<{ apps: AppStatus[] }>('GET', '/v1/apps');
      emit(format, r, () => {
        const table = renderTable(['Name', 'Status', 'Actors', 'Providers', 'Links', 'Manifest'],
          r.apps.map((a) => [a.name, a.status, String(a.actors), String(a.providers), String(a.links), a.manifestPath]));
        const problems = r.apps.flatMap((a) => a.problems.map((p) => `  ${a.name}: ${p}`));
        return problems.length ? `${table}\n\nproblems:\n${problems.join('\n')}` : table;
      });
    }));
}
