// `stratus logs`: the host's log ($STRATUS_HOME/host.log, written by `stratus up --detached`) with
// actor and provider names, optionally one actor's lines only, and followed as the host writes.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { addOutputOption, commandAction, type OutputFormat } from '../output.js';
import { StratusError } from '../../core/errors.js';
import { controlPaths } from '../../control/paths.js';
import { controlRequest } from '../../control/client.js';
import { tailFile } from '../../observe/logs/log-file.js';
import { formatJson, formatText, parseLogLine, type LogRecord } from '../../observe/logs/record.js';
import { ActorFilter } from '../../observe/logs/actor-filter.js';

interface LogsOptions { follow?: boolean; actor?: string; tail?: string }

interface InventoryActors { actors: { id: string; name: string }[] }

/** Actor names by key from the running host, if one answers (the log file names most of them too). */
async function runningActors(socket: string): Promise<Map<string, string>> {
  try {
    const inv = await controlRequest<InventoryActors>('GET', '/v1/inventory', undefined, socket, 2000);
    return new Map(inv.actors.map((a) => [a.id, a.name]));
  } catch {
    return new Map();
  }
}

function parseTail(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new StratusError('BAD_REQUEST', `--tail must be a whole number of lines, got "${v}"`);
  return n;
}

/** Registers `logs`. */
export function register(program: Command): void {
  const logs = program.command('logs')
    .description('show the host log ($STRATUS_HOME/host.log, written by `stratus up --detached`) with actor and provider names')
    .option('-f, --follow', 'keep printing lines as the host writes them (Ctrl-C stops)')
    .option('--actor <name|key>', 'only the lines about this actor: its name or its M... key')
    .option('-n, --tail <lines>', 'start with the last N lines instead of the whole file');
  addOutputOption(logs).action(commandAction(async (format: OutputFormat, o: LogsOptions) => {
    const tail = parseTail(o.tail);
    const paths = controlPaths();
    if (!existsSync(paths.logFile)) {
      throw new StratusError('BAD_REQUEST', `there is no host log at ${paths.logFile}`,
        'a host started with `stratus up --detached` writes it; a host in the foreground logs to its terminal');
    }
    const names = await runningActors(paths.socket);
    const filter = o.actor === undefined ? undefined
      : new ActorFilter(o.actor, [...names].filter(([, name]) => name === o.actor).map(([id]) => id));

    const show = (line: string): string | undefined => {
      const r = parseLogLine(line);
      if (!r) {
        // a plain note of the host (not a record): shown as it is, never as JSON
        if (format === 'json' || line === '' || (filter && !filter.mentions(line))) return undefined;
        return line + '\n';
      }
      if (r.actor && r.actor_name) names.set(r.actor, r.actor_name);
      if (filter && !filter.matches(r)) return undefined;
      const named: LogRecord = r.actor && !r.actor_name && names.has(r.actor) ? { ...r, actor_name: names.get(r.actor)! } : r;
      return format === 'json' ? formatJson(named) : formatText(named);
    };

    // with --tail, the file's lines are held until it has been read, then the last N are printed
    let held: string[] | undefined = tail === undefined ? undefined : [];
    const out = (text: string) => {
      if (held) {
        held.push(text);
        if (held.length > tail!) held.shift();
      } else process.stdout.write(text);
    };
    await tailFile(paths.logFile, {
      follow: o.follow === true,
      onLine: (line) => { const t = show(line); if (t !== undefined) out(t); },
      onCaughtUp: () => {
        if (held) process.stdout.write(held.join(''));
        held = undefined;
      },
    });
  }));
}
