// One declared interface for the two places an actor's instances can run (Extism's foreground and
// background plugins are the model): `inline` on the host's own thread, `worker` on one worker
// thread per instance. Both speak the same vocabulary: a *call* runs on an idle *instance*, or a
// new one up to `maxInstances`, or waits in the *queue*; a busy instance is never re-entered; a
// *sweep* enforces deadlines and retires surplus idle instances; it runs only while a lane has calls
// whose deadlines it must enforce or instances above `count` (idle actors keep no timer).

import type { CallTrace } from '../events.js';

export type LaneKind = 'inline' | 'worker';

/** What a lane reports back to its owner (the host), whichever lane it is. */
export interface LaneHooks {
  /** `attributed`: the text already names the actor (the worker lane's builtin logging). */
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string, attributed?: boolean): void;
  instanceStarted(instanceId: string): void;
  instanceStopped(instanceId: string): void;
}

export interface Lane {
  readonly kind: LaneKind;
  /** Warm instances asked for. */
  readonly count: number;
  /** Instances alive now. */
  readonly size: number;
  /** Most instances it starts for concurrent calls. */
  readonly maxInstances: number;
  /** Calls running or waiting. */
  readonly inFlight: number;
  start(): Promise<void>;
  /** True when a call could start now without waiting (an idle instance, or room for one more). */
  canServeNow(): boolean;
  /** `maxResponseBytes`: the largest answer the caller takes (the guest ABI refuses bigger ones
   *  before copying them; default DEFAULT_MAX_RESPONSE_BYTES). `trace`: the call's trace, handed to
   *  its host calls (opaque to the lane). */
  invoke(operation: string, payload: Uint8Array, timeoutMs: number, maxResponseBytes?: number, trace?: CallTrace): Promise<Uint8Array>;
  /** invoke() that answers without a promise when the call completes at once (only the inline
   *  lane can); same errors, as a rejected promise. */
  invokeNow(operation: string, payload: Uint8Array, timeoutMs: number, maxResponseBytes?: number, trace?: CallTrace): Uint8Array | Promise<Uint8Array>;
  scale(count: number): Promise<void>;
  /** Resolves once no call is running or waiting (new calls may still arrive). */
  settled(): Promise<void>;
  /** Fail waiting calls (they never started), interrupt running ones, release every instance. */
  stop(): Promise<void>;
}
