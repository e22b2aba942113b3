// A throwaway in-process host for one-shot commands (`stratus call`). Built-in providers can be
// added through `setup`, which runs after the actor started and before the call.
import { Host } from './host.js';
import type { ActorDescription, HostOptions } from './api.js';

export interface LocalHostOptions extends HostOptions {
  /** Print actor/provider log lines at debug/info too (default: warn and error only). */
  verbose?: boolean;
}

/** A host whose log goes to stderr, quiet by default so stdout stays machine-readable. */
export function createLocalHost(opts: LocalHostOptions = {}): Host {
  const { verbose, ...hostOpts } = opts;
  const log = hostOpts.log ?? ((level, text) => {
    if (verbose || level === 'warn' || level === 'error') process.stderr.write(`${level}: ${text}\n`);
  });
  return new Host({ ...hostOpts, log });
}

export interface CallOnceOptions extends LocalHostOptions {
  module: Uint8Array;
  operation: string;
  payload: Uint8Array;
  imageRef?: string;
  /** Hook to start providers and put links for the actor before the call. */
  setup?: (host: Host, actor: ActorDescription) => Promise<void>;
}

/** Start the actor on a fresh local host, call it once, shut everything down. */
export async function callModuleOnce(opts: CallOnceOptions): Promise<{ actor: ActorDescription; reply: Uint8Array }> {
  const { module, operation, payload, imageRef, setup, ...hostOpts } = opts;
  // One call: on a code cache miss it runs on workers at once, with no ~1.5 s transform beside it
  // that shutdown would stop anyway (`stratus up` fills the cache); on a hit, on the host thread.
  const host = createLocalHost({ serveWhilePreparing: true, prepareMissing: false, ...hostOpts });
  try {
    const actor = await host.startActor(module, { imageRef });
    if (setup) await setup(host, actor);
    const reply = await host.call(actor.id, operation, payload);
    return { actor, reply };
  } finally {
    await host.shutdown();
  }
}
