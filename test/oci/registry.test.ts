// tier: full — starts Debian's docker-registry (open, htpasswd, token auth) on loopback ports.
//
// Push and pull against a real OCI registry: byte-identical round trips for actors and provider
// archives, Basic and Bearer authentication (given, missing, wrong), a blob altered in the
// registry's storage refused by digest, unknown tags and unreachable registries, `latest`, plain
// HTTP only when allowed, the digest cache (offline by digest, a bad cache entry re-fetched), and
// the resolver a host uses to start an actor from a reference.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pushArtifact } from '../../src/oci/push.js';
import { pullArtifact } from '../../src/oci/pull.js';
import { resolveActorRef, resolveProviderRef } from '../../src/oci/resolve.js';
import { MEDIA_TYPES, OCI_MANIFEST } from '../../src/oci/media-types.js';
import { isStratusError } from '../../src/core/errors.js';
import { freePort } from '../support/servers.js';
import { testHost } from '../support/fixtures.js';
import { startRegistry, filesUnder, type TestRegistry } from './registry-server.js';
import { providerArchive, providerClaimsJwt, signedActor } from './artifacts.js';

const code = (c: string, text?: RegExp) => (e: unknown) => {
  if (!isStratusError(e, c as never)) { assert.fail(`expected ${c}, got ${e instanceof Error ? `${(e as { code?: string }).code}: ${e.message}` : e}`); }
  if (text && !text.test((e as Error).message)) assert.fail(`message ${(e as Error).message} does not match ${text}`);
  return true;
};
const same = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

const work = mkdtempSync(join(tmpdir(), 'stratus-oci-test-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
/** A fresh cache directory per use, so one test's cache never serves another. */
const freshCache = () => join(work, `cache-${++n}`);
/** Options for an http registry with no environment of this machine leaking in. */
const plain = (extra: Record<string, unknown> = {}) => ({ insecure: true, env: {}, cacheDir: freshCache(), ...extra });

describe('an open registry', () => {
  let reg: TestRegistry;
  before(async () => { reg = await startRegistry(); });
  after(() => reg.dispose());

  it('push then pull an actor: byte-identical, with wasmCloud\'s media types and a {} config', async () => {
    const actor = await signedActor();
    const pushed = await pushArtifact(`${reg.host}/stratus/echo:0.1.0`, actor, plain());
    assert.equal(pushed.kind, 'actor');
    assert.equal(pushed.mediaType, MEDIA_TYPES.actor.layer);

    const pulled = await pullArtifact(`${reg.host}/stratus/echo:0.1.0`, plain());
    assert.ok(same(pulled.bytes, actor), 'pulled bytes equal pushed bytes');
    assert.equal(pulled.digest, pushed.digest);
    assert.equal(pulled.kind, 'actor');
    assert.equal(pulled.cached, false);

    // What the registry stores is what wash writes and reads.
    const res = await fetch(`http://${reg.host}/v2/stratus/echo/manifests/0.1.0`, { headers: { accept: OCI_MANIFEST } });
    const manifest = await res.json() as { mediaType: string; config: { mediaType: string; digest: string; size: number }; layers: { mediaType: string }[] };
    assert.equal(manifest.mediaType, OCI_MANIFEST);
    assert.equal(manifest.config.mediaType, 'application/vnd.wasmcloud.actor.archive.config');
    assert.deepEqual(manifest.layers.map((l) => l.mediaType), ['application/vnd.module.wasm.content.layer.v1+wasm']);
    const config = await (await fetch(`http://${reg.host}/v2/stratus/echo/blobs/${manifest.config.digest}`)).text();
    assert.equal(config, '{}');
  });

  it('push then pull a provider archive (.par.gz made by tar): byte-identical, provider media types', async () => {
    const dir = mkdtempSync(join(work, 'par-'));
    const claims = providerClaimsJwt('made-by-tar');
    writeFileSync(join(dir, 'claims.jwt'), claims.token);
    writeFileSync(join(dir, 'x86_64-linux.bin'), Buffer.alloc(70_000, 3));
    const tar = spawnSync('tar', ['-czf', join(dir, 'p.par.gz'), '-C', dir, 'claims.jwt', 'x86_64-linux.bin']);
    assert.equal(tar.status, 0, String(tar.stderr));
    const par = new Uint8Array(readFileSync(join(dir, 'p.par.gz')));

    const pushed = await pushArtifact(`${reg.host}/stratus/provider:0.2.0`, par, plain({ annotations: { 'org.opencontainers.image.title': 'provider' } }));
    assert.equal(pushed.kind, 'provider');
    const pulled = await pullArtifact(`${reg.host}/stratus/provider:0.2.0`, plain());
    assert.ok(same(pulled.bytes, par));
    assert.equal(pulled.mediaType, 'application/vnd.wasmcloud.provider.archive.layer.v1+par');
    assert.equal(pulled.subject, claims.subject);
    const manifest = await (await fetch(`http://${reg.host}/v2/stratus/provider/manifests/0.2.0`, { headers: { accept: OCI_MANIFEST } })).json() as { config: { mediaType: string }; annotations: Record<string, string> };
    assert.equal(manifest.config.mediaType, 'application/vnd.wasmcloud.provider.archive.config');
    assert.deepEqual(manifest.annotations, { 'org.opencontainers.image.title': 'provider' });
  });

  it('a blob altered in the registry\'s storage is refused by digest, and nothing is cached', async () => {
    const actor = await signedActor('tampered');
    const pushed = await pushArtifact(`${reg.host}/stratus/tampered:1.0.0`, actor, plain());
    const file = reg.blobFile(pushed.layerDigest);
    const stored = readFileSync(file);
    stored[stored.length - 1] ^= 0xff; // same length, one byte different
    writeFileSync(file, stored);

    const cacheDir = freshCache();
    await assert.rejects(pullArtifact(`${reg.host}/stratus/tampered:1.0.0`, plain({ cacheDir })), code('HASH_MISMATCH', /does not match its digest/));
    const cachedBlobs = existsSync(join(cacheDir, 'blobs')) ? filesUnder(join(cacheDir, 'blobs')) : [];
    assert.deepEqual(cachedBlobs, [], 'the refused blob is not in the cache');
  });

  it('a manifest that misstates its layer\'s size is refused: too large to allocate, or not the bytes served', async () => {
    const actor = await signedActor('misstated');
    const pushed = await pushArtifact(`${reg.host}/stratus/misstated:1.0.0`, actor, plain());
    const m = await (await fetch(`http://${reg.host}/v2/stratus/misstated/manifests/1.0.0`, { headers: { accept: OCI_MANIFEST } })).json() as { layers: { size: number }[] };
    // The registry checks that a manifest's blobs exist, not their sizes: a hostile one can lie.
    for (const [tag, size] of [['huge', 2 ** 40], ['short', actor.length - 1]] as const) {
      m.layers[0]!.size = size;
      const put = await fetch(`http://${reg.host}/v2/stratus/misstated/manifests/${tag}`, { method: 'PUT', headers: { 'content-type': OCI_MANIFEST }, body: JSON.stringify(m) });
      assert.equal(put.status, 201, await put.text());
    }
    await assert.rejects(pullArtifact(`${reg.host}/stratus/misstated:huge`, plain()), code('INVALID_MODULE', /announces a 1099511627776-byte layer, over the 64 MiB limit/));
    await assert.rejects(pullArtifact(`${reg.host}/stratus/misstated:short`, plain()), code('HASH_MISMATCH', /larger than the \d+ bytes its manifest announced/));
    assert.ok(pushed.digest);
  });

  it('an unknown tag, an unknown repository, a digest that is not the artifact\'s', async () => {
    await pushArtifact(`${reg.host}/stratus/known:1.0.0`, await signedActor(), plain());
    await assert.rejects(pullArtifact(`${reg.host}/stratus/known:9.9.9`, plain()), code('ARTIFACT_NOT_FOUND', /no tag "9\.9\.9"/));
    await assert.rejects(pullArtifact(`${reg.host}/stratus/never-pushed:1.0.0`, plain()), code('ARTIFACT_NOT_FOUND', /stratus\/never-pushed/));
    await assert.rejects(pullArtifact(`${reg.host}/stratus/known:1.0.0`, plain({ digest: `sha256:${'0'.repeat(64)}` })), code('HASH_MISMATCH', /not the sha256:0+ that was asked for/));
  });

  it('"latest" and untagged references are refused unless allowed (flag or WASMCLOUD_OCI_ALLOW_LATEST)', async () => {
    const actor = await signedActor();
    await assert.rejects(pushArtifact(`${reg.host}/stratus/moving:latest`, actor, plain()), code('BAD_REQUEST', /latest/));
    await assert.rejects(pushArtifact(`${reg.host}/stratus/moving`, actor, plain()), code('BAD_REQUEST', /no tag/));
    await pushArtifact(`${reg.host}/stratus/moving`, actor, plain({ allowLatest: true }));
    await assert.rejects(pullArtifact(`${reg.host}/stratus/moving:latest`, plain()), code('BAD_REQUEST', /latest/));
    const pulled = await pullArtifact(`${reg.host}/stratus/moving`, plain({ env: { WASMCLOUD_OCI_ALLOW_LATEST: 'true' } }));
    assert.ok(same(pulled.bytes, actor));
    assert.match(pulled.reference, /:latest$/);
  });

  it('plain HTTP is used only when allowed: otherwise TLS fails with a hint naming the fix', async () => {
    await pushArtifact(`${reg.host}/stratus/secure:1.0.0`, await signedActor(), plain());
    await assert.rejects(pullArtifact(`${reg.host}/stratus/secure:1.0.0`, { env: {}, cacheDir: freshCache() }),
      code('REGISTRY_UNREACHABLE', new RegExp(`cannot reach registry ${reg.host.replace(/\./g, '\\.')} at https://`)));
    await assert.rejects(pullArtifact(`${reg.host}/stratus/secure:1.0.0`, { env: {}, cacheDir: freshCache() }),
      (e: unknown) => /--insecure or WASMCLOUD_OCI_ALLOWED_INSECURE=/.test((e as Error).message));
    const pulled = await pullArtifact(`${reg.host}/stratus/secure:1.0.0`, { env: { WASMCLOUD_OCI_ALLOWED_INSECURE: `other:1,${reg.host}` }, cacheDir: freshCache() });
    assert.equal(pulled.kind, 'actor');
  });

  it('pulled artifacts are cached by digest: pinned by digest they come back with the registry gone; a bad cache entry is fetched again', async () => {
    const actor = await signedActor('cached');
    const pushed = await pushArtifact(`${reg.host}/stratus/cached:1.0.0`, actor, plain());
    const cacheDir = freshCache();
    const first = await pullArtifact(`${reg.host}/stratus/cached:1.0.0`, plain({ cacheDir }));
    assert.equal(first.cached, false);
    const second = await pullArtifact(`${reg.host}/stratus/cached:1.0.0`, plain({ cacheDir }));
    assert.equal(second.cached, true);
    assert.ok(same(second.bytes, actor));

    // A corrupted cache file is dropped and the blob downloaded again.
    const cachedFile = join(cacheDir, 'blobs', 'sha256', pushed.layerDigest.slice('sha256:'.length));
    writeFileSync(cachedFile, 'garbage');
    const third = await pullArtifact(`${reg.host}/stratus/cached:1.0.0`, plain({ cacheDir }));
    assert.equal(third.cached, false);
    assert.ok(same(third.bytes, actor));

    // By digest, on an address where no registry answers: served from the cache alone.
    const gone = `127.0.0.1:${await freePort()}`;
    const byDigest = await pullArtifact(`${gone}/stratus/cached@${pushed.digest}`, plain({ cacheDir }));
    assert.ok(same(byDigest.bytes, actor));
    assert.equal(byDigest.cached, true);
  });

  it('resolves references for a host: an actor starts from a registry reference; kinds are checked; paths still work', async () => {
    const actor = await signedActor('resolved');
    await pushArtifact(`${reg.host}/stratus/resolved:1.0.0`, actor, plain());
    const bytes = await resolveActorRef(`${reg.host}/stratus/resolved:1.0.0`, plain());
    const { host } = testHost();
    try {
      const started = await host.startActor(bytes, { imageRef: `${reg.host}/stratus/resolved:1.0.0` });
      assert.equal(started.name, 'resolved');
      const reply = await host.call(started.id, 'Echo', new TextEncoder().encode('hi'));
      assert.equal(new TextDecoder().decode(reply), 'hi');
    } finally {
      await host.shutdown();
    }
    await assert.rejects(resolveProviderRef(`${reg.host}/stratus/resolved:1.0.0`, plain()), code('INVALID_MODULE', /is an actor module, not a provider archive/));

    const file = join(work, 'local.wasm');
    writeFileSync(file, actor);
    assert.ok(same(await resolveActorRef(file), actor));
    assert.ok(same(await resolveActorRef(`file://${file}`), actor));
    await assert.rejects(resolveActorRef(join(work, 'missing.wasm')), code('BAD_REQUEST', /not an OCI reference/));
    const par = providerArchive().bytes;
    await pushArtifact(`${reg.host}/stratus/par:1.0.0`, par, plain());
    assert.ok(same(await resolveProviderRef(`${reg.host}/stratus/par:1.0.0`, plain()), par));
  });
});

describe('an unreachable registry', () => {
  it('is a clear REGISTRY_UNREACHABLE naming the address', async () => {
    const host = `127.0.0.1:${await freePort()}`;
    await assert.rejects(pullArtifact(`${host}/stratus/echo:1.0.0`, plain()), code('REGISTRY_UNREACHABLE', new RegExp(`cannot reach registry ${host.replace(/\./g, '\\.')}.*ECONNREFUSED`)));
    await assert.rejects(pushArtifact(`${host}/stratus/echo:1.0.0`, await signedActor(), plain()), code('REGISTRY_UNREACHABLE'));
  });
});

describe('a registry behind htpasswd (Basic) authentication', () => {
  let reg: TestRegistry;
  const account = { user: 'builder', password: 's3cret-pw' };
  before(async () => { reg = await startRegistry({ kind: 'htpasswd', accounts: [account] }); });
  after(() => reg.dispose());

  it('without credentials: refused, saying how to give them', async () => {
    await assert.rejects(pushArtifact(`${reg.host}/stratus/private:1.0.0`, await signedActor(), plain()),
      code('REGISTRY_DENIED', /requires credentials/));
  });

  it('with the right credentials (flags, or WASMCLOUD_OCI_REGISTRY_USER/PASSWORD): push and pull round trip', async () => {
    const actor = await signedActor('private');
    await pushArtifact(`${reg.host}/stratus/private:1.0.0`, actor, plain({ user: account.user, password: account.password }));
    const env = { WASMCLOUD_OCI_REGISTRY: reg.host, WASMCLOUD_OCI_REGISTRY_USER: account.user, WASMCLOUD_OCI_REGISTRY_PASSWORD: account.password };
    const pulled = await pullArtifact(`${reg.host}/stratus/private:1.0.0`, plain({ env }));
    assert.ok(same(pulled.bytes, actor));
    // Credentials set for another registry are not sent here.
    await assert.rejects(pullArtifact(`${reg.host}/stratus/private:1.0.0`, plain({ env: { ...env, WASMCLOUD_OCI_REGISTRY: 'ghcr.io' } })), code('REGISTRY_DENIED', /requires credentials/));
  });

  it('a wrong password is refused, naming the user and where the credentials came from', async () => {
    await assert.rejects(pullArtifact(`${reg.host}/stratus/private:1.0.0`, plain({ user: account.user, password: 'wrong' })),
      code('REGISTRY_DENIED', /refused the credentials of user "builder" \(from --user\/--password\)/));
  });
});

describe('a registry behind token (Bearer) authentication', () => {
  let reg: TestRegistry;
  const account = { user: 'ci', password: 'token-pw' };
  before(async () => { reg = await startRegistry({ kind: 'token', accounts: [account] }); });
  after(() => reg.dispose());

  it('gets a token from the challenge\'s realm with the scope it needs, then pushes and pulls', async () => {
    const actor = await signedActor('bearer');
    await pushArtifact(`${reg.host}/stratus/bearer:1.0.0`, actor, plain({ ...account }));
    const pulled = await pullArtifact(`${reg.host}/stratus/bearer:1.0.0`, plain({ ...account }));
    assert.ok(same(pulled.bytes, actor));
    assert.deepEqual(reg.tokenRequests.filter((r) => r.granted).map((r) => r.scope),
      ['repository:stratus/bearer:pull,push', 'repository:stratus/bearer:pull']);
  });

  it('a wrong password, or none, is refused', async () => {
    await assert.rejects(pullArtifact(`${reg.host}/stratus/bearer:1.0.0`, plain({ user: account.user, password: 'nope' })),
      code('REGISTRY_DENIED', /refused the credentials of user "ci"/));
    await assert.rejects(pullArtifact(`${reg.host}/stratus/bearer:1.0.0`, plain()), code('REGISTRY_DENIED', /requires credentials/));
  });
});
