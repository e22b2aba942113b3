// Content digests (`sha256:<hex>`): every blob and manifest that crosses the network or comes out
// of the cache is checked against the digest that names it. Pure.
import { createHash, type Hash } from 'node:crypto';
import { StratusError } from '../core/errors.js';

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The refusal for bytes that do not match their digest: never used, never cached. */
export function digestMismatch(what: string, expected: string, actual: string): StratusError {
  return new StratusError('HASH_MISMATCH', `${what} does not match its digest: expected ${expected}, got ${actual}; it was refused`,
    'the registry (or a cache or proxy in between) served altered or corrupted content; push the artifact again, or check the registry\'s storage');
}

/** Hashes a blob as it streams in and refuses more bytes than its descriptor announced. */
export class DigestCheck {
  private readonly hash: Hash = createHash('sha256');
  private received = 0;

  constructor(readonly what: string, readonly expected: string, readonly size: number) {}

  get bytesReceived(): number {
    return this.received;
  }

  update(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.received > this.size) {
      throw new StratusError('HASH_MISMATCH', `${this.what} is larger than the ${this.size} bytes its manifest announced; it was refused`,
        'the registry served different content than the manifest describes; push the artifact again');
    }
    this.hash.update(chunk);
  }

  /** Throws unless exactly `size` bytes with the expected digest arrived. */
  finish(): void {
    const actual = `sha256:${this.hash.digest('hex')}`;
    if (this.received !== this.size) {
      throw new StratusError('HASH_MISMATCH', `${this.what} is ${this.received} bytes, but its manifest announced ${this.size}; it was refused`,
        'the registry served different content than the manifest describes; push the artifact again');
    }
    if (actual !== this.expected) throw digestMismatch(this.what, this.expected, actual);
  }
}
