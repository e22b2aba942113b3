// How the main thread learns that a worker has a result or a host call waiting. One poller per
// host (kept in its HostScope), shared by all of its worker-lane actors.
import { scopeKey } from '../../../core/scope.js';

/** What the poller needs from a worker instance. */
export interface Signalling {
  readonly dead: boolean;
  signalled(): boolean;
  onSignal(): void;
  park(): void;
}

/**
 * Picks up worker signals by polling the channels once per event-loop turn while calls are in
 * flight. Each Atomics.waitAsync wake-up costs the main thread a cross-thread task post (~10+ µs
 * on a VM); under load a poll finds the signal without one. After a run of empty polls (the main
 * thread has nothing else to do) the instances park in waitAsync, so an idle host does not spin.
 */
export class SignalPoller {
  private readonly watched = new Set<Signalling>();
  private scheduled = false;
  private emptyPolls = 0;
  private static readonly MAX_EMPTY_POLLS = 64;

  watch(inst: Signalling): void {
    this.watched.add(inst);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.poll);
    }
  }

  private readonly poll = (): void => {
    this.scheduled = false;
    let fired = 0;
    for (const inst of this.watched) {
      if (inst.dead) { this.watched.delete(inst); continue; }
      if (!inst.signalled()) continue;
      this.watched.delete(inst);
      fired++;
      inst.onSignal();
    }
    if (this.watched.size === 0) { this.emptyPolls = 0; return; }
    if (fired > 0) this.emptyPolls = 0;
    else if (++this.emptyPolls > SignalPoller.MAX_EMPTY_POLLS) {
      this.emptyPolls = 0;
      // clear first: a park that finds its signal already set re-arms (re-watches) synchronously
      const parking = [...this.watched];
      this.watched.clear();
      for (const inst of parking) inst.park();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.poll);
    }
  };
}


/** The host's poller (see HostScope). */
export const SIGNAL_POLLER = scopeKey('worker signal poller', () => new SignalPoller());
