// Providers from provider archives on disk (`stratus ctl start provider ./x.par.gz`): verified
// (signature, issuer allow-list, this machine's target hash; each its own error), the binary
// written to wasmCloud's cache path and run as a ProcessProvider. A ProviderSource beside the
// built-in one (src/providers/source.ts).
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { StratusError } from '../../core/errors.js';
import { readArchive, verifyArchiveForTarget, type VerifiedProvider } from '../../par/archive.js';
import type { CapabilityProvider } from '../../host/provider-contract.js';
import type { ProviderInfo, ProviderSource } from '../source.js';
import { binaryPath, placeBinary } from './binary-cache.js';
import type { LatticeAccess } from './process-provider.js';
import type { SupervisionOptions } from './supervision.js';

export interface ArchiveSourceOptions {
  /** The host's lattice, or undefined when it runs alone (provider processes need NATS). */
  lattice(): LatticeAccess | undefined;
  /** Account keys (A...) allowed to issue providers; empty = any valid issuer. */
  trustedIssuers?: readonly string[];
  supervision?: Partial<SupervisionOptions>;
}

export function isArchiveRef(ref: string): boolean {
  return /\.par(\.gz)?$/.test(ref);
}

const MAX_ARCHIVE = 1024 * 1024 * 1024;

export class ArchiveProviderSource implements ProviderSource {
  readonly kind = 'archive';
  private readonly known = new Map<string, ProviderInfo>();

  constructor(private readonly o: ArchiveSourceOptions) {}

  private load(ref: string): VerifiedProvider {
    if (!isAbsolute(ref)) throw new StratusError('BAD_REQUEST', `provider archive path "${ref}" is not absolute`, 'give the full path (the CLI resolves relative paths for you)');
    let size: number;
    try {
      const st = statSync(ref);
      if (!st.isFile()) throw new Error('not a regular file');
      size = st.size;
    } catch (e) {
      throw new StratusError('BAD_REQUEST', `cannot read provider archive ${ref}: ${(e as Error).message}`, 'give the path of a .par.gz made with `stratus par create`');
    }
    if (size > MAX_ARCHIVE) throw new StratusError('INVALID_MODULE', `provider archive ${ref} is ${size} bytes, over the 1 GiB limit`);
    const archive = readArchive(new Uint8Array(readFileSync(ref)));
    return verifyArchiveForTarget(archive, { trustedIssuers: this.o.trustedIssuers ? [...this.o.trustedIssuers] : [] });
  }

  private info(ref: string, v: VerifiedProvider): ProviderInfo {
    const w = v.claims.wascap;
    const info: ProviderInfo = { name: w.name ?? ref, id: v.publicKey, contractId: w.capid, description: `${w.vendor} ${w.name ?? ''} ${w.ver ?? ''} from ${ref}`.replace(/\s+/g, ' ') };
    this.known.set(v.publicKey, info);
    return info;
  }

  find(ref: string): ProviderInfo | undefined {
    if (!isArchiveRef(ref)) return undefined;
    return this.info(ref, this.load(ref));
  }

  /** `config` reaches the process as HostData.config_json, as wasmCloud passes it (reference §5.1). */
  async open(ref: string, linkName: string, config?: string): Promise<CapabilityProvider> {
    const v = this.load(ref);
    const info = this.info(ref, v);
    const access = this.o.lattice; // asked at start: the host joins its lattice after the sources are made
    const path = placeBinary(binaryPath(v.publicKey, v.claims.wascap.rev ?? 0, info.contractId, linkName), v.binary);
    // Loaded here, not at the top: it pulls in the NATS client (JetStream, object store), which a
    // host that never runs a provider archive should not pay for at start (docs/coldstart.md).
    const { ProcessProvider } = await import('./process-provider.js');
    return new ProcessProvider({
      id: v.publicKey, name: info.name, contractId: info.contractId, linkName, binaryPath: path,
      ...(config !== undefined && config !== '' ? { config } : {}),
      ...(this.o.supervision ? { supervision: this.o.supervision } : {}),
      lattice: () => {
        const l = access();
        if (!l) {
          throw new StratusError('BAD_REQUEST', `provider ${info.name} runs as its own process and reaches the host over NATS, but this host is in no lattice`,
            'start the host in a lattice (`stratus up -x default`, which starts a local nats-server when none answers)');
        }
        return l;
      },
    });
  }

  describe(providerId: string): ProviderInfo | undefined {
    return this.known.get(providerId);
  }

  list(): ProviderInfo[] {
    return [...this.known.values()];
  }
}
