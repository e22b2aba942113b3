// What the keyvalue provider needs from a storage backend: the operations of reference §2.4 with
// the semantics pinned in README.md, already scoped to one bucket.

export interface KvBackend {
  /** `memory`, `lmdb` or `redis`, for messages and health. */
  readonly kind: string;
  get(key: string): Promise<{ value: string; exists: boolean }>;
  set(key: string, value: string, expiresSeconds: number): Promise<void>;
  del(key: string): Promise<boolean>;
  contains(key: string): Promise<boolean>;
  increment(key: string, delta: number): Promise<number>;
  listAdd(name: string, value: string): Promise<number>;
  listDel(name: string, value: string): Promise<boolean>;
  listRange(name: string, start: number, stop: number): Promise<string[]>;
  listClear(name: string): Promise<boolean>;
  setAdd(name: string, value: string): Promise<number>;
  setDel(name: string, value: string): Promise<number>;
  setQuery(name: string): Promise<string[]>;
  setUnion(names: string[]): Promise<string[]>;
  setIntersection(names: string[]): Promise<string[]>;
  setClear(name: string): Promise<boolean>;
  health(): Promise<{ healthy: boolean; message?: string }>;
  /** Release this backend's hold on the underlying store. */
  close(): Promise<void>;
}
