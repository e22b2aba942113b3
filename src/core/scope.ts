// Resources shared by the parts of one host: what a provider or a lane would otherwise keep in a
// module-level variable (a port registry, a per-turn reply batcher, a pool of Redis clients, open
// lmdb environments). Each host owns one scope and closes it on shutdown, so several hosts can run
// in one process (tests do) and stopping one never touches another's state.

/** Names one kind of shared resource and how to make it; `create` runs once per scope. */
export interface ScopeKey<T> {
  readonly name: string;
  create(scope: HostScope): T;
}

export function scopeKey<T>(name: string, create: (scope: HostScope) => T): ScopeKey<T> {
  return { name, create };
}

export class HostScope {
  private readonly items = new Map<ScopeKey<unknown>, unknown>();
  private readonly closers: (() => void | Promise<void>)[] = [];
  private closed = false;

  /** The scope's instance of `key`, made on first use. */
  use<T>(key: ScopeKey<T>): T {
    if (this.items.has(key)) return this.items.get(key) as T;
    if (this.closed) throw new Error(`host scope is closed; cannot create ${key.name}`);
    const value = key.create(this);
    this.items.set(key, value);
    return value;
  }

  /** Run `fn` when the scope closes (last registered runs first). */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closers.reverse()) {
      try { await fn(); } catch { /* one failing release must not keep the others */ }
    }
    this.closers.length = 0;
    this.items.clear();
  }
}
