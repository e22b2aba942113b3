// The observe extension's per-member part (observe-reply.ts has the shapes): keeps the host's last
// failures with their explanation (from the `invocation_failed` host events, which the events
// component already has the host build) and answers `{P}.stratus.observe.{hostId}` from the host's
// inventory, provider health, call statistics and log stream. Nothing runs per invocation.
import { callFigures } from '../../observe/metrics/call-figures.js';
import type { ControlState } from './control-state.js';
import type { Outcome } from './host-commands.js';
import { FailureRing, observeReply, OBSERVE_LOG_LIMIT, parseObserveRequest } from './observe-reply.js';

const enc = new TextEncoder();

export class ObserveExtension {
  private readonly failures = new FailureRing();
  private off?: () => void;

  constructor(private readonly s: ControlState) {}

  start(): void {
    this.off = this.s.ctx.host.events.on('invocation_failed', (d) => this.failures.push({
      time: new Date().toISOString(), source: d.source.public_key || d.source.contract_id, dest: d.dest.public_key || d.dest.contract_id,
      operation: d.operation, error: d.error, code: d.code ?? '', ref: d.ref ?? '',
    }));
  }

  stop(): void {
    this.off?.();
    this.off = undefined;
  }

  async answer(body: Uint8Array): Promise<Outcome> {
    const req = parseObserveRequest(body);
    const { host, observed } = this.s.ctx;
    const health = req.health ? await host.providersHealth().catch(() => undefined) : undefined;
    const reply = observeReply({
      hostId: host.id,
      inventory: host.inventory(),
      ...(observed?.calls ? { calls: callFigures(observed.calls) } : {}),
      failures: this.failures.after(req.failures_after),
      ...(health ? { health } : {}),
      ...(observed?.logs ? { logs: observed.logs.after(req.log_after ?? 0, OBSERVE_LOG_LIMIT) } : {}),
    });
    return { reply: enc.encode(JSON.stringify(reply)) };
  }
}
