// What the control interface and the event publisher of one lattice member share: the context,
// the instance book, registry credentials, and one way to publish an event. One per member (made
// by controlComponents()), never module-level, so several hosts run in one process.
import { headers } from '@nats-io/nats-core';
import type { StratusErrorCode } from '../../core/errors.js';
import type { LatticeContext } from '../types.js';
import { ERROR_CODE_HEADER } from './acks.js';
import { cloudEvent } from './cloud-event.js';
import type { RegistryCredential } from './commands.js';
import type { LatticeEvent } from './event-map.js';
import type { HostFacts } from './host-views.js';
import { InstanceBook } from './instance-book.js';
import { ctlPrefix, eventSubject, rpcEventSubject } from './subjects.js';

const enc = new TextEncoder();

export class ControlState {
  readonly book = new InstanceBook();
  /** From `registries.put`: credentials for pulling provider archives (src/oci). */
  registries: Record<string, RegistryCredential> = {};
  /** Publishes a heartbeat now (set by the events component; `ping.hosts` triggers it). */
  heartbeat: () => void = () => {};
  private context?: LatticeContext;

  attach(ctx: LatticeContext): void {
    if (this.context && this.context !== ctx) throw new Error('the control components of one member were started with two different lattice contexts');
    this.context = ctx;
  }

  get ctx(): LatticeContext {
    if (!this.context) throw new Error('control components used before start()');
    return this.context;
  }

  get prefix(): string {
    return ctlPrefix(this.ctx.config.ctlTopicPrefix, this.ctx.config.prefix);
  }

  facts(): HostFacts {
    return { hostId: this.ctx.host.id, issuer: this.ctx.clusterKey.publicKey, config: this.ctx.config };
  }

  /** An event of this host on the lattice (`code` rides in a header for Stratus clients). */
  publish(name: string, data: unknown, code?: StratusErrorCode): void {
    this.publishEvent({ stream: 'evt', name, source: this.ctx.host.id, data }, code);
  }

  publishEvent(e: LatticeEvent, code?: StratusErrorCode): void {
    const ctx = this.ctx;
    const subject = e.stream === 'evt' ? eventSubject(ctx.config.prefix) : rpcEventSubject(ctx.config.prefix);
    let opts;
    if (code) {
      const h = headers();
      h.set(ERROR_CODE_HEADER, code);
      opts = { headers: h };
    }
    try {
      ctx.ctl.publish(subject, enc.encode(JSON.stringify(cloudEvent(e.name, e.source, e.data))), opts);
    } catch (err) {
      // a closed or draining connection: the event is lost, the host goes on
      ctx.log('debug', `event ${e.name} not published: ${(err as Error).message}`);
    }
  }
}
