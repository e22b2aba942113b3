// Label values that callers choose (operation names a guest or client sends, contracts a guest
// names) must not grow a metric without bound: past `limit` distinct keys, new ones share OTHER.

export const OTHER = '_other';

/** A Map that folds keys past `limit` into OTHER. `make` creates the value for a new key. */
export class BoundedMap<V> {
  readonly map = new Map<string, V>();

  constructor(private readonly limit: number, private readonly make: () => V) {}

  get(key: string): V {
    let v = this.map.get(key);
    if (v === undefined) {
      if (this.map.size >= this.limit) key = OTHER;
      v = this.map.get(key);
      if (v === undefined) {
        v = this.make();
        this.map.set(key, v);
      }
    }
    return v;
  }
}
