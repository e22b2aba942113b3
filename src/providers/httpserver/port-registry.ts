// Ports held by httpserver links in this process. The OS would refuse a second bind anyway, but
// this lets the error name the link that holds the port (wasmCloud#3845: both puts "succeeded").

export interface PortHolder {
  actorId: string;
  linkName: string;
  address: string;
}

const held = new Map<number, PortHolder>();

export function portHolder(port: number): PortHolder | undefined {
  return held.get(port);
}

export function claimPort(port: number, holder: PortHolder): void {
  held.set(port, holder);
}

export function releasePort(port: number, actorId: string): void {
  if (held.get(port)?.actorId === actorId) held.delete(port);
}
