// What providers see of a host's observability, through the host's scope (ProviderHost.scope):
// the httpserver listener counts responses and traces requests with these when they are set.
// Only interfaces and the scope slot live here, so a provider depends on nothing else of observe/.
import { scopeKey } from '../core/scope.js';

/** Counts one listener's responses by status. */
export interface StatusCounter {
  count(status: number): void;
}

/** A traced HTTP request: the trace context its invocation carries, and (when recorded) the end of its span. */
export interface RequestTrace {
  readonly traceContext: Record<string, string>;
  /** Present only for a recorded span: call once the response is done (`status` 0: the client left first). */
  end?(status: number): void;
}

export interface HttpTracing {
  /** A request arrived with these W3C headers (undefined when absent). */
  request(method: string, path: string, traceparent: string | undefined, tracestate: string | undefined, actorId: string): RequestTrace;
}

export interface ObserveHooks {
  /** The counter for the listener serving `actorId` (absent when metrics are off). */
  httpStatus?: (actorId: string) => StatusCounter;
  /** Request spans (absent when tracing is off). */
  httpTracing?: HttpTracing;
}

/** The host's hooks; set before providers start (control/compose.ts), read when a listener opens. */
export const OBSERVE_HOOKS = scopeKey<ObserveHooks>('observe.hooks', () => ({}));
