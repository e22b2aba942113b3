// The traces of one host: a span per HTTP request, actor invocation and host call, exported with
// the OpenTelemetry SDK (its own tracer provider per host, never registered globally).
//
// Cost: the sampling decision is taken once, where a trace enters the host (the HTTP listener, or
// an invocation with a foreign or no trace context), before the SDK is asked for anything; only a
// sampled call gets SDK spans. The context this host passes on is an OwnContext that remembers the
// decision, so the invocation an HTTP request starts is not parsed and judged again: an unsampled
// request costs a trace id and a traceparent string at the listener and nothing per invocation or
// host call (bench/observe.ts --parts: "unsampled request through HostTracer"). Parsing our own
// traceparent again cost more than everything else together (the string is a concatenation, and
// reading it char by char first flattens it): 1.9 µs per unsampled request before, 0.5 µs after.
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, AlwaysOnSampler,
  type IdGenerator, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVICE_NAME, ATTR_URL_PATH } from '@opentelemetry/semantic-conventions';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ExportResultCode, TraceState, type ExportResult } from '@opentelemetry/core';
import type { CallTrace, Outcome } from '../../host/events.js';
import type { Invocation } from '../../core/wire.js';
import type { HttpTracing, RequestTrace } from '../hooks.js';
import type { TracingConfig } from './config.js';
import { formatTraceparent, parseTraceparent, type TraceParent } from './propagation.js';
import { NewTrace, newSpanId, RatioRule } from './ids.js';

type Log = (level: 'warn' | 'info', text: string) => void;

/**
 * A trace context made by this host: the W3C fields as own properties (what the lattice's wire and
 * headers carry, so only `traceparent` and, when present, `tracestate`), plus privately the tracer
 * that made it and the span it belongs to (none: the decision was "not sampled"). An invocation
 * under it follows that decision without parsing: every sampler gives a child the decision of its
 * parent on the same host (ratio samplers judge the same trace id).
 *
 * It is also the CallTrace of an unrecorded call with no invocation id (`traceContext` is itself),
 * so the invocation of an unsampled HTTP request allocates nothing.
 */
class OwnContext implements CallTrace {
  declare readonly tracestate?: string;
  readonly #owner: HostTracer;
  readonly #span: Span | undefined;

  constructor(readonly traceparent: string, tracestate: string | undefined, owner: HostTracer, span: Span | undefined) {
    if (tracestate) this.tracestate = tracestate; // absent, not undefined: the wire encodes every own key
    this.#owner = owner;
    this.#span = span;
  }

  get traceContext(): Record<string, string> {
    return this as unknown as Record<string, string>;
  }

  /** The decision taken for `tc`, when `owner` made it: the span (sampled) or null (not). */
  static decided(tc: unknown, owner: HostTracer): Span | null | undefined {
    if (!(tc instanceof OwnContext) || tc.#owner !== owner) return undefined;
    return tc.#span ?? null;
  }
}

/** A call that is not recorded, with an invocation id (for the log): it only forwards its trace context. */
class Unsampled implements CallTrace {
  constructor(readonly traceContext: Record<string, string>, readonly invocationId?: string) {}
}

/** A call recorded as an SDK span. */
class Recorded implements CallTrace {
  readonly traceContext: Record<string, string>;

  constructor(readonly span: Span, tracestate: string | undefined, owner: HostTracer, readonly invocationId?: string) {
    const sc = span.spanContext();
    this.traceContext = new OwnContext(formatTraceparent(sc.traceId, sc.spanId, true), tracestate, owner, span).traceContext;
  }
}

/** Lets a trace id chosen (and sampled) here become the SDK's root span's id. */
class ChosenIds implements IdGenerator {
  next: string | undefined;

  generateTraceId(): string {
    const t = this.next;
    if (t === undefined) return new NewTrace().id;
    this.next = undefined;
    return t;
  }

  generateSpanId(): string {
    return newSpanId();
  }
}

/** Where a call starts: its parent (when valid) or a new trace, and the SDK context when it is recorded. */
interface Start { parent?: TraceParent; root?: NewTrace; ctx?: Context }

/** Passes spans on, and says in the host log (once a minute at most) when exporting fails. */
class ReportingExporter implements SpanExporter {
  private lastReport = 0;

  constructor(private readonly inner: SpanExporter, private readonly where: string, private readonly log: Log) {}

  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      if (r.code !== ExportResultCode.SUCCESS && Date.now() - this.lastReport > 60_000) {
        this.lastReport = Date.now();
        this.log('warn', `tracing: ${spans.length} span(s) could not be exported to ${this.where}: ${r.error?.message ?? 'unknown error'}; check OTEL_EXPORTER_OTLP_ENDPOINT and that the collector is up`);
      }
      done(r);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

function exportersFor(cfg: TracingConfig, log: Log): SpanExporter[] {
  return cfg.exporters.map((e) => e === 'otlp'
    ? new ReportingExporter(new OTLPTraceExporter({ url: cfg.endpoint, headers: cfg.headers }), cfg.endpoint, log)
    : new ConsoleSpanExporter());
}

export interface HostTracerOptions {
  log?: Log;
  /** Replace the exporters the configuration names (tests, benchmarks). */
  exporters?: SpanExporter[];
}

export class HostTracer implements HttpTracing {
  private readonly ids = new ChosenIds();
  private readonly ratio: RatioRule;
  private provider?: BasicTracerProvider;
  private tracer?: Tracer;

  constructor(private readonly cfg: TracingConfig, private readonly opts: HostTracerOptions = {}) {
    this.ratio = new RatioRule(cfg.ratio);
  }

  /** Begin exporting, with the host's id in the resource. Before this, nothing is traced. */
  start(hostId: string): void {
    if (this.provider) return;
    const log = this.opts.log ?? (() => {});
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ ...this.cfg.resource, [ATTR_SERVICE_NAME]: this.cfg.serviceName, 'service.instance.id': hostId, 'stratus.host.id': hostId }),
      sampler: new AlwaysOnSampler(), // the decision is taken here (see sampled()), before the SDK is asked
      idGenerator: this.ids,
      spanProcessors: (this.opts.exporters ?? exportersFor(this.cfg, log)).map((e) => new BatchSpanProcessor(e)),
    });
    this.tracer = this.provider.getTracer('stratus');
  }

  /** Export what is buffered now. */
  flush(): Promise<void> {
    return this.provider?.forceFlush() ?? Promise.resolve();
  }

  /** Export what is buffered and stop. */
  async shutdown(): Promise<void> {
    const p = this.provider;
    this.provider = undefined;
    this.tracer = undefined;
    await p?.shutdown();
  }

  /** The configured sampler's decision for a call under `parent`, or for the root of the new trace `root`. */
  sampled(parent: TraceParent | undefined, root: NewTrace | undefined): boolean {
    switch (this.cfg.sampler) {
      case 'always_on': return true;
      case 'always_off': return false;
      case 'traceidratio': return parent ? this.ratio.sampledId(parent.traceId) : this.ratio.sampledWords(root!);
      case 'parentbased_always_on': return parent ? parent.sampled : true;
      case 'parentbased_always_off': return parent ? parent.sampled : false;
      case 'parentbased_traceidratio': return parent ? parent.sampled : this.ratio.sampledWords(root!);
    }
  }

  /** Where a call with this incoming trace context starts; `ctx` is set only when it is recorded
   *  (for a new trace, the id is chosen before the span so the sampler can judge it). */
  private begin(traceparent: string | undefined, tracestate: string | undefined): Start {
    const parent = parseTraceparent(traceparent);
    if (parent) {
      if (!this.tracer || !this.sampled(parent, undefined)) return { parent };
      return {
        parent,
        ctx: trace.setSpanContext(ROOT_CONTEXT, {
          traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.sampled ? 1 : 0, isRemote: true,
          ...(tracestate ? { traceState: new TraceState(tracestate) } : {}),
        }),
      };
    }
    const root = new NewTrace();
    if (!this.tracer || !this.sampled(undefined, root)) return { root };
    this.ids.next = root.id;
    return { root, ctx: ROOT_CONTEXT };
  }

  /** The context an unrecorded call passes on: an unsampled parent as it came (W3C); a new trace
   *  gets ids, so the next hop (another host of the lattice) follows this decision. */
  private unsampled(at: Start, traceparent: string | undefined, tracestate: string | undefined): OwnContext {
    return new OwnContext(at.parent ? traceparent! : formatTraceparent(at.root!.id, newSpanId(), false), tracestate, this, undefined);
  }

  // ------------------------------------------------------------------ HTTP requests (listener)

  request(method: string, path: string, traceparent: string | undefined, tracestate: string | undefined, actorId: string): RequestTrace {
    const at = this.begin(traceparent, tracestate);
    if (!at.ctx) return this.unsampled(at, traceparent, tracestate); // a RequestTrace too: its own context, no end()
    const span = this.tracer!.startSpan(method, {
      kind: SpanKind.SERVER,
      attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: path, 'stratus.actor.id': actorId },
    }, at.ctx);
    const rec = new Recorded(span, tracestate, this);
    return {
      traceContext: rec.traceContext,
      end: (status) => {
        if (status === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away before the response was sent' });
        else {
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  }

  // ------------------------------------------------------------------ the telemetry sink's part

  readonly traceInvocation = (inv: Invocation, actorId: string, actorName: string): CallTrace | undefined => {
    const tc = inv.traceContext;
    const id = inv.id === '' ? undefined : inv.id;
    // a context this host made (an HTTP request's, a host call's): its decision holds, nothing is parsed
    const decided = OwnContext.decided(tc, this);
    let ctx: Context | undefined;
    if (decided === null || (decided !== undefined && !this.tracer)) return id === undefined ? tc as unknown as OwnContext : new Unsampled(tc!, id);
    if (decided !== undefined) ctx = trace.setSpan(ROOT_CONTEXT, decided);
    else {
      const at = this.begin(tc?.traceparent, tc?.tracestate);
      if (!at.ctx) {
        if (at.parent) return new Unsampled(tc!, id);
        const own = this.unsampled(at, undefined, tc?.tracestate);
        return id === undefined ? own : new Unsampled(own.traceContext, id);
      }
      ctx = at.ctx;
    }
    const [service, method] = splitOperation(inv.operation);
    const span = this.tracer!.startSpan(inv.operation, {
      kind: SpanKind.SERVER,
      attributes: { 'rpc.system': 'wasmbus', 'rpc.service': service, 'rpc.method': method, 'stratus.actor.id': actorId, 'stratus.actor.name': actorName },
    }, ctx);
    if (id) span.setAttribute('stratus.invocation.id', id);
    return new Recorded(span, tc?.tracestate, this, id);
  };

  readonly traceHostCall = (parent: CallTrace, actorId: string, linkName: string, contractId: string, operation: string): CallTrace | undefined => {
    // inside an unrecorded call, host calls forward its context and record nothing
    if (!(parent instanceof Recorded)) return parent;
    if (!this.tracer) return new Unsampled(parent.traceContext, parent.invocationId); // shut down: never end the parent's span here
    const [service, method] = splitOperation(operation);
    const attributes: Attributes = {
      'rpc.system': 'wasmbus', 'rpc.service': service, 'rpc.method': method,
      'stratus.actor.id': actorId, 'stratus.contract': contractId, 'stratus.link_name': linkName,
    };
    const span = this.tracer.startSpan(operation, { kind: SpanKind.CLIENT, attributes }, trace.setSpan(ROOT_CONTEXT, parent.span));
    return new Recorded(span, parent.traceContext.tracestate, this, parent.invocationId);
  };

  /** An invocation or host call ended: its span (if recorded) ends with the outcome. */
  ended(t: CallTrace | undefined, outcome: Outcome): void {
    if (!(t instanceof Recorded)) return;
    t.span.setAttribute('stratus.outcome', outcome);
    if (outcome !== 'ok') t.span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
    t.span.end();
  }
}

function splitOperation(op: string): [string, string] {
  const i = op.lastIndexOf('.');
  return i < 0 ? ['', op] : [op.slice(0, i), op.slice(i + 1)];
}
