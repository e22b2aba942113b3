// Tracing settings from the standard OpenTelemetry environment variables. Tracing is off unless
// they ask for it: OTEL_TRACES_EXPORTER=otlp|console, or an OTLP endpoint with no exporter named.
// A value Stratus cannot honour is an error at start, naming the variable and what it accepts.
// Pure: reads the record it is given.
import { StratusError } from '../../core/errors.js';

export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];
export type ExporterName = 'otlp' | 'console';

export interface TracingConfig {
  exporters: ExporterName[];
  /** Where OTLP spans go (HTTP, JSON encoding). */
  endpoint: string;
  headers: Record<string, string>;
  sampler: SamplerName;
  /** For the *traceidratio samplers: the fraction of root traces sampled. */
  ratio: number;
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES. */
  resource: Record<string, string>;
}

export type Env = Record<string, string | undefined>;

const DEFAULT_ENDPOINT = 'http://localhost:4318';

function invalid(variable: string, value: string, accepts: string): StratusError {
  return new StratusError('BAD_REQUEST', `${variable}="${value}" is not supported: ${accepts}`, `fix or unset ${variable}`);
}

/** `k=v,k2=v2` with percent-encoded values (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES). */
export function parseKeyValueList(variable: string, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const i = part.indexOf('=');
    const key = i > 0 ? part.slice(0, i).trim() : '';
    if (key === '') throw invalid(variable, text, 'expected a comma-separated list of key=value');
    try {
      out[key] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      throw invalid(variable, text, `the value of ${key} is not valid percent-encoding`);
    }
  }
  return out;
}

function exporters(env: Env): ExporterName[] {
  const named = env.OTEL_TRACES_EXPORTER?.trim();
  if (named === undefined || named === '') {
    // no exporter named: an OTLP endpoint is the request to export
    return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT ? ['otlp'] : [];
  }
  const out: ExporterName[] = [];
  for (const e of named.split(',').map((s) => s.trim().toLowerCase())) {
    if (e === 'none') return [];
    if (e !== 'otlp' && e !== 'console') throw invalid('OTEL_TRACES_EXPORTER', named, 'use otlp, console or none');
    if (!out.includes(e)) out.push(e);
  }
  return out;
}

function endpoint(env: Env): string {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const [variable, url] = traces ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces]
    : ['OTEL_EXPORTER_OTLP_ENDPOINT', `${(base || DEFAULT_ENDPOINT).replace(/\/+$/, '')}/v1/traces`];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(variable, traces ?? base ?? '', 'expected a URL such as http://localhost:4318');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(variable, traces ?? base ?? '', 'the OTLP exporter speaks HTTP: use an http:// or https:// URL');
  return url;
}

function protocol(env: Env): void {
  for (const variable of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const v = env[variable]?.trim();
    if (v === undefined || v === '') continue;
    // Collectors take JSON and protobuf on the same OTLP/HTTP port; gRPC is another port and protocol.
    if (v !== 'http/json' && v !== 'http/protobuf') throw invalid(variable, v, 'Stratus exports OTLP over HTTP (sent as JSON): use http/json or http/protobuf, and the collector\'s HTTP port (4318)');
    return;
  }
}

function sampler(env: Env): { sampler: SamplerName; ratio: number } {
  const name = (env.OTEL_TRACES_SAMPLER?.trim() || 'parentbased_always_on').toLowerCase();
  if (!(SAMPLERS as readonly string[]).includes(name)) throw invalid('OTEL_TRACES_SAMPLER', env.OTEL_TRACES_SAMPLER!, `use one of ${SAMPLERS.join(', ')}`);
  const s = name as SamplerName;
  let ratio = 1;
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (s.endsWith('traceidratio') && arg !== undefined && arg !== '') {
    ratio = Number(arg);
    if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw invalid('OTEL_TRACES_SAMPLER_ARG', arg, 'the sampling ratio is a number from 0 to 1 (0.01 samples 1 % of traces)');
  }
  return { sampler: s, ratio };
}

/** Tracing settings, or undefined when tracing is off. Throws a StratusError for values it cannot honour. */
export function tracingConfigFromEnv(env: Env): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const ex = exporters(env);
  if (ex.length === 0) return undefined;
  protocol(env);
  const resource = env.OTEL_RESOURCE_ATTRIBUTES ? parseKeyValueList('OTEL_RESOURCE_ATTRIBUTES', env.OTEL_RESOURCE_ATTRIBUTES) : {};
  const headersText = env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS;
  const headersVar = env.OTEL_EXPORTER_OTLP_TRACES_HEADERS !== undefined ? 'OTEL_EXPORTER_OTLP_TRACES_HEADERS' : 'OTEL_EXPORTER_OTLP_HEADERS';
  return {
    exporters: ex,
    endpoint: endpoint(env),
    headers: headersText ? parseKeyValueList(headersVar, headersText) : {},
    ...sampler(env),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || resource['service.name'] || 'stratus',
    resource,
  };
}
