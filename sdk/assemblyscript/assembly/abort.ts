// Replaces AssemblyScript's default `env.abort` import (the build passes
// `--use abort=<this function>`), so actors import nothing outside wasmbus.
// The message reaches the host as the guest error before the trap.
import { __guest_error } from "./abi";

export function sdkAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "abort: " + (message !== null ? message : "(no message)");
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  const bytes = String.UTF8.encode(text);
  __guest_error(changetype<usize>(bytes), <usize>bytes.byteLength);
  unreachable();
}
