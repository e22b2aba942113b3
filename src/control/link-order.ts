// Links that open the door to traffic (an HTTP listener, a message subscription) are put last, so
// the first request never reaches an actor whose outbound links (key-value, ...) are still missing.
const INBOUND_CONTRACTS: ReadonlySet<string> = new Set(['wasmcloud:httpserver', 'wasmcloud:messaging']);

/** The outbound links and the inbound ones, each group in its original order. */
export function byDirection<T>(links: readonly T[], contractOf: (link: T) => string): { outbound: T[]; inbound: T[] } {
  const isInbound = (l: T) => INBOUND_CONTRACTS.has(contractOf(l));
  return { outbound: links.filter((l) => !isInbound(l)), inbound: links.filter(isInbound) };
}

/** A stable reordering: outbound links first, inbound ones last, each group in its original order. */
export function inboundLast<T>(links: readonly T[], contractOf: (link: T) => string): T[] {
  const { outbound, inbound } = byDirection(links, contractOf);
  return [...outbound, ...inbound];
}
