// OCI references, wasmCloud's tag policy, registry settings from flags and environment. Pure.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyTagPolicy, formatReference, normalizeDigest, parseReference } from '../../src/oci/reference.js';
import { envFlag, registrySettings } from '../../src/oci/settings.js';
import { isStratusError } from '../../src/core/errors.js';

const D = `sha256:${'ab'.repeat(32)}`;
const code = (c: string) => (e: unknown) => isStratusError(e, c as never);

describe('parseReference', () => {
  it('reads registry, repository, tag and digest as Docker and oci-distribution do', () => {
    assert.deepEqual(parseReference('localhost:5000/echo:0.1.0'),
      { registry: 'localhost:5000', repository: 'echo', tag: '0.1.0', digest: undefined, explicitRegistry: true });
    assert.deepEqual(parseReference(`ghcr.io/org/team/echo@${D}`),
      { registry: 'ghcr.io', repository: 'org/team/echo', tag: undefined, digest: D, explicitRegistry: true });
    assert.deepEqual(parseReference(`127.0.0.1:5000/a/b:v1@${D}`),
      { registry: '127.0.0.1:5000', repository: 'a/b', tag: 'v1', digest: D, explicitRegistry: true });
    // No registry: Docker Hub, single names under library/
    assert.deepEqual(parseReference('echo:0.2.0'), { registry: 'docker.io', repository: 'library/echo', tag: '0.2.0', digest: undefined, explicitRegistry: false });
    assert.deepEqual(parseReference('wasmcloud/echo'), { registry: 'docker.io', repository: 'wasmcloud/echo', tag: undefined, digest: undefined, explicitRegistry: false });
    assert.equal(parseReference('localhost/echo:1').registry, 'localhost');
  });

  it('formats back what it parsed', () => {
    for (const r of ['localhost:5000/echo:0.1.0', `ghcr.io/org/echo@${D}`, `reg.example.com:443/a/b-c_d.e:1.2.3-rc.1@${D}`]) {
      assert.equal(formatReference(parseReference(r)), r);
    }
  });

  it('refuses what is not a reference, saying what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['https://ghcr.io/org/echo:1', /without a scheme/],
      ['localhost:5000/Echo:1', /lowercase/],
      ['localhost:5000/echo:-bad', /tag/],
      ['localhost:5000/echo@sha256:123', /digest/],
      ['localhost:5000//echo:1', /empty path component/],
      ['bad_host!:5000/echo:1', /repository name component|registry/],
    ];
    for (const [text, why] of cases) {
      assert.throws(() => parseReference(text), (e: unknown) => code('BAD_REQUEST')(e) && why.test((e as Error).message), text);
    }
  });

  it('normalizes digests with or without the sha256: prefix (wash --digest)', () => {
    assert.equal(normalizeDigest('ab'.repeat(32)), D);
    assert.equal(normalizeDigest(D), D);
    assert.throws(() => normalizeDigest('sha512:00'), code('BAD_REQUEST'));
  });
});

describe('applyTagPolicy (wasmCloud refuses latest)', () => {
  const ref = (t: string) => parseReference(t);
  it('refuses "latest" and a missing tag unless allowed', () => {
    for (const use of ['push', 'pull'] as const) {
      assert.throws(() => applyTagPolicy(ref('localhost:5000/echo:latest'), false, use), (e: unknown) => code('BAD_REQUEST')(e) && /latest/.test((e as Error).message));
      assert.throws(() => applyTagPolicy(ref('localhost:5000/echo'), false, use), (e: unknown) => code('BAD_REQUEST')(e) && /no tag/.test((e as Error).message));
      assert.equal(applyTagPolicy(ref('localhost:5000/echo'), true, use).tag, 'latest');
      assert.equal(applyTagPolicy(ref('localhost:5000/echo:latest'), true, use).tag, 'latest');
      assert.equal(applyTagPolicy(ref('localhost:5000/echo:0.1.0'), false, use).tag, '0.1.0');
    }
  });
  it('a digest pins a pull without a tag; a push always needs a tag', () => {
    assert.equal(applyTagPolicy(ref(`localhost:5000/echo@${D}`), false, 'pull').digest, D);
    assert.throws(() => applyTagPolicy(ref(`localhost:5000/echo:1@${D}`), true, 'push'), code('BAD_REQUEST'));
  });
});

describe('registrySettings', () => {
  const reg = 'localhost:5000';
  it('plain HTTP only with --insecure or when WASMCLOUD_OCI_ALLOWED_INSECURE lists the registry', () => {
    assert.equal(registrySettings(reg, {}, {}).scheme, 'https');
    assert.equal(registrySettings(reg, { insecure: true }, {}).scheme, 'http');
    assert.equal(registrySettings(reg, {}, { WASMCLOUD_OCI_ALLOWED_INSECURE: 'other:1, localhost:5000' }).scheme, 'http');
    assert.equal(registrySettings(reg, {}, { WASMCLOUD_OCI_ALLOWED_INSECURE: 'localhost:5001' }).scheme, 'https');
  });
  it('flags win over WASMCLOUD_OCI_REGISTRY_USER/PASSWORD, which apply to WASMCLOUD_OCI_REGISTRY only when that is set', () => {
    const env = { WASMCLOUD_OCI_REGISTRY_USER: 'env-user', WASMCLOUD_OCI_REGISTRY_PASSWORD: 'env-pw' };
    assert.equal(registrySettings(reg, {}, env).credentials?.user, 'env-user');
    assert.equal(registrySettings(reg, { user: 'flag-user', password: 'p' }, env).credentials?.user, 'flag-user');
    assert.equal(registrySettings(reg, {}, { ...env, WASMCLOUD_OCI_REGISTRY: 'localhost:5000' }).credentials?.user, 'env-user');
    assert.equal(registrySettings(reg, {}, { ...env, WASMCLOUD_OCI_REGISTRY: 'ghcr.io' }).credentials, undefined);
    assert.equal(registrySettings(reg, {}, {}).credentials, undefined);
  });
  it('half a credential is a usage error', () => {
    assert.throws(() => registrySettings(reg, { user: 'u' }, {}), (e: unknown) => code('BAD_REQUEST')(e) && /--password/.test((e as Error).message));
    assert.throws(() => registrySettings(reg, {}, { WASMCLOUD_OCI_REGISTRY_USER: 'u' }), code('BAD_REQUEST'));
  });
  it('WASMCLOUD_OCI_ALLOW_LATEST reads booleans as clap does, and refuses anything else', () => {
    assert.equal(registrySettings(reg, {}, { WASMCLOUD_OCI_ALLOW_LATEST: 'true' }).allowLatest, true);
    assert.equal(registrySettings(reg, {}, { WASMCLOUD_OCI_ALLOW_LATEST: 'false' }).allowLatest, false);
    assert.equal(envFlag({ X: '1' }, 'X'), true);
    assert.equal(envFlag({}, 'X'), false);
    assert.throws(() => envFlag({ X: 'maybe' }, 'X'), (e: unknown) => code('BAD_REQUEST')(e) && /X="maybe"/.test((e as Error).message));
  });
});
