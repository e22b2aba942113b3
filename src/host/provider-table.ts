// The capability providers running in this host, by service key and link name.
import type { CapabilityProvider } from './provider-contract.js';

const keyOf = (id: string, linkName: string) => `${id}\u0000${linkName}`;

export class ProviderTable {
  private readonly byKey = new Map<string, CapabilityProvider>();

  get(id: string, linkName: string): CapabilityProvider | undefined {
    return this.byKey.get(keyOf(id, linkName));
  }

  has(id: string, linkName: string): boolean {
    return this.byKey.has(keyOf(id, linkName));
  }

  add(p: CapabilityProvider): void {
    this.byKey.set(keyOf(p.id, p.linkName), p);
  }

  remove(p: CapabilityProvider): void {
    if (this.byKey.get(keyOf(p.id, p.linkName)) === p) this.byKey.delete(keyOf(p.id, p.linkName));
  }

  /** Every link name the provider `id` runs with here. */
  withId(id: string): CapabilityProvider[] {
    return [...this.byKey.values()].filter((p) => p.id === id);
  }

  all(): CapabilityProvider[] {
    return [...this.byKey.values()];
  }
}
