// Tracing settings from OTEL_* variables and W3C trace-context propagation: pure functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStratusError } from '../../src/core/errors.js';
import { tracingConfigFromEnv } from '../../src/observe/tracing/config.js';
import { formatTraceparent, injectTraceHeaders, parseTraceparent, traceContextFromHeaders } from '../../src/observe/tracing/propagation.js';
import { parseMetricsAddress } from '../../src/observe/metrics/address.js';

test('tracing is off unless the OTEL_* variables ask for it', () => {
  assert.equal(tracingConfigFromEnv({}), undefined);
  assert.equal(tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), undefined);
  assert.equal(tracingConfigFromEnv({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }), undefined);
  const byEndpoint = tracingConfigFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
  assert.deepEqual(byEndpoint, {
    exporters: ['otlp'], endpoint: 'http://collector:4318/v1/traces', headers: {}, sampler: 'parentbased_always_on', ratio: 1, serviceName: 'stratus', resource: {},
  });
});

test('the standard variables: traces endpoint, headers, sampler and ratio, service name and resource', () => {
  const c = tracingConfigFromEnv({
    OTEL_TRACES_EXPORTER: 'otlp,console', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c.example/traces',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x, team=a', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01',
    OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=from-resource', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  })!;
  assert.deepEqual(c.exporters, ['otlp', 'console']);
  assert.equal(c.endpoint, 'https://c.example/traces');
  assert.deepEqual(c.headers, { authorization: 'Bearer x', team: 'a' });
  assert.equal(c.sampler, 'parentbased_traceidratio');
  assert.equal(c.ratio, 0.01);
  assert.equal(c.serviceName, 'from-resource');
  assert.equal(tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'service.name=r' })!.serviceName, 'svc');
});

test('values Stratus cannot honour are errors that name the variable and what it takes', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_TRACES_EXPORTER="zipkin".*otlp, console or none/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'jaeger_remote' }, /OTEL_TRACES_SAMPLER="jaeger_remote".*parentbased_traceidratio/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '5%' }, /OTEL_TRACES_SAMPLER_ARG="5%".*from 0 to 1/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, /OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318"/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, /OTEL_EXPORTER_OTLP_PROTOCOL="grpc".*HTTP port \(4318\)/],
    [{ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_HEADERS: 'novalue' }, /OTEL_EXPORTER_OTLP_HEADERS="novalue".*key=value/],
  ];
  for (const [env, re] of cases) {
    assert.throws(() => tracingConfigFromEnv(env), (e) => isStratusError(e, 'BAD_REQUEST') && re.test(e.message), JSON.stringify(env));
  }
});

test('traceparent: valid ones parse, malformed ones are ignored (the trace restarts)', () => {
  const t = '4bf92f3577b34da6a3ce929d0e0e4736';
  const s = '00f067aa0ba902b7';
  assert.deepEqual(parseTraceparent(`00-${t}-${s}-01`), { traceId: t, spanId: s, sampled: true });
  assert.deepEqual(parseTraceparent(`00-${t}-${s}-00`), { traceId: t, spanId: s, sampled: false });
  assert.deepEqual(parseTraceparent(`01-${t}-${s}-03-future`), { traceId: t, spanId: s, sampled: true }, 'a later version may carry more');
  for (const bad of [undefined, '', `00-${t}-${s}`, `00-${t.toUpperCase()}-${s}-01`, `00-${'0'.repeat(32)}-${s}-01`, `00-${t}-${'0'.repeat(16)}-01`,
    `ff-${t}-${s}-01`, `00-${t}-${s}-01-extra`, `00-${t}x-${s}-01`]) {
    assert.equal(parseTraceparent(bad), undefined, String(bad));
  }
  assert.equal(formatTraceparent(t, s, true), `00-${t}-${s}-01`);
});

test('trace context to and from message headers (for the lattice RPC)', () => {
  const tp = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
  const headers = new Map<string, string>();
  injectTraceHeaders({ traceparent: tp, tracestate: 'k=v', other: 'not copied' }, (k, v) => headers.set(k, v));
  assert.deepEqual([...headers], [['traceparent', tp], ['tracestate', 'k=v']]);
  assert.deepEqual(traceContextFromHeaders((k) => headers.get(k)), { traceparent: tp, tracestate: 'k=v' });
  assert.equal(traceContextFromHeaders(() => 'garbage'), undefined);
  const none = new Map<string, string>();
  injectTraceHeaders({ traceparent: 'garbage' }, (k, v) => none.set(k, v));
  injectTraceHeaders(undefined, (k, v) => none.set(k, v));
  assert.equal(none.size, 0);
});

test('--metrics addresses: loopback by default', () => {
  assert.deepEqual(parseMetricsAddress(true), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseMetricsAddress('9100'), { host: '127.0.0.1', port: 9100 });
  assert.deepEqual(parseMetricsAddress(':9100'), { host: '127.0.0.1', port: 9100 });
  assert.deepEqual(parseMetricsAddress('0.0.0.0:9100'), { host: '0.0.0.0', port: 9100 });
  assert.deepEqual(parseMetricsAddress('[::1]:9100'), { host: '::1', port: 9100 });
  for (const bad of ['70000', 'host', '::1:9100', '[zz]:1', 'a b:1']) {
    assert.throws(() => parseMetricsAddress(bad), (e) => isStratusError(e, 'BAD_REQUEST') && /--metrics/.test(e.message), bad);
  }
});

test('new trace ids are valid, and the ratio rule agrees with the OpenTelemetry SDK\'s TraceIdRatioBased sampler', async () => {
  const { NewTrace, newSpanId, RatioRule } = await import('../../src/observe/tracing/ids.js');
  const { TraceIdRatioBasedSampler, SamplingDecision } = await import('@opentelemetry/sdk-trace-base');
  const { ROOT_CONTEXT } = await import('@opentelemetry/api');
  for (const ratio of [0, 0.01, 0.5, 1]) {
    const ours = new RatioRule(ratio);
    const sdk = new TraceIdRatioBasedSampler(ratio);
    let sampled = 0;
    for (let i = 0; i < 2000; i++) {
      const t = new NewTrace();
      assert.match(t.id, /^[0-9a-f]{32}$/);
      const expected = sdk.shouldSample(ROOT_CONTEXT, t.id).decision === SamplingDecision.RECORD_AND_SAMPLED;
      assert.equal(ours.sampledWords(t), expected, `ratio ${ratio}, id ${t.id}`);
      assert.equal(ours.sampledId(t.id), expected);
      if (expected) sampled++;
    }
    if (ratio === 0) assert.equal(sampled, 0);
    if (ratio === 1) assert.equal(sampled, 2000);
    if (ratio === 0.5) assert.ok(sampled > 800 && sampled < 1200, `about half: ${sampled}`);
  }
  assert.match(newSpanId(), /^[0-9a-f]{16}$/);
});
