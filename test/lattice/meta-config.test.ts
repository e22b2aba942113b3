// Lattice settings (config.ts, pure): every WASMCLOUD_* variable and wash-named flag, precedence
// (flag over variable, specific over --nats-host), defaults, refusals, and no secret in any text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyPair, fromSeed } from '../../src/claims/nkeys.js';
import { builtinLabels, describeLattice, readHostSettings, type LatticeFlags } from '../../src/lattice/config.js';
import { isStratusError } from '../../src/core/errors.js';

const user = createKeyPair('user');
const cluster = createKeyPair('cluster');
const server = createKeyPair('server');
const JWT = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVQUJDIn0.c2lnbmF0dXJl';

function lattice(env: Record<string, string>, flags: LatticeFlags = {}) {
  const s = readHostSettings(env, flags);
  assert.ok(s.lattice, 'joins a lattice');
  return s.lattice;
}

function refused(env: Record<string, string>, flags: LatticeFlags, expected: RegExp, secret?: string): void {
  let caught: unknown;
  try {
    readHostSettings(env, flags);
  } catch (e) {
    caught = e;
  }
  assert.ok(isStratusError(caught, 'BAD_REQUEST'), `refused with BAD_REQUEST: ${String(caught)}`);
  assert.match((caught as Error).message, expected);
  if (secret) assert.ok(!(caught as Error).message.includes(secret) && !(caught as Error).message.includes(secret.slice(0, 10)), 'the secret is not in the error');
}

test('without any lattice setting the host runs alone (labels, host seed and timeout still read)', () => {
  const s = readHostSettings({ HOST_zone: 'eu', PATH: '/bin', WASMCLOUD_HOST_SEED: server.seed, WASMCLOUD_RPC_TIMEOUT_MS: '3000' }, {});
  assert.equal(s.lattice, undefined);
  assert.equal(s.localNats, undefined);
  assert.equal(s.hostSeed, server.seed);
  assert.equal(s.rpcTimeoutMs, 3000);
  assert.deepEqual(s.labels, { zone: 'eu' });
});

test('defaults are wasmCloud\'s: prefix default, NATS on 127.0.0.1:4222 for both connections, wasmbus.ctl, 2000 ms, an ad-hoc cluster key among the issuers', () => {
  const s = readHostSettings({}, { latticePrefix: 'default' });
  const c = s.lattice!;
  assert.equal(c.prefix, 'default');
  assert.deepEqual(c.rpcServers, ['nats://127.0.0.1:4222']);
  assert.deepEqual(c.ctlServers, ['nats://127.0.0.1:4222']);
  assert.equal(c.ctlTopicPrefix, 'wasmbus.ctl');
  assert.equal(c.rpcTimeoutMs, 2000);
  assert.equal(c.allowFileLoad, false);
  assert.equal(c.dataReplicas, 1);
  assert.equal(c.jsDomain, undefined);
  assert.equal(c.rpcAuth, undefined);
  assert.equal(c.rpcTls, undefined);
  assert.deepEqual(c.clusterIssuers, [fromSeed(c.clusterSeed, 'cluster').publicKey]);
  assert.deepEqual(c.labels, builtinLabels());
  assert.deepEqual(s.localNats, { host: '127.0.0.1', port: 4222 }, 'nothing named a server: stratus up may start one');
  assert.notEqual(readHostSettings({}, { latticePrefix: 'default' }).lattice!.clusterSeed, c.clusterSeed, 'a new cluster key each time when none is given');
});

test('every WASMCLOUD_* variable is read', () => {
  const issuer = createKeyPair('cluster').publicKey;
  const s = readHostSettings({
    WASMCLOUD_LATTICE_PREFIX: 'blue',
    WASMCLOUD_RPC_HOST: 'rpc.example', WASMCLOUD_RPC_PORT: '4223', WASMCLOUD_RPC_SEED: user.seed, WASMCLOUD_RPC_JWT: JWT, WASMCLOUD_RPC_TLS: 'true',
    WASMCLOUD_CTL_HOST: '10.0.0.2', WASMCLOUD_CTL_PORT: '4224', WASMCLOUD_CTL_CREDSFILE: '/etc/nats/ctl.creds', WASMCLOUD_CTL_TLS: 'no',
    WASMCLOUD_CTL_TOPIC_PREFIX: 'acme.ctl',
    WASMCLOUD_CLUSTER_SEED: cluster.seed, WASMCLOUD_CLUSTER_ISSUERS: `${issuer}, ${cluster.publicKey}`,
    WASMCLOUD_HOST_SEED: server.seed, HOST_Region: 'eu-west', HOST_tier: 'gold',
    WASMCLOUD_JS_DOMAIN: 'hub', WASMCLOUD_RPC_TIMEOUT_MS: '1500', WASMCLOUD_ALLOW_FILE_LOAD: 'ENABLED',
    STRATUS_LATTICE_REPLICAS: '3',
  }, {});
  const c = s.lattice!;
  assert.equal(c.prefix, 'blue');
  assert.deepEqual(c.rpcServers, ['nats://rpc.example:4223']);
  assert.deepEqual(c.ctlServers, ['nats://10.0.0.2:4224']);
  assert.deepEqual(c.rpcAuth, { seed: user.seed, jwt: JWT });
  assert.deepEqual(c.ctlAuth, { credsFile: '/etc/nats/ctl.creds' });
  assert.equal(c.rpcTls, true);
  assert.equal(c.ctlTls, undefined);
  assert.equal(c.ctlTopicPrefix, 'acme.ctl');
  assert.equal(c.clusterSeed, cluster.seed);
  assert.deepEqual(c.clusterIssuers, [issuer, cluster.publicKey], 'listed once each, own key included');
  assert.equal(s.hostSeed, server.seed);
  assert.deepEqual(s.labels, { region: 'eu-west', tier: 'gold' }, 'HOST_ names lower-cased, as OTP does');
  assert.equal(c.labels.region, 'eu-west');
  assert.equal(c.labels['hostcore.os'], builtinLabels()['hostcore.os']);
  assert.equal(c.jsDomain, 'hub');
  assert.equal(c.rpcTimeoutMs, 1500);
  assert.equal(s.rpcTimeoutMs, 1500);
  assert.equal(c.allowFileLoad, true);
  assert.equal(c.dataReplicas, 3);
  assert.equal(s.localNats, undefined, 'a server was named');
});

test('every flag is read, named as wash up names it', () => {
  const s = readHostSettings({}, {
    latticePrefix: 'green', natsHost: 'nats.local', natsPort: '5222',
    rpcHost: '127.0.0.9', rpcPort: '5223', rpcCredsfile: '/x/rpc.creds', rpcTls: true,
    ctlSeed: user.seed, ctlJwt: JWT, ctlTls: true, ctlTopicPrefix: 'x.y',
    clusterSeed: cluster.seed, clusterIssuers: createKeyPair('cluster').publicKey,
    hostSeed: server.seed, jsDomain: 'leaf', allowFileLoad: true, rpcTimeoutMs: '900', label: ['a=1', 'b=x=y'], latticeReplicas: '5',
  });
  const c = s.lattice!;
  assert.equal(c.prefix, 'green');
  assert.deepEqual(c.rpcServers, ['nats://127.0.0.9:5223']);
  assert.deepEqual(c.ctlServers, ['nats://nats.local:5222'], 'control falls back to --nats-host/--nats-port');
  assert.deepEqual(c.rpcAuth, { credsFile: '/x/rpc.creds' });
  assert.deepEqual(c.ctlAuth, { seed: user.seed, jwt: JWT });
  assert.equal(c.rpcTls, true);
  assert.equal(c.ctlTls, true);
  assert.equal(c.ctlTopicPrefix, 'x.y');
  assert.equal(c.clusterSeed, cluster.seed);
  assert.equal(c.clusterIssuers.length, 2);
  assert.equal(s.hostSeed, server.seed);
  assert.equal(c.jsDomain, 'leaf');
  assert.equal(c.allowFileLoad, true);
  assert.equal(c.rpcTimeoutMs, 900);
  assert.deepEqual(s.labels, { a: '1', b: 'x=y' });
  assert.equal(c.dataReplicas, 5);
});

test('a flag beats its variable; a specific host beats --nats-host; the general NATS variables are read too', () => {
  const c = lattice({ WASMCLOUD_LATTICE_PREFIX: 'env', WASMCLOUD_RPC_PORT: '1111', WASMCLOUD_ALLOW_FILE_LOAD: 'true', HOST_a: 'env' },
    { latticePrefix: 'flag', rpcPort: '2222', allowFileLoad: 'false', label: ['a=flag'] });
  assert.equal(c.prefix, 'flag');
  assert.deepEqual(c.rpcServers, ['nats://127.0.0.1:2222']);
  assert.equal(c.allowFileLoad, false);
  assert.equal(c.labels.a, 'flag');
  // wash: rpc_host = --rpc-host (or WASMCLOUD_RPC_HOST) else --nats-host
  assert.deepEqual(lattice({ WASMCLOUD_RPC_HOST: 'from-env' }, { natsHost: 'from-flag' }).rpcServers, ['nats://from-env:4222']);
  assert.deepEqual(lattice({ WASMCLOUD_NATS_HOST: 'general', WASMCLOUD_NATS_PORT: '4333' }, {}).ctlServers, ['nats://general:4333']);
  assert.deepEqual(lattice({}, { natsHost: '::1', natsPort: '4444' }).rpcServers, ['nats://[::1]:4444']);
});

test('STRATUS_DEFAULT_NATS moves the default server; naming any server or --nats-connect-only means no local server is started', () => {
  const s = readHostSettings({ STRATUS_DEFAULT_NATS: '127.0.0.1:14222' }, { latticePrefix: 'p' });
  assert.deepEqual(s.lattice!.rpcServers, ['nats://127.0.0.1:14222']);
  assert.deepEqual(s.localNats, { host: '127.0.0.1', port: 14222 });
  assert.equal(readHostSettings({}, { latticePrefix: 'p', natsPort: '4222' }).localNats, undefined);
  assert.equal(readHostSettings({ WASMCLOUD_CTL_HOST: 'x' }, {}).localNats, undefined);
  const connectOnly = readHostSettings({}, { natsConnectOnly: true });
  assert.ok(connectOnly.lattice, '--nats-connect-only alone asks for a lattice');
  assert.equal(connectOnly.localNats, undefined);
});

test('bad values are refused with the flag or variable they came from', () => {
  refused({}, { latticePrefix: 'a.b' }, /--lattice-prefix "a\.b" is not a valid lattice prefix/);
  refused({ WASMCLOUD_LATTICE_PREFIX: 'has space' }, {}, /WASMCLOUD_LATTICE_PREFIX/);
  refused({}, { natsPort: '0' }, /--nats-port must be a TCP port/);
  refused({ WASMCLOUD_RPC_PORT: '70000' }, {}, /WASMCLOUD_RPC_PORT must be a TCP port .* got "70000"/);
  refused({ WASMCLOUD_CTL_PORT: '42x' }, {}, /WASMCLOUD_CTL_PORT/);
  refused({}, { natsHost: 'nats://127.0.0.1:4222' }, /--nats-host takes a host name or IP address, not a URL/);
  refused({}, { rpcHost: 'bad host' }, /--rpc-host is not a host name/);
  refused({ WASMCLOUD_RPC_TLS: 'maybe' }, {}, /WASMCLOUD_RPC_TLS must be true or false, got "maybe"/);
  refused({}, { allowFileLoad: 'sometimes' }, /--allow-file-load must be true or false/);
  refused({ WASMCLOUD_RPC_TIMEOUT_MS: '-5' }, {}, /WASMCLOUD_RPC_TIMEOUT_MS must be a timeout/);
  refused({}, { latticePrefix: 'p', latticeReplicas: '7' }, /--lattice-replicas must be a replica count/);
  refused({ WASMCLOUD_CTL_TOPIC_PREFIX: 'a..b' }, {}, /WASMCLOUD_CTL_TOPIC_PREFIX "a\.\.b" is not a NATS subject prefix/);
  refused({ WASMCLOUD_JS_DOMAIN: 'a.b' }, {}, /WASMCLOUD_JS_DOMAIN "a\.b" is not a JetStream domain/);
  refused({ WASMCLOUD_CLUSTER_ISSUERS: `${cluster.publicKey},${server.publicKey}` }, {}, /WASMCLOUD_CLUSTER_ISSUERS: ".*" is not a cluster public key/);
  refused({ STRATUS_DEFAULT_NATS: 'nowhere' }, { latticePrefix: 'p' }, /STRATUS_DEFAULT_NATS must look like HOST:PORT/);
  refused({}, { label: ['novalue'] }, /--label must look like KEY=VALUE/);
});

test('secrets are checked without ever being repeated: seeds of the wrong kind, seeds without JWTs, malformed JWTs, two kinds of credentials', () => {
  refused({ WASMCLOUD_CLUSTER_SEED: server.seed }, {}, /WASMCLOUD_CLUSTER_SEED is not a valid cluster seed .*its value is not shown/, server.seed);
  // a character in the middle: the last one carries padding bits, so changing it may change nothing
  const tampered = cluster.seed.slice(0, 20) + (cluster.seed[20] === 'A' ? 'B' : 'A') + cluster.seed.slice(21);
  refused({}, { clusterSeed: tampered }, /--cluster-seed is not a valid cluster seed/, cluster.seed);
  refused({}, { hostSeed: user.seed }, /--host-seed is not a valid server seed/, user.seed);
  refused({ WASMCLOUD_RPC_SEED: cluster.seed, WASMCLOUD_RPC_JWT: JWT }, {}, /WASMCLOUD_RPC_SEED is not a valid user seed/, cluster.seed);
  refused({ WASMCLOUD_RPC_SEED: user.seed }, {}, /WASMCLOUD_RPC_SEED is given without a JWT/, user.seed);
  refused({}, { ctlJwt: JWT }, /--ctl-jwt is given without a seed/, JWT);
  refused({}, { ctlSeed: user.seed, ctlJwt: 'not a jwt' }, /--ctl-jwt is not a JWT/, 'not a jwt');
  refused({ WASMCLOUD_RPC_CREDSFILE: '/a.creds', WASMCLOUD_RPC_SEED: user.seed, WASMCLOUD_RPC_JWT: JWT }, {}, /WASMCLOUD_RPC_CREDSFILE and WASMCLOUD_RPC_SEED both give RPC credentials/, user.seed);
});

test('the printable description of the settings holds no seed, JWT or creds path', () => {
  const c = lattice({ WASMCLOUD_RPC_SEED: user.seed, WASMCLOUD_RPC_JWT: JWT, WASMCLOUD_CTL_CREDSFILE: '/secret/ctl.creds', WASMCLOUD_CLUSTER_SEED: cluster.seed });
  const text = JSON.stringify(describeLattice(c));
  for (const secret of [user.seed, JWT, '/secret/ctl.creds', cluster.seed]) assert.ok(!text.includes(secret), `${secret.slice(0, 3)}… is not printed`);
  assert.match(text, /seed \+ JWT/);
  assert.match(text, /creds file/);
  assert.ok(text.includes(cluster.publicKey), 'public keys are fine to show');
});

test('built-in labels use wasmCloud\'s (Rust) names for the platform', () => {
  assert.deepEqual(builtinLabels('linux', 'x64'), { 'hostcore.arch': 'x86_64', 'hostcore.os': 'linux', 'hostcore.osfamily': 'unix' });
  assert.deepEqual(builtinLabels('darwin', 'arm64'), { 'hostcore.arch': 'aarch64', 'hostcore.os': 'macos', 'hostcore.osfamily': 'unix' });
  assert.deepEqual(builtinLabels('win32', 'x64'), { 'hostcore.arch': 'x86_64', 'hostcore.os': 'windows', 'hostcore.osfamily': 'windows' });
});
