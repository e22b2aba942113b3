// Logs (issue 15 item 4): the host's log as JSON lines that parse and carry the host id, the actor
// or provider (key and name) and the trace where known; readable lines with names; levels; the
// in-process stream a dashboard tails; the actor filter of `stratus logs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStratusError } from '../../src/core/errors.js';
import { actorEntity, CLI_ORIGIN } from '../../src/core/wire.js';
import { createProvider } from '../../src/providers/registry.js';
import { HostLogger } from '../../src/observe/logs/host-logger.js';
import { parseLogFormat, parseLogLevel } from '../../src/observe/logs/levels.js';
import { ActorFilter } from '../../src/observe/logs/actor-filter.js';
import { LogStream } from '../../src/observe/logs/log-stream.js';
import { formatText, parseLogLine, type LogRecord } from '../../src/observe/logs/record.js';
import { tracingConfigFromEnv } from '../../src/observe/tracing/config.js';
import { hostCallPayload, signedFixture, until } from '../support/fixtures.js';
import { observedHost } from './support.js';

function jsonLogger(level: 'trace' | 'debug' | 'info' | 'warn' = 'info') {
  const lines: string[] = [];
  const logger = new HostLogger({ level, format: 'json', write: (l) => lines.push(l) });
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as LogRecord) };
}

test('JSON lines parse and carry time, level, host id, the actor or provider with its name, and the trace id', async () => {
  const { logger, lines, records } = jsonLogger();
  const tracing = tracingConfigFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'always_on' });
  const { host, dispose } = observedHost({ logger, tracing, spanExporters: [] });
  try {
    const talker = await host.startActor(await signedFixture('console', { name: 'talker' }));
    await host.call(talker.id, 'Say', new Uint8Array(0));
    await until(() => records().some((r) => r.msg === 'hello console'), 'the console line');
    const kv = createProvider('keyvalue');
    await host.startProvider(kv);
    const caller = await host.startActor(await signedFixture('hostcall', { name: 'refused' }));
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await assert.rejects(host.invoke({ origin: CLI_ORIGIN, target: actorEntity(caller.id), operation: 'Run', id: 'inv-42',
      msg: hostCallPayload('default', 'wasmcloud:keyvalue', 'KeyValue.Get'), traceContext: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } }));
    await host.putLink({ actor_id: caller.id, provider_id: kv.id, contract_id: kv.contractId, link_name: 'default', values: { backend: 'memory' } });

    for (const line of lines) {
      assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), `one line per record: ${line}`);
      const r = JSON.parse(line) as LogRecord;
      assert.match(r.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(['info', 'warn', 'error', 'debug'].includes(r.level));
      assert.equal(r.host, host.id);
    }
    const said = records().find((r) => r.msg === 'hello console')!;
    assert.deepEqual([said.level, said.actor, said.actor_name], ['info', talker.id, 'talker']);
    const denied = records().find((r) => r.msg.includes('host call KeyValue.Get on wasmcloud:keyvalue denied'))!;
    assert.deepEqual([denied.level, denied.actor, denied.actor_name, denied.trace_id, denied.invocation], ['warn', caller.id, 'refused', traceId, 'inv-42']);
    const linked = records().find((r) => r.provider === kv.id && r.msg.includes(caller.id))!;
    assert.equal(linked.provider_name, 'keyvalue');
    assert.ok(!linked.msg.startsWith('['), `the provider prefix is in the fields, not the text: ${linked.msg}`);
    // every record written is in the stream a dashboard tails
    assert.equal(logger.stream.recent().length, lines.length);
  } finally {
    await dispose();
  }
});

test('readable lines name the actor and provider; levels below the chosen one are not written; trace level adds a line per call', async () => {
  const text: string[] = [];
  const logger = new HostLogger({ level: 'warn', format: 'text', write: (l) => text.push(l) });
  logger.log('info', 'not written');
  logger.log('warn', '[M123] something', { actor: 'MABCDEFGHIJKLMNOP', actorName: 'kvcounter', traceId: 'abc' });
  logger.log('error', 'listener failed', { provider: 'VXYZXYZXYZXYZXYZ', providerName: 'httpserver', actor: 'MABCDEFGHIJKLMNOP' });
  assert.equal(text.length, 2);
  assert.match(text[0]!, /^\[\d{4}-.*Z\] warn  \[kvcounter MABCDEFG…\] \[M123\] something \(trace abc\)\n$/);
  assert.match(text[1]!, /^\[.*\] error \[httpserver VXYZXYZX… → MABCDEFG…\] listener failed\n$/);

  const { logger: tracer, records } = jsonLogger('trace');
  const { host, dispose } = observedHost({ logger: tracer });
  try {
    const echo = await host.startActor(await signedFixture('echo', { name: 'echoer' }));
    await host.call(echo.id, 'Echo.Say', new Uint8Array([1]));
    const perCall = records().filter((r) => r.level === 'trace');
    assert.equal(perCall.length, 1, JSON.stringify(perCall));
    assert.match(perCall[0]!.msg, /^invocation Echo\.Say: ok in \d+\.\d{3} ms$/);
    assert.deepEqual([perCall[0]!.actor, perCall[0]!.actor_name], [echo.id, 'echoer']);
  } finally {
    await dispose();
  }
});

test('--log-level and --log-format values are checked', () => {
  assert.equal(parseLogLevel('TRACE'), 'trace');
  assert.throws(() => parseLogLevel('verbose'), (e) => isStratusError(e, 'BAD_REQUEST') && /trace, debug, info, warn, error/.test(e.message));
  assert.equal(parseLogFormat(undefined), 'text');
  assert.throws(() => parseLogFormat('yaml'), (e) => isStratusError(e, 'BAD_REQUEST') && /text or json/.test(e.message));
});

test('the log stream keeps the last records and delivers new ones to filtered subscribers', () => {
  const s = new LogStream(3);
  const rec = (msg: string, actor?: string): LogRecord => ({ time: 't', level: 'info', msg, ...(actor ? { actor } : {}) });
  const seen: string[] = [];
  const off = s.subscribe((r) => seen.push(r.msg), (r) => r.actor === 'MA');
  for (const [m, a] of [['1', 'MA'], ['2', 'MB'], ['3', 'MA'], ['4', undefined]] as const) s.push(rec(m, a));
  assert.deepEqual(s.recent().map((r) => r.msg), ['2', '3', '4']);
  assert.deepEqual(s.recent(2, (r) => r.actor !== undefined).map((r) => r.msg), ['2', '3']);
  assert.deepEqual(seen, ['1', '3']);
  off();
  s.subscribe(() => { throw new Error('a failing subscriber'); });
  s.push(rec('5', 'MA'));
  assert.deepEqual(seen, ['1', '3'], 'unsubscribed; a throwing subscriber does not stop the stream');
  assert.deepEqual(s.recent().map((r) => r.msg), ['3', '4', '5']);
});

test('the actor filter matches by name or key, learns keys from named lines, and catches lines that mention the key', () => {
  const key = `M${'A'.repeat(55)}`;
  const other = `M${'B'.repeat(55)}`;
  const byName = new ActorFilter('kvcounter');
  const line = (msg: string, extra: Partial<LogRecord> = {}): LogRecord => ({ time: 't', level: 'info', msg, ...extra });
  assert.equal(byName.matches(line('httpserver: serving actor ' + key)), false, 'key not learned yet');
  assert.equal(byName.matches(line('x', { actor: key, actor_name: 'kvcounter' })), true);
  assert.equal(byName.matches(line('y', { actor: key })), true, 'learned');
  assert.equal(byName.matches(line('httpserver: serving actor ' + key)), true);
  assert.equal(byName.matches(line('z', { actor: other, actor_name: 'other' })), false);
  const byKey = new ActorFilter(key);
  assert.equal(byKey.matches(line('y', { actor: key })), true);
  assert.equal(byKey.mentions(`a note about ${other}`), false);
  assert.equal(parseLogLine('deployed application "x"'), undefined);
  assert.equal(parseLogLine('{"not":"a record"}'), undefined);
  const r = line('m', { actor: key, actor_name: 'kvcounter' });
  assert.deepEqual(parseLogLine(JSON.stringify(r)), r);
  assert.match(formatText(r), /\[kvcounter MAAAAAAA…\] m/);
});
