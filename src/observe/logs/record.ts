// One log line as data, and its two renderings: a JSON line (`--log-format json`, the detached
// host's file) and a line for people. Pure.
import type { LogLevel } from './levels.js';
import { levelRank } from './levels.js';

export interface LogRecord {
  /** ISO 8601, UTC. */
  time: string;
  level: LogLevel;
  msg: string;
  /** The host's id (N...). */
  host?: string;
  actor?: string;
  actor_name?: string;
  provider?: string;
  provider_name?: string;
  /** Invocation id, where the invocation has one. */
  invocation?: string;
  trace_id?: string;
}

export function formatJson(r: LogRecord): string {
  return JSON.stringify(r) + '\n';
}

function short(key: string): string {
  return key.length > 12 ? `${key.slice(0, 8)}…` : key;
}

/** What a line is about, for people: `[kvcounter MB2XK4QF…]`, `[httpserver VBMRVPJG… → kvcounter MB2XK4QF…]`. */
export function subjectOf(r: LogRecord): string {
  const actor = r.actor ? `${r.actor_name ? `${r.actor_name} ` : ''}${short(r.actor)}` : '';
  const provider = r.provider ? `${r.provider_name ? `${r.provider_name} ` : ''}${short(r.provider)}` : '';
  if (provider && actor) return `[${provider} → ${actor}] `;
  if (provider || actor) return `[${provider || actor}] `;
  return '';
}

export function formatText(r: LogRecord): string {
  const extra = [r.invocation ? `invocation ${r.invocation}` : '', r.trace_id ? `trace ${r.trace_id}` : ''].filter(Boolean).join(', ');
  return `[${r.time}] ${r.level.padEnd(5)} ${subjectOf(r)}${r.msg}${extra ? ` (${extra})` : ''}\n`;
}

/** A line of a log file back as a record; undefined for a line that is not one (a plain note). */
export function parseLogLine(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(line) as Partial<LogRecord>;
    if (typeof v.msg !== 'string' || typeof v.time !== 'string' || levelRank(String(v.level)) < 0) return undefined;
    return v as LogRecord;
  } catch {
    return undefined;
  }
}
