// `stratus logs --actor <name|key>`: the lines about one actor. A line is about it when it carries
// its key or name, or (lines of the host and providers without an actor field) mentions its key.
// Keys of a name are learned from the lines themselves and from the running host, if any.
import type { LogRecord } from './record.js';

const ACTOR_KEY = /^M[A-Z2-7]{55}$/;

export class ActorFilter {
  private readonly keys = new Set<string>();

  constructor(private readonly query: string, knownKeys: Iterable<string> = []) {
    if (ACTOR_KEY.test(query)) this.keys.add(query);
    for (const k of knownKeys) this.keys.add(k);
  }

  matches(r: LogRecord): boolean {
    if (r.actor !== undefined) {
      if (r.actor_name === this.query) this.keys.add(r.actor);
      return this.keys.has(r.actor) || r.actor_name === this.query;
    }
    return this.mentions(r.msg);
  }

  /** For lines that are not records (plain notes of the host). */
  mentions(text: string): boolean {
    for (const k of this.keys) if (text.includes(k)) return true;
    return false;
  }
}
