// `CtlOperationAck` (reference §4.8; OTP `lattice_server.ex success_ack/failure_ack`): exactly
// `{"accepted":bool,"error":str}`. A Stratus host also names the failure's StratusErrorCode in the
// reply header `Stratus-Error-Code` (headers are outside the JSON every wasmCloud client parses),
// so `stratus ctl` exits with the same status whether the CLI or a remote host refused. Pure.
import type { StratusErrorCode } from '../../core/errors.js';

export interface CtlOperationAck {
  accepted: boolean;
  error: string;
}

/** The header that carries a refusal's error code (Stratus hosts only; others leave it out). */
export const ERROR_CODE_HEADER = 'Stratus-Error-Code';

const enc = new TextEncoder();

export function successAck(): Uint8Array {
  return enc.encode(JSON.stringify({ accepted: true, error: '' }));
}

export function failureAck(error: string): Uint8Array {
  return enc.encode(JSON.stringify({ accepted: false, error }));
}

/** A refusal to send: the ack and the code for the header. */
export class Refusal extends Error {
  constructor(message: string, readonly code: StratusErrorCode = 'BAD_REQUEST') {
    super(message);
    this.name = 'Refusal';
  }
}
