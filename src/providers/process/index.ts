export { ArchiveProviderSource, isArchiveRef, type ArchiveSourceOptions } from './archive-source.js';
export { ProcessProvider, type LatticeAccess, type ProcessProviderOptions } from './process-provider.js';
export { DEFAULT_SUPERVISION, restartDelay, type SupervisionOptions } from './supervision.js';
