// Options shared by pull, push and the reference resolver.
import type { RegistryFlags } from './settings.js';
import type { TransferProgress } from './registry-client.js';

export interface OciOptions extends RegistryFlags {
  /** Environment to read WASMCLOUD_OCI_* and the cache location from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Cache directory; `null` turns the cache off. Default {@link ociCacheDir}. */
  cacheDir?: string | null;
  onProgress?: (p: TransferProgress) => void;
  /** Per-request (and body idle) deadline in ms. Default 30 000. */
  timeoutMs?: number;
}
