// Subjects of the control interface and the event streams (reference §4.8, §4.9). Pure.
// Prefix P = `{ctlTopicPrefix}.{lattice}` (OTP HEAD `control_interface/*.ex`: the topic is split
// into `wasmbus.ctl.{lattice}` and the remainder, so the remainder's tokens decide the handler).

/** `wasmbus.ctl.{lattice}` (the topic prefix is configurable, WASMCLOUD_CTL_TOPIC_PREFIX). */
export function ctlPrefix(topicPrefix: string, lattice: string): string {
  return `${topicPrefix}.${lattice}`;
}

export const ctlSubject = {
  pingHosts: (p: string) => `${p}.ping.hosts`,
  inventory: (p: string, hostId: string) => `${p}.get.${hostId}.inv`,
  claims: (p: string) => `${p}.get.claims`,
  links: (p: string) => `${p}.get.links`,
  linkPut: (p: string) => `${p}.linkdefs.put`,
  linkDel: (p: string) => `${p}.linkdefs.del`,
  command: (p: string, hostId: string, op: HostCommand) => `${p}.cmd.${hostId}.${op}`,
  auctionActor: (p: string) => `${p}.auction.actor`,
  auctionProvider: (p: string) => `${p}.auction.provider`,
  registriesPut: (p: string) => `${p}.registries.put`,
};

/** The host commands of `P.cmd.{hostId}.{op}`. */
export const HOST_COMMANDS = ['la', 'sa', 'scale', 'upd', 'lp', 'sp', 'stop'] as const;
export type HostCommand = (typeof HOST_COMMANDS)[number];

export function isHostCommand(op: string): op is HostCommand {
  return (HOST_COMMANDS as readonly string[]).includes(op);
}

/**
 * What a host subscribes to (OTP HEAD `vhost/virtual_host.ex`, `lattice/lattice_supervisor.ex`):
 * plain subscriptions every host sees, and the queue group `P` where one host answers.
 */
export function hostSubscriptions(p: string, hostId: string): { subject: string; queue?: string }[] {
  return [
    { subject: `${p}.registries.put` },
    { subject: `${p}.ping.hosts` },
    { subject: `${p}.auction.>` },
    { subject: `${p}.cmd.${hostId}.*` },
    { subject: `${p}.get.${hostId}.inv` },
    { subject: `${p}.linkdefs.*`, queue: p },
    { subject: `${p}.get.*`, queue: p },
  ];
}

/** The tokens after the prefix, or undefined when `subject` is not under it. */
export function subjectTokens(subject: string, p: string): string[] | undefined {
  if (!subject.startsWith(`${p}.`)) return undefined;
  return subject.slice(p.length + 1).split('.');
}

/** Lattice events (CloudEvents JSON). */
export function eventSubject(lattice: string): string {
  return `wasmbus.evt.${lattice}`;
}

/** Invocation results (CloudEvents JSON). */
export function rpcEventSubject(lattice: string): string {
  return `wasmbus.rpcevt.${lattice}`;
}
