// Supervision settings of a provider process, and the backoff rule. Pure.

export interface SupervisionOptions {
  /** First restart delay (ms); doubles after each quick failure. */
  restartBaseMs: number;
  /** Largest restart delay (ms). */
  restartMaxMs: number;
  /** Restarts in a row, each after a run shorter than `stableMs`, before the provider is reported failed. */
  maxRestarts: number;
  /** A run this long resets the count of quick failures. */
  stableMs: number;
  /** Health checks: the first after this long, then every `healthIntervalMs` (OTP: 5 s, then 30 s). */
  healthFirstMs: number;
  healthIntervalMs: number;
  /** How long a started process may take to answer its first health check. */
  readyTimeoutMs: number;
  /** After `.shutdown`, how long to wait for the process to exit before SIGKILL (OTP: 2 s). */
  stopGraceMs: number;
}

export const DEFAULT_SUPERVISION: SupervisionOptions = {
  restartBaseMs: 500,
  restartMaxMs: 15_000,
  maxRestarts: 5,
  stableMs: 30_000,
  healthFirstMs: 5_000,
  healthIntervalMs: 30_000,
  readyTimeoutMs: 15_000,
  stopGraceMs: 2_000,
};

/** Delay before restart number `attempt` (1-based). */
export function restartDelay(attempt: number, o: Pick<SupervisionOptions, 'restartBaseMs' | 'restartMaxMs'>): number {
  return Math.min(o.restartMaxMs, o.restartBaseMs * 2 ** Math.max(0, attempt - 1));
}
