// `stratus up`'s observability flags (--log-level, --log-format, --metrics) and the OTEL_*
// variables, checked before a host starts so that a mistake is a usage error, not a line in a log.
import { HostLogger } from './logs/host-logger.js';
import { parseLogFormat, parseLogLevel } from './logs/levels.js';
import { parseMetricsAddress, type ListenAddress } from './metrics/address.js';
import { tracingConfigFromEnv, type Env } from './tracing/config.js';

export interface ObserveFlags { logLevel?: string; logFormat?: string; metrics?: string | true }

export interface ObserveSetup {
  logger: HostLogger;
  jsonLogs: boolean;
  metrics?: ListenAddress;
}

export function observeFlags(o: ObserveFlags, env: Env): ObserveSetup {
  const format = parseLogFormat(o.logFormat);
  const logger = new HostLogger({ level: parseLogLevel(o.logLevel), format, write: (line) => process.stderr.write(line) });
  tracingConfigFromEnv(env);
  return { logger, jsonLogs: format === 'json', ...(o.metrics !== undefined ? { metrics: parseMetricsAddress(o.metrics) } : {}) };
}
