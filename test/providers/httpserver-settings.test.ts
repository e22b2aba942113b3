// Link values -> listener settings (pure; reference §2.3).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseHttpServerSettings, parseAddress } from '../../src/providers/httpserver/settings.js';
import { isStratusError } from '../../src/core/errors.js';

const parse = (values: Record<string, string>) => parseHttpServerSettings(values, 2000);

describe('httpserver link values', () => {
  it('defaults to 127.0.0.1:8000, 10 MiB bodies, the host RPC timeout and documented connection limits', () => {
    assert.deepEqual(parse({}), {
      host: '127.0.0.1', port: 8000, maxContentLen: 10 * 1024 * 1024, timeoutMs: 2000,
      maxConnections: 1024, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000,
      maxResponseLen: 16 * 1024 * 1024, debugErrors: false,
    });
  });

  it('reads the connection limits, timeouts, max_response_len and debug_errors', () => {
    const s = parse({ MAX_CONNECTIONS: '10', headers_timeout_ms: '100', request_timeout_ms: '200', keepalive_timeout_ms: '300', max_response_len: '2K', debug_errors: 'true' });
    assert.deepEqual([s.maxConnections, s.headersTimeoutMs, s.requestTimeoutMs, s.keepAliveTimeoutMs, s.maxResponseLen, s.debugErrors], [10, 100, 200, 300, 2048, true]);
    assert.equal(parse({ debug_errors: 'false' }).debugErrors, false);
    assert.equal(parse({ config_json: '{"max_connections": 7}' }).maxConnections, 7);
    // the development default (STRATUS_DEV_ERRORS=1) applies unless the link says otherwise
    assert.equal(parseHttpServerSettings({}, 2000, { debugErrors: true }).debugErrors, true);
    assert.equal(parseHttpServerSettings({ debug_errors: 'false' }, 2000, { debugErrors: true }).debugErrors, false);
    // a request timeout shorter than the default headers timeout pulls that one down with it
    assert.equal(parse({ request_timeout_ms: '500' }).headersTimeoutMs, 500);
  });

  it('reads address and port with keys in any case; port overrides the address port', () => {
    assert.deepEqual(parse({ address: '0.0.0.0:8080' }).host, '0.0.0.0');
    assert.equal(parse({ ADDRESS: '0.0.0.0:8080' }).port, 8080);
    assert.equal(parse({ PORT: '9090' }).port, 9090);
    assert.equal(parse({ PORT: '9090' }).host, '127.0.0.1');
    assert.deepEqual(parse({ Address: '0.0.0.0:8080', port: '9000' }).port, 9000);
    assert.deepEqual(parseAddress('[::1]:8081'), { host: '::1', port: 8081 });
    assert.deepEqual(parseAddress('localhost'), { host: 'localhost' });
  });

  it('reads max_content_len (bytes or K/M/G) and timeout_ms', () => {
    assert.equal(parse({ max_content_len: '1024' }).maxContentLen, 1024);
    assert.equal(parse({ MAX_CONTENT_LEN: '2M' }).maxContentLen, 2 * 1024 * 1024);
    assert.equal(parse({ timeout_ms: '150' }).timeoutMs, 150);
  });

  it('reads settings embedded in config_json / config_b64, explicit values winning', () => {
    assert.equal(parse({ config_json: '{"address":"127.0.0.1:7001"}' }).port, 7001);
    assert.equal(parse({ config_b64: Buffer.from('{"port":7002}').toString('base64') }).port, 7002);
    assert.equal(parse({ config_json: '{"port":7001}', port: '7003' }).port, 7003);
  });

  const rejects = (values: Record<string, string>, pattern: RegExp) => {
    assert.throws(() => parse(values), (e: Error) => {
      assert.ok(isStratusError(e, 'LINK_INVALID'), `expected a LinkError, got ${e.name}`);
      assert.match(e.message, pattern);
      assert.match(e.message, /hint: /);
      return true;
    });
  };

  it('rejects bad values with a LinkError naming the value and how to fix it', () => {
    rejects({ port: 'eighty' }, /port="eighty" is not a TCP port/);
    rejects({ port: '70000' }, /not a TCP port/);
    rejects({ address: '127.0.0.1:' }, /not a TCP port/);
    rejects({ address: ':8080' }, /address=":8080" is not a valid listen address/);
    rejects({ address: '[::1' }, /not a valid listen address/);
    rejects({ max_content_len: 'lots' }, /max_content_len="lots" is not a size/);
    rejects({ max_content_len: '0' }, /is not a size/);
    rejects({ timeout_ms: '-5' }, /timeout_ms="-5" is not a timeout/);
    rejects({ config_json: '{nope' }, /config_json is not valid JSON/);
    rejects({ config_json: '[1]' }, /must be a JSON object/);
    rejects({ max_connections: '0' }, /max_connections="0" is not a connection count/);
    rejects({ max_connections: 'many' }, /is not a connection count/);
    rejects({ headers_timeout_ms: '0' }, /headers_timeout_ms="0" is not a timeout/);
    rejects({ keepalive_timeout_ms: 'soon' }, /keepalive_timeout_ms="soon" is not a timeout/);
    rejects({ headers_timeout_ms: '5000', request_timeout_ms: '1000' }, /headers_timeout_ms \(5000\) is longer than request_timeout_ms \(1000\)/);
    rejects({ max_response_len: 'huge' }, /max_response_len="huge" is not a size/);
    rejects({ debug_errors: 'yes please' }, /debug_errors="yes please" is not true or false/);
  });
});
