// Ports held by one host's httpserver links. The OS would refuse a second bind anyway, but this
// lets the error name the link that holds the port (wasmCloud#3845: both puts "succeeded").
// One registry per host (in its HostScope): a port another host of the same process holds is that
// host's business and is reported like any other process's port, by the OS error.
import { scopeKey } from '../../core/scope.js';

export interface PortHolder {
  actorId: string;
  linkName: string;
  address: string;
}

export class PortRegistry {
  private readonly held = new Map<number, PortHolder>();

  holder(port: number): PortHolder | undefined {
    return this.held.get(port);
  }

  claim(port: number, holder: PortHolder): void {
    this.held.set(port, holder);
  }

  release(port: number, actorId: string): void {
    if (this.held.get(port)?.actorId === actorId) this.held.delete(port);
  }
}

export const PORT_REGISTRY = scopeKey('httpserver.port-registry', () => new PortRegistry());
