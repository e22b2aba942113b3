// Atomics.waitAsync (ES2024; in Node since 16) — tsconfig's lib is ES2022.
interface Atomics {
  waitAsync(typedArray: Int32Array, index: number, value: number, timeout?: number):
    | { async: false; value: 'not-equal' | 'timed-out' }
    | { async: true; value: Promise<'ok' | 'timed-out'> };
}
