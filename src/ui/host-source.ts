// The dashboard of a host in this process (`stratus up --ui`, `stratus ui` against a running
// host): its snapshot, its controller's actions, its events, its log and invocation figures. A
// lattice member also lists the lattice's hosts, pinged every few seconds while a page is open.
import type { HostEventMap } from '../host/events.js';
import { ACTIONS } from './actions.js';
import type { DashboardContext } from './context.js';
import { latticeHostRows, takeSnapshot, type LatticeHostRow } from './snapshot.js';
import type { ActionBody, DashboardSource, Failure } from './source.js';
import { TrafficMeter } from './traffic.js';

/** How often the lattice's hosts are pinged (each ping collects answers for a second). */
const HOSTS_MS = 5000;
/** The host events after which the picture changes. */
const STATE_EVENTS: (keyof HostEventMap)[] = ['actor_started', 'actor_stopped', 'actor_moved', 'provider_started', 'provider_stopped', 'linkdef_set', 'linkdef_deleted', 'link_status'];

export function failureOf(d: HostEventMap['invocation_failed']): Failure {
  return {
    time: new Date().toISOString(), source: d.source.public_key || d.source.contract_id, dest: d.dest.public_key,
    operation: d.operation, error: d.error, code: d.code ?? '', ref: d.ref ?? '',
  };
}

export function hostSource(ctx: DashboardContext): DashboardSource {
  const host = ctx.controller.host;
  const startedAt = Date.now() - host.inventory().uptimeSeconds * 1000;
  const metrics = ctx.observability.metrics;
  const meter = metrics ? new TrafficMeter(metrics.calls) : undefined;
  let hosts: LatticeHostRow[] | undefined;
  const actions = Object.fromEntries(Object.entries(ACTIONS).map(([name, run]) => [name, (b: ActionBody) => run(ctx.controller, b)]));
  return {
    snapshot: () => takeSnapshot(ctx, startedAt, hosts),
    actions,
    watch: (changed) => {
      // named types, not onAny: that would make the host build invocation_succeeded events it otherwise skips
      const offs = STATE_EVENTS.map((type) => host.events.on(type, changed));
      let timer: NodeJS.Timeout | undefined;
      if (ctx.latticeHosts) {
        const ping = async () => {
          try {
            hosts = latticeHostRows(await ctx.latticeHosts!());
          } catch { /* NATS away: keep the last list */ }
          changed();
        };
        timer = setInterval(() => { void ping(); }, HOSTS_MS);
        void ping();
      }
      return () => { for (const off of offs) off(); clearInterval(timer); };
    },
    failures: (seen) => host.events.on('invocation_failed', (d) => seen(failureOf(d))),
    ...(ctx.observability.logger ? { logs: ctx.observability.logger.stream } : {}),
    ...(meter ? { traffic: () => meter.tick() } : {}),
    ...(metrics ? { metrics } : {}),
  };
}
