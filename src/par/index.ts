export * from './archive.js';
export * from './claims.js';
export { hostTarget, isTarget } from './target.js';
