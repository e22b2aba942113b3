// Log levels and formats, as `stratus up --log-level / --log-format` take them.
import { StratusError } from '../../core/errors.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Severity rank: a logger set to `level` writes lines of this rank or above. */
export function levelRank(level: string): number {
  return LOG_LEVELS.indexOf(level as LogLevel);
}

export function parseLogLevel(v: string | undefined, option = '--log-level'): LogLevel {
  const l = (v ?? 'info').toLowerCase();
  if (levelRank(l) < 0) throw new StratusError('BAD_REQUEST', `${option} must be one of ${LOG_LEVELS.join(', ')}, got "${v}"`);
  return l as LogLevel;
}

export function parseLogFormat(v: string | undefined, option = '--log-format'): LogFormat {
  const f = (v ?? 'text').toLowerCase();
  if (!(LOG_FORMATS as readonly string[]).includes(f)) throw new StratusError('BAD_REQUEST', `${option} must be text or json, got "${v}"`);
  return f as LogFormat;
}
