// Where capability providers come from. The control plane asks its sources, in order, for the one
// that handles a reference: the built-in providers today; provider archives (.par.gz) and OCI
// references are further sources, added beside this one rather than as branches in it.
import type { CapabilityProvider } from '../host/provider-contract.js';

/** What a source knows about a provider, running or not. */
export interface ProviderInfo {
  /** Short name (`httpserver`), or the reference it was started from. */
  name: string;
  /** Service key (V...). */
  id: string;
  contractId: string;
  description: string;
  /** Link value keys it understands (for warnings on link put). */
  linkValueKeys?: readonly string[];
}

export interface ProviderSource {
  /** In messages: `built-in`, `archive`, `oci`. */
  readonly kind: string;
  /** The provider `ref` names, if this source can start it. */
  find(ref: string): ProviderInfo | undefined;
  /** A provider object for `ref` serving `linkName`, ready for Host.startProvider. `config` is the
   *  start configuration (`ctl start provider --config`, the `lp` command's `configuration`); a
   *  source whose providers take none refuses it. */
  open(ref: string, linkName: string, config?: string): Promise<CapabilityProvider>;
  /** By service key, whether running or not. */
  describe(providerId: string): ProviderInfo | undefined;
  /** Everything it offers by name (for help texts and errors). */
  list(): ProviderInfo[];
}
