// AssemblyScript has no exceptions, so every fallible SDK call returns a Result.
// `value` is only meaningful when `ok` is true.

/** Why a call failed. */
export enum ErrorKind {
  /** The host refused or failed a __host_call; `message` is the host's error text. */
  Host = 0,
  /** A payload could not be decoded. */
  Deserialization = 1,
  /** A handler chose to fail the guest call. */
  Guest = 2,
}

export class RpcError {
  constructor(public kind: ErrorKind, public message: string) {}
  /** Text in the style of wasmbus-rpc guests, e.g. "Host send error <host text>". */
  toString(): string {
    if (this.kind == ErrorKind.Host) return "Host send error " + this.message;
    if (this.kind == ErrorKind.Deserialization) return "deserialization: " + this.message;
    return this.message;
  }
}

export class Result<T> {
  constructor(public value: T, public error: RpcError | null) {}
  get ok(): bool { return this.error === null; }
  /** The error text (empty when ok). */
  get message(): string {
    const e = this.error;
    return e !== null ? e.toString() : "";
  }
}

// @ts-ignore: decorator
@inline function zero<T>(): T {
  if (isReference<T>()) return changetype<T>(0);
  // @ts-ignore: numeric cast of a literal to a value type
  return <T>0;
}

export function ok<T>(value: T): Result<T> {
  return new Result<T>(value, null);
}

export function err<T>(kind: ErrorKind, message: string): Result<T> {
  return new Result<T>(zero<T>(), new RpcError(kind, message));
}

/** Fail a guest call with this message (returned to the caller as the guest error). */
export function guestError<T>(message: string): Result<T> {
  return err<T>(ErrorKind.Guest, message);
}

/** Value used by operations without output. */
export type Unit = u8;
export const UNIT: Unit = 0;
