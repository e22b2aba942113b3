// The entry point of a provider process: read HostData from stdin, run the provider until the host
// asks it to stop, and never outlive the host. A host keeps the provider's stdin open while it runs;
// when the host exits (or is killed with SIGKILL) the pipe closes, stdin ends, and the provider
// shuts down and exits: no orphans, whatever killed the host.
import type { CapabilityProvider } from '../host/provider-contract.js';
import { parseHostData, type HostData } from './host-data.js';
import { assertProvider, ProviderRuntime, type RuntimeOptions } from './runtime.js';

/** Resolves with the first line of stdin; rejects when stdin ends before one. */
function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer | string) => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.on('data', () => undefined); // keep flowing, so its end is seen
        resolve(buf.slice(0, nl));
      }
    };
    const onEnd = () => (buf.trim() ? resolve(buf) : reject(new Error('stdin closed before the HostData line arrived')));
    stdin.on('data', onData);
    stdin.once('end', onEnd);
  });
}

export interface RunProviderOptions extends RuntimeOptions {
  /** HostData to use instead of reading stdin (tests, embedding). */
  hostData?: HostData;
}

/**
 * Run `provider` as a provider process: `await runProvider(new MyProvider())` in its main module.
 * Exits the process with 0 on `.shutdown`, on stdin closing, SIGTERM or SIGINT; with 1 when it
 * cannot start (the reason on stderr).
 */
export async function runProvider(provider: CapabilityProvider, o: RunProviderOptions = {}): Promise<ProviderRuntime> {
  assertProvider(provider);
  let rt: ProviderRuntime;
  try {
    const hd = o.hostData ?? parseHostData(await readFirstLine(process.stdin));
    rt = await ProviderRuntime.start(provider, hd, { ...o, onShutdown: () => { o.onShutdown?.(); process.exit(0); } });
  } catch (e) {
    process.stderr.write(`ERROR provider ${provider.name} could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
  const leave = (why: string) => {
    process.stderr.write(`INFO provider ${provider.name} stops: ${why}\n`);
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    void rt.stop().finally(() => process.exit(0));
  };
  if (!o.hostData) process.stdin.once('end', () => leave('stdin closed (the host is gone)'));
  process.once('SIGTERM', () => leave('SIGTERM'));
  process.once('SIGINT', () => leave('SIGINT'));
  return rt;
}
