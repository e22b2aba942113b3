// The control part of a lattice member (src/lattice/control/README.md).
import { ControlComponent } from './control-component.js';
import { ControlState } from './control-state.js';
import { EventsComponent, type EventsOptions } from './events-component.js';

export type { EventsOptions } from './events-component.js';
export { ControlComponent } from './control-component.js';
export { EventsComponent } from './events-component.js';

/**
 * The events publisher and the control interface of one member, sharing what they know (the
 * annotations of instances, a heartbeat on ping). Start them in this order: events first, so
 * `host_started` precedes the first answer; stop the control interface first.
 */
export function controlComponents(opts: EventsOptions = {}): [EventsComponent, ControlComponent] {
  const state = new ControlState();
  return [new EventsComponent(state, opts), new ControlComponent(state)];
}
