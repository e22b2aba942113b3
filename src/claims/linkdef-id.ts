// Link definition id of OTP ≥0.60 (reference §4.7): HEX_UPPER(SHA-256(actor_id ‖ contract_id ‖ link_name)).
import { sha256Hex } from './hash.js';

export function linkDefinitionId(actorId: string, contractId: string, linkName: string): string {
  return sha256Hex(actorId + contractId + linkName);
}
