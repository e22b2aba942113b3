// Counts a decoder's work without a clock: the bytes it reads from its input.

/** The input behind a proxy that counts indexed reads (the decoder reads bytes only by index). */
export function counted(bytes: Uint8Array): { view: Uint8Array; reads: () => number } {
  let n = 0;
  const view = new Proxy(bytes, {
    get(target, key) {
      if (typeof key === 'string' && key.length > 0 && key.charCodeAt(0) >= 48 && key.charCodeAt(0) <= 57) n++;
      const v = Reflect.get(target, key, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { view, reads: () => n };
}
