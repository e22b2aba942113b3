// The host's log function (HostOptions.log): structured records with the host id, the actor or
// provider a line is about (key and name), and the trace where known; written as text or JSON
// lines, and kept in a LogStream for whoever tails the host in-process (the dashboard).
import type { EventBus, HostEventMap, LogFields } from '../../host/events.js';
import type { HostInventory } from '../../host/api.js';
import { levelRank, type LogFormat, type LogLevel } from './levels.js';
import { formatJson, formatText, type LogRecord } from './record.js';
import { LogStream } from './log-stream.js';

export interface HostLoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Where lines go (stderr for `stratus up`; the detached host's stderr is its log file). */
  write(line: string): void;
  /** Records kept for LogStream#recent. */
  keep?: number;
}

/** What the logger reads from the host: its id, and actor names for lines that name only a key. */
export interface LoggedHost {
  readonly id: string;
  readonly events: EventBus<HostEventMap>;
  inventory(): HostInventory;
}

export class HostLogger {
  readonly stream: LogStream;
  readonly level: LogLevel;
  private readonly min: number;
  private hostId?: string;
  /** Actor names by key, for lines that carry only the key (e.g. a provider's line about an actor). */
  private readonly names = new Map<string, string>();
  private readonly render: (r: LogRecord) => string;

  constructor(private readonly opts: HostLoggerOptions) {
    this.level = opts.level;
    this.min = levelRank(opts.level);
    this.stream = new LogStream(opts.keep ?? 1000);
    this.render = opts.format === 'json' ? formatJson : formatText;
  }

  /** Whether lines of `level` are written (callers skip building costly lines that are not). */
  enabled(level: LogLevel): boolean {
    return levelRank(level) >= this.min;
  }

  /** The host's log function. */
  readonly log = (level: LogLevel, text: string, fields?: LogFields): void => {
    if (levelRank(level) < this.min) return;
    // keys in reading order: when, how bad, where, about what, then the text
    const r = { time: new Date().toISOString(), level } as LogRecord;
    if (this.hostId) r.host = this.hostId;
    r.msg = fields ? this.describe(r, fields, text) : text;
    this.stream.push(r);
    this.opts.write(this.render(r));
  };

  /** From now on, lines carry `host`'s id and name its actors. */
  attach(host: LoggedHost): () => void {
    this.hostId = host.id;
    for (const a of host.inventory().actors) this.names.set(a.id, a.name);
    return host.events.on('actor_started', (e) => { if (e.claims.name) this.names.set(e.public_key, e.claims.name); });
  }

  /** Sets what the line is about on `r`; returns the text without the prefix that said it. */
  private describe(r: LogRecord, f: LogFields, text: string): string {
    let msg = text;
    if (f.actor) {
      r.actor = f.actor;
      const name = f.actorName ?? this.names.get(f.actor);
      if (name) r.actor_name = name;
      const prefix = `[${f.actor}] `; // the lanes' and the logging builtin's prefix
      if (msg.startsWith(prefix)) msg = msg.slice(prefix.length);
    }
    if (f.provider) {
      r.provider = f.provider;
      if (f.providerName) {
        r.provider_name = f.providerName;
        // the host prefixes a provider's lines with "[name Vxxxxxxx] "; the record says it already
        const prefix = `[${f.providerName} ${f.provider.slice(0, 8)}] `;
        if (msg.startsWith(prefix)) msg = msg.slice(prefix.length);
      }
    }
    if (f.invocation) r.invocation = f.invocation;
    if (f.traceId) r.trace_id = f.traceId;
    return msg;
  }
}
