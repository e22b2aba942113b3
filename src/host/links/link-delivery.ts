// Brings stored links to the providers that serve them on this host, and keeps each link's
// status: `pending` (stored; its provider does not run here), `active` (the provider accepted it),
// `failed` (the provider refused it; retried with backoff, so a link whose backend was away at
// start heals on its own). Every change of the link store passes through here, whether it was
// made on this host or (later) elsewhere in the lattice.
import type { LinkDefinition } from '../../core/wire.js';
import type { CapabilityProvider } from '../provider-contract.js';
import type { ProviderTable } from '../provider-table.js';
import type { LinkChange } from './link-store.js';
import { sameLinkValues } from './link-store.js';
import type { LinkStatus } from '../events.js';

export interface LinkDeliveryDeps {
  providers: ProviderTable;
  log(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
  /** A link's status changed. */
  statusChanged(link: LinkDefinition, status: LinkStatus): void;
}

/** First retry of a failed delivery after this long, doubling up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 2000;
const RETRY_MAX_MS = 60_000;

interface Failed { link: LinkDefinition; attempts: number; nextAt: number }

function errorText(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0]! : String(e);
}

export class LinkDelivery {
  private readonly status = new Map<string, LinkStatus>();
  /** What each running provider holds, by provider object, then link id. */
  private readonly delivered = new Map<CapabilityProvider, Map<string, LinkDefinition>>();
  private readonly failed = new Map<string, Failed>();
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly d: LinkDeliveryDeps) {}

  statusOf(id: string): LinkStatus | undefined {
    return this.status.get(id);
  }

  /** The provider accepted `link` already (it validated it when the link was put). */
  accepted(provider: CapabilityProvider, link: LinkDefinition): void {
    this.holdings(provider).set(link.id, link);
  }

  /** A change of the link store: deliver, move or withdraw the link. */
  async changed(change: LinkChange): Promise<void> {
    const link = change.link;
    if (change.kind === 'delete') {
      this.failed.delete(link.id);
      this.status.delete(link.id);
      await this.withdraw(link);
      return;
    }
    if (change.previous && change.previous.provider_id !== link.provider_id) await this.withdraw(change.previous);
    await this.deliver(link);
  }

  /** A provider started here: hand it every stored link it serves. */
  async providerStarted(provider: CapabilityProvider, links: LinkDefinition[]): Promise<void> {
    for (const link of links) {
      if (link.provider_id === provider.id && link.link_name === provider.linkName) await this.deliver(link);
    }
  }

  /** A provider stopped here: its links wait for it again. */
  providerStopped(provider: CapabilityProvider): void {
    const held = this.delivered.get(provider);
    this.delivered.delete(provider);
    for (const link of held?.values() ?? []) {
      this.failed.delete(link.id);
      this.setStatus(link, pending(link));
    }
  }

  close(): void {
    this.closed = true;
    clearInterval(this.retryTimer);
  }

  private async deliver(link: LinkDefinition): Promise<void> {
    const provider = this.d.providers.get(link.provider_id, link.link_name);
    if (!provider) {
      this.setStatus(link, pending(link));
      return;
    }
    const held = this.holdings(provider).get(link.id);
    if (held && held.provider_id === link.provider_id && sameLinkValues(held.values, link.values)) {
      this.failed.delete(link.id);
      this.setStatus(link, { state: 'active' });
      return;
    }
    if (provider.contractId !== link.contract_id) {
      this.fail(link, `provider ${provider.name} implements ${provider.contractId}, not ${link.contract_id}`, false);
      return;
    }
    try {
      await provider.putLink(link);
      this.holdings(provider).set(link.id, link);
      this.failed.delete(link.id);
      this.setStatus(link, { state: 'active' });
    } catch (e) {
      this.fail(link, errorText(e), true);
    }
  }

  private async withdraw(link: LinkDefinition): Promise<void> {
    for (const [provider, held] of this.delivered) {
      if (!held.delete(link.id)) continue;
      try {
        await provider.deleteLink(link);
      } catch (e) {
        this.d.log('warn', `provider ${provider.name} failed to remove the link for actor ${link.actor_id}: ${errorText(e)}`);
      }
    }
  }

  private fail(link: LinkDefinition, reason: string, retry: boolean): void {
    const was = this.failed.get(link.id);
    const attempts = (was?.attempts ?? 0) + 1;
    if (retry) {
      this.failed.set(link.id, { link, attempts, nextAt: Date.now() + Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (attempts - 1)) });
      this.armRetry();
    }
    if (!was) this.d.log('warn', `link for actor ${link.actor_id} on ${link.contract_id} (link name '${link.link_name}') failed: ${reason}${retry ? '; retrying with backoff' : ''}`);
    this.setStatus(link, { state: 'failed', reason });
  }

  private armRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setInterval(() => {
      const now = Date.now();
      for (const f of [...this.failed.values()]) if (f.nextAt <= now) void this.deliver(f.link);
      if (this.failed.size === 0) { clearInterval(this.retryTimer); this.retryTimer = undefined; }
    }, 1000);
    this.retryTimer.unref();
  }

  private holdings(provider: CapabilityProvider): Map<string, LinkDefinition> {
    let m = this.delivered.get(provider);
    if (!m) { m = new Map(); this.delivered.set(provider, m); }
    return m;
  }

  private setStatus(link: LinkDefinition, status: LinkStatus): void {
    const was = this.status.get(link.id);
    this.status.set(link.id, status);
    if (!was || was.state !== status.state || was.reason !== status.reason) this.d.statusChanged(link, status);
  }
}

function pending(link: LinkDefinition): LinkStatus {
  return { state: 'pending', reason: `waiting for provider ${link.provider_id} (link name '${link.link_name}') to start` };
}
