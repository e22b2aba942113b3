// `stratus app deploy|undeploy|list|status|get|validate`: whole applications from a YAML manifest,
// Stratus's own format or wadm's `core.oam.dev/v1beta1` Applications (docs/app-manifests.md).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addOutputOption, commandAction as run, emit, EXIT } from '../output.js';
import { controlRequest } from '../../control/client.js';
import { APP_MANIFEST, checkUserFile, readUserFile } from '../../core/user-files.js';
import { renderTable } from '../../control/table.js';
import type { AppRecord } from '../../control/state-store.js';
import type { AppDetail, AppStatus, DeployResult, UndeployResult } from '../../control/controller.js';
import { describeChanges } from '../../control/app-changes.js';
import { StratusError } from '../../core/errors.js';
import { addLatticeOptions, isLatticeMode, latticeSettings, type LatticeFlags } from '../lattice/options.js';

export function register(program: Command): void {
  const app = program.command('app').description('deploy, undeploy, inspect and validate applications described by a YAML manifest (Stratus or wadm format)');
  addLatticeOptions(addOutputOption(app.command('deploy <manifest>')
    .description('start what the manifest needs and put its links (on the running host; with lattice flags across the hosts of a lattice, placed by auction); says what it built, started, replaced or left alone')
    .option('--dry-run', 'show what would change, change nothing')))
    .action(run(async (format, manifest: string, o: LatticeFlags & { dryRun?: boolean }) => {
      // Checked here too so a wrong path is reported before the host is contacted; the host
      // checks again when it reads the file.
      await checkUserFile(resolve(manifest), APP_MANIFEST);
      if (isLatticeMode(o, process.env)) {
        if (o.dryRun) throw new StratusError('BAD_REQUEST', '--dry-run is not available for lattice deploys yet', 'run `stratus app validate <manifest>` to check the manifest, or drop --dry-run');
        const { deployToLattice } = await import('../lattice/app-lattice.js');
        return deployToLattice(format, latticeSettings(o, process.env), manifest);
      }
      const r = await controlRequest<DeployResult>('POST', '/v1/apps', { manifest: resolve(manifest), dry_run: o.dryRun === true });
      emit(format, r, () => [
        r.dryRun
          ? `dry run: deploying application "${r.name}" would change:`
          : `deployed application "${r.name}": ${r.actors.length} actor(s), ${r.providers.length} provider(s), ${r.links.length} link(s)`,
        ...describeChanges(r.changes, r.dryRun),
        ...r.notes.map((n) => `note: ${n}`),
        ...r.warnings.map((w) => `warning: ${w}`),
      ].join('\n'));
    }));
  addOutputOption(app.command('undeploy <name>')
    .description("remove what the application started (things started by hand before it, or still used by another app, stay)")
    .option('--dry-run', 'show what would be removed, change nothing'))
    .action(run(async (format, name: string, o: { dryRun?: boolean }) => {
      const r = await controlRequest<UndeployResult>('DELETE', `/v1/apps/${encodeURIComponent(name)}${o.dryRun ? '?dry_run=true' : ''}`);
      emit(format, r, () => [
        r.dryRun ? `dry run: undeploying application "${r.name}" would change:` : `undeployed application "${r.name}"`,
        ...(r.changes.length ? describeChanges(r.changes, r.dryRun) : ['  nothing of it is running']),
      ].join('\n'));
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
  addOutputOption(app.command('status <name>').description("an application's status: each actor, provider and link, running or not, and whether the app started it"))
    .action(run(async (format, name: string) => {
      const r = await controlRequest<AppDetail>('GET', `/v1/apps/${encodeURIComponent(name)}/status`);
      emit(format, r, () => [
        `application "${r.name}" (${r.format} manifest ${r.manifestPath}): ${r.status} since ${r.deployedAt}`,
        renderTable(['Kind', 'Name', 'Id', 'Running', 'Started by app'], r.components.map((c) => [
          c.kind, c.kind === 'provider' ? `${c.name} (${c.linkName})` : c.name, c.id,
          c.running ? (c.instances !== undefined ? `yes (${c.instances})` : 'yes') : 'NO', c.startedByApp ? 'yes' : 'no (running before)',
        ])),
        ...r.problems.map((p) => `problem: ${p}`),
        ...r.notes.map((n) => `note: ${n}`),
        ...r.warnings.map((w) => `warning: ${w}`),
      ].join('\n'));
    }));
  addOutputOption(app.command('get <name>').description('the manifest an application was deployed from (-o json: with what it runs)'))
    .action(run(async (format, name: string) => {
      const r = await controlRequest<AppRecord>('GET', `/v1/apps/${encodeURIComponent(name)}`);
      emit(format, r, () => r.manifestText ?? `# application "${r.name}" was deployed before manifests were kept; its file: ${r.manifestPath}`);
    }));
  addOutputOption(app.command('validate <manifest>')
    .description('check a manifest without a host: every problem with its line and a suggestion, and warnings (e.g. an actor claiming a contract it gets no link for)'))
    .action(run(async (format, manifest: string) => {
      const abs = resolve(manifest);
      const text = Buffer.from(await readUserFile(abs, APP_MANIFEST)).toString('utf8'); // checked and read in one go
      const { validateManifestFile } = await import('../../control/app-validate.js');
      const { formatProblem } = await import('../../control/manifest-problems.js');
      const r = await validateManifestFile(abs, text);
      emit(format, r, () => [
        r.valid ? `${manifest}: valid ${r.format} manifest "${r.name}" (${r.summary})` : `${manifest}: ${r.problems.length} problem(s)`,
        ...r.problems.map((p) => `${manifest}:${p.line ?? 1}: ${p.where === 'top level' ? '' : `${p.where}: `}${p.what}`),
        ...r.notes.map((n) => `note: ${n}`),
        ...r.warnings.map((w) => `warning: ${formatProblem(w)}`),
      ].join('\n'));
      if (!r.valid) process.exitCode = EXIT.REJECTED;
    }));
}
