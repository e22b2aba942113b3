// HostData as wasmCloud writes it (reference §5.1): round trip, the fields a wasmCloud provider
// requires, links from JSON or msgpack; and the restart backoff rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHostData, linkFromWire, parseHostData, type HostData } from '../../src/provider-sdk/host-data.js';
import { isStratusError } from '../../src/core/errors.js';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';
import { restartDelay } from '../../src/providers/process/supervision.js';

const sample: HostData = {
  host_id: 'N'.padEnd(56, 'A'), lattice_rpc_prefix: 'default', link_name: 'default', lattice_rpc_user_jwt: '', lattice_rpc_user_seed: '',
  lattice_rpc_url: '127.0.0.1:4222', lattice_rpc_tls: false, env_values: {}, instance_id: 'i', provider_key: 'V'.padEnd(56, 'B'),
  link_definitions: [{ id: 'x', actor_id: 'M1', provider_id: 'V1', link_name: 'default', contract_id: 'acme:x', values: { a: '1' } }],
  config_json: null, default_rpc_timeout_ms: 2000, cluster_issuers: ['C1'], invocation_seed: 'SC...', js_domain: null, structured_logging: false, log_level: 'info',
};

test('HostData: one line of standard base64 JSON with wasmCloud field names, parsed back', () => {
  const line = encodeHostData(sample);
  assert.ok(line.endsWith('\n'));
  assert.match(line.trim(), /^[A-Za-z0-9+/]+=*$/);
  const json = JSON.parse(Buffer.from(line, 'base64').toString()) as Record<string, unknown>;
  for (const k of ['host_id', 'lattice_rpc_prefix', 'link_name', 'lattice_rpc_user_jwt', 'lattice_rpc_user_seed', 'lattice_rpc_url', 'env_values', 'instance_id', 'provider_key', 'link_definitions', 'cluster_issuers', 'invocation_seed', 'default_rpc_timeout_ms']) {
    assert.ok(k in json, k);
  }
  assert.deepEqual(parseHostData(`  ${line}  `), sample);
});

test('HostData: what is missing or malformed is named', () => {
  const without = (k: string) => Buffer.from(JSON.stringify({ ...sample, [k]: undefined })).toString('base64');
  assert.throws(() => parseHostData(without('cluster_issuers')), (e) => isStratusError(e, 'BAD_REQUEST') && /cluster_issuers is missing/.test(e.message));
  assert.throws(() => parseHostData(without('provider_key')), /provider_key is missing/);
  assert.throws(() => parseHostData('not base64 json'), /not base64 of a JSON object/);
  assert.throws(() => parseHostData(''), /stdin held no line/);
});

test('links: id computed when absent, default link name, non-string values dropped', () => {
  const l = linkFromWire({ actor_id: 'M1', contract_id: 'acme:x', provider_id: 'V1', values: { a: '1', b: 2 } }, 'test');
  assert.equal(l.link_name, 'default');
  assert.equal(l.id, linkDefinitionId('M1', 'acme:x', 'default'));
  assert.deepEqual(l.values, { a: '1' });
  assert.throws(() => linkFromWire({ contract_id: 'acme:x' }, 'linkdefs.put'), /linkdefs.put: actor_id and contract_id are required/);
});

test('restart backoff doubles up to its cap', () => {
  const o = { restartBaseMs: 100, restartMaxMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => restartDelay(n, o)), [100, 200, 400, 800, 1000, 1000]);
});
