// Public surface of the claims area (what the runtime, control plane and CLI import).
export * from './nkeys.js';
export { computeModuleHash, sha256Hex } from './hash.js';
export { encodeJwt, decodeJwt, JWT_HEADER } from './jwt.js';
export { signActor, signActorModule, checkCallAlias, WASCAP_REVISION, type SignActorOptions, type SignedActor } from './sign.js';
export { verifyActorModule, readActorClaims, unsignedModuleKey, type EmbeddedClaims } from './verify.js';
export { CAPS, CAP_NAMES, capName, WASH_CAP_FLAGS, capsFromFlags } from '../core/contracts.js';
export { loadOrCreateKey, keyPath, keysDir, type StoredKey } from './keystore.js';
export { summarizeClaims, inspectModuleClaims, formatClaimsSummary, humanTime, type ClaimsSummary } from './summary.js';
export { linkDefinitionId } from './linkdef-id.js';
export type * from './types.js';
