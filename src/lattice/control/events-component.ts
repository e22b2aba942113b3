// The host's events on the lattice: its typed events mapped to wasmCloud's CloudEvents
// (event-map.ts), `host_started` when it joins, `host_heartbeat` every 30 s (OTP HEAD
// `vhost/virtual_host.ex @thirty_seconds`) and on `ping.hosts`, and `host_stopped` when it
// leaves. Listeners are registered per published type, so host events nobody maps (lane moves,
// link status) are still not built.
import type { HostEventMap } from '../../host/events.js';
import type { LatticeComponent, LatticeContext } from '../types.js';
import type { ControlState } from './control-state.js';
import { latticeEvent, PUBLISHED_EVENTS } from './event-map.js';
import { heartbeatData, hostStartedData } from './host-views.js';

export const HEARTBEAT_MS = 30_000;

export interface EventsOptions {
  /** Between heartbeats; default 30 s as wasmCloud. */
  heartbeatMs?: number;
}

export class EventsComponent implements LatticeComponent {
  readonly name = 'events';
  private unsubscribe: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly s: ControlState, private readonly opts: EventsOptions = {}) {}

  async start(ctx: LatticeContext): Promise<void> {
    this.s.attach(ctx);
    const hostId = ctx.host.id;
    for (const type of PUBLISHED_EVENTS) {
      this.unsubscribe.push(ctx.host.events.on(type, (data: HostEventMap[typeof type]) => {
        this.s.publishEvent(latticeEvent(type, data, hostId, this.s.book));
      }));
    }
    this.s.heartbeat = () => this.heartbeat();
    this.s.publish('host_started', hostStartedData(this.s.facts(), ctx.host.inventory().uptimeSeconds));
    this.timer = setInterval(() => this.heartbeat(), this.opts.heartbeatMs ?? HEARTBEAT_MS);
    this.timer.unref();
  }

  private heartbeat(): void {
    if (this.stopped) return;
    this.s.publish('host_heartbeat', heartbeatData(this.s.facts(), this.s.ctx.host.inventory()));
  }

  /** Publishes `host_stopped`; events the host emits after this (its shutdown) stay local. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.s.heartbeat = () => {};
    this.s.publish('host_stopped', { labels: this.s.ctx.config.labels });
    await this.s.ctx.ctl.flush().catch(() => undefined);
  }
}
