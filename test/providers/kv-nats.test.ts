// tier: full — starts nats-server -js
// The NATS JetStream KV backend (backend=nats, wasmCloud kv-nats link values) held to the same
// conformance suite as lmdb, memory and Redis, plus what only a networked store can do wrong:
// increments from two hosts on one bucket, and a server that goes away mid-write.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { connect } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { startNats, type RunningServer } from '../support/servers.js';
import { kvConformance, kvClient, kvLink, testHost } from './kv-conformance.js';
import { createProvider } from '../../src/providers/registry.js';
import { natsBucketName, natsKey } from '../../src/providers/keyvalue/nats-store.js';
import { parseKvSettings } from '../../src/providers/keyvalue/settings.js';

let nats: RunningServer | undefined;
const started = async () => (nats ??= await startNats());
after(async () => { await nats?.dispose(); });

const fixture = async () => {
  const n = await started();
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-nats-'));
  return { values: { backend: 'nats', cluster_uri: n.url }, dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
};
kvConformance('nats backend (JetStream KV)', fixture);

describe('keyvalue nats backend', () => {
  it('keys and bucket names map one-to-one onto what NATS allows', () => {
    assert.equal(natsKey('counter::bloggo'), 'counter=3A=3Abloggo');
    assert.equal(natsKey(''), '=');
    assert.equal(natsKey('a.b'), 'a=2Eb');
    assert.notEqual(natsKey('=3A'), natsKey(':'));
    assert.equal(natsBucketName('orders'), 'orders', 'a valid NATS bucket name is used as is (shared with wasmCloud kv-nats)');
    assert.equal(natsBucketName(''), 'stratus-x');
    assert.equal(natsBucketName('a:b'), 'stratus-x613a62');
    assert.notEqual(natsBucketName('stratus-x613a62'), 'stratus-x613a62', 'the reserved prefix cannot be named directly');
  });

  it('link values as wasmCloud kv-nats names them; cluster_uri alone selects nats; wrong combinations are refused', () => {
    assert.equal(parseKvSettings({ cluster_uri: 'nats://127.0.0.1:4222', bucket: 'b' }).backend, 'nats');
    assert.deepEqual(parseKvSettings({ backend: 'nats', URI: '10.0.0.1:4222' }).nats?.servers, ['10.0.0.1:4222']);
    assert.throws(() => parseKvSettings({ backend: 'lmdb', js_domain: 'x' }), /js_domain apply to backend=nats, not lmdb/);
    assert.throws(() => parseKvSettings({ backend: 'nats', client_jwt: 'x' }), /client_seed is missing/);
    assert.throws(() => parseKvSettings({ backend: 'nats', max_size: '1M' }), /do not apply to backend=nats/);
  });

  it('two providers (two hosts) incrementing one key on one bucket end exact', async () => {
    const n = await started();
    const values = { backend: 'nats', cluster_uri: n.url, bucket: 'shared-counters' };
    const [a, b] = [createProvider('keyvalue'), createProvider('keyvalue')];
    await a.start(testHost('/nonexistent'));
    await b.start(testHost('/nonexistent'));
    const [la, lb] = [kvLink('MHOSTA', values, a.id), kvLink('MHOSTB', values, b.id)];
    await a.putLink(la);
    await b.putLink(lb);
    const [ca, cb] = [kvClient(a, la), kvClient(b, lb)];
    const key = `two-hosts-${process.pid}`;
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? ca : cb).call('Increment', { key, value: 1 }))) as number[];
    assert.deepEqual([...results].sort((x, y) => x - y), Array.from({ length: 60 }, (_, i) => i + 1), 'every increment saw a distinct value');
    assert.deepEqual(await ca.call('Get', key), { value: '60', exists: true });
    await a.shutdown();
    await b.shutdown();
  });

  it('the stored value is visible to any NATS client under the encoded key', async () => {
    const n = await started();
    const p = createProvider('keyvalue');
    await p.start(testHost('/nonexistent'));
    const l = kvLink('MVISIBLE', { backend: 'nats', cluster_uri: n.url, bucket: 'visible' }, p.id);
    await p.putLink(l);
    await kvClient(p, l).call('Set', { key: 'greeting:en', value: 'hello', expires: 0 });
    const nc = await connect({ servers: n.url });
    const kv = await new Kvm(nc).open('visible');
    const e = await kv.get('greeting=3Aen');
    assert.deepEqual(JSON.parse(new TextDecoder().decode(e!.value)), { t: 's', v: 'hello' });
    await nc.close();
    await p.shutdown();
  });

  it('a server that goes away: operations fail with a clear error, nothing acknowledged is lost or doubled, and it recovers', async () => {
    const n = await started();
    const p = createProvider('keyvalue');
    await p.start(testHost('/nonexistent'));
    const l = kvLink('MOUTAGE', { backend: 'nats', cluster_uri: n.url, bucket: 'outage' }, p.id);
    await p.putLink(l);
    const c = kvClient(p, l);
    const key = `outage-${process.pid}`;
    let acked = 0;
    for (let i = 0; i < 20; i++) { await c.call('Increment', { key, value: 1 }); acked++; }
    await n.stop();
    // while it is down: each operation fails, saying what happened, and none is acknowledged
    const errors: string[] = [];
    for (let i = 0; i < 3; i++) {
      try { await c.call('Increment', { key, value: 1 }); acked++; } catch (e) { errors.push((e as Error).message); }
    }
    assert.equal(errors.length, 3);
    for (const m of errors) assert.match(m, /NATS .* bucket outage.*(was not performed|may or may not have been applied)/s);
    await n.restart();
    // JetStream data is on disk: the acknowledged increments are all there, and none twice
    let value: unknown;
    for (let i = 0; i < 100; i++) {
      try { value = await c.call('Get', key); break; } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    assert.deepEqual(value, { value: String(acked), exists: true });
    assert.equal(await c.call('Increment', { key, value: 1 }), acked + 1);
    await p.shutdown();
  });
});
