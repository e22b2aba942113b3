// Manifests, challenges, artifacts, digests, the cache and progress lines. No network.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { artifactLayer, buildManifest, parseManifest } from '../../src/oci/manifest.js';
import { parseChallenge, tokenUrl } from '../../src/oci/auth.js';
import { inspectArtifact } from '../../src/oci/artifact.js';
import { tarEntries } from '../../src/oci/tar.js';
import { DigestCheck, sha256Digest } from '../../src/oci/digest.js';
import { OciCache, ociCacheDir } from '../../src/oci/cache.js';
import { progressReporter } from '../../src/oci/progress.js';
import { PAR_CONFIG, PAR_LAYER, WASM_CONFIG, WASM_LAYER } from '../../src/oci/media-types.js';
import { isStratusError } from '../../src/core/errors.js';
import { fixture } from '../support/wat.js';
import { providerArchive, signedActor, tarArchive } from './artifacts.js';

const code = (c: string) => (e: unknown) => isStratusError(e, c as never);
const enc = new TextEncoder();
const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('manifests', () => {
  it('are built as wash builds them: one config, one layer, compact JSON in oci-distribution\'s key order', () => {
    const layer = enc.encode('layer-bytes');
    const config = enc.encode('{}');
    const built = buildManifest({ mediaType: WASM_LAYER, bytes: layer }, { mediaType: WASM_CONFIG, bytes: config });
    const expected = `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`
      + `"config":{"mediaType":"application/vnd.wasmcloud.actor.archive.config","digest":"sha256:${hex(config)}","size":2},`
      + `"layers":[{"mediaType":"application/vnd.module.wasm.content.layer.v1+wasm","digest":"sha256:${hex(layer)}","size":11}]}`;
    assert.equal(new TextDecoder().decode(built.bytes), expected);
    assert.equal(built.digest, `sha256:${hex(built.bytes)}`);
    const annotated = buildManifest({ mediaType: PAR_LAYER, bytes: layer }, { mediaType: PAR_CONFIG, bytes: config }, { 'org.opencontainers.image.title': 'x' });
    assert.deepEqual(JSON.parse(new TextDecoder().decode(annotated.bytes)).annotations, { 'org.opencontainers.image.title': 'x' });
  });

  it('read back: the one artifact layer; an index, several artifact layers or none are refused with a reason', () => {
    const built = buildManifest({ mediaType: WASM_LAYER, bytes: enc.encode('x') }, { mediaType: WASM_CONFIG, bytes: enc.encode('{}') });
    const m = parseManifest('r', built.bytes, null);
    assert.equal(artifactLayer('r', m).mediaType, WASM_LAYER);

    const index = enc.encode(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }));
    assert.throws(() => parseManifest('r', index, null), (e: unknown) => code('INVALID_MODULE')(e) && /image index/.test((e as Error).message));
    assert.throws(() => parseManifest('r', enc.encode('nope'), null), (e: unknown) => code('INVALID_MODULE')(e) && /not JSON/.test((e as Error).message));
    const docker = { ...m, mediaType: undefined, layers: [{ ...m.layers[0]!, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' }] };
    assert.throws(() => artifactLayer('r', parseManifest('r', enc.encode(JSON.stringify(docker)), 'application/vnd.docker.distribution.manifest.v2+json')),
      (e: unknown) => code('INVALID_MODULE')(e) && /no wasmCloud artifact/.test((e as Error).message));
    const two = { ...m, layers: [m.layers[0]!, { ...m.layers[0]!, mediaType: PAR_LAYER }] };
    assert.throws(() => artifactLayer('r', parseManifest('r', enc.encode(JSON.stringify(two)), null)), /exactly one/);
    const badDigest = { ...m, layers: [{ ...m.layers[0]!, digest: 'md5:00' }] };
    assert.throws(() => parseManifest('r', enc.encode(JSON.stringify(badDigest)), null), /sha256 digest/);
  });
});

describe('WWW-Authenticate challenges', () => {
  it('parses Bearer (quoted commas included) and Basic; the token URL carries service and our scope', () => {
    const c = parseChallenge('Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push"');
    assert.deepEqual(c, { scheme: 'bearer', realm: 'https://auth.example.com/token', service: 'registry.example.com', scope: 'repository:a/b:pull,push' });
    assert.deepEqual(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', realm: 'Registry Realm', service: undefined, scope: undefined });
    assert.equal(parseChallenge('Negotiate abc'), undefined);
    assert.equal(parseChallenge(null), undefined);
    const url = tokenUrl(c!, 'repository:a/b:pull', 'registry.example.com');
    assert.equal(url.href, 'https://auth.example.com/token?service=registry.example.com&scope=repository%3Aa%2Fb%3Apull');
    assert.throws(() => tokenUrl({ scheme: 'bearer' }, 's', 'r'), code('REGISTRY_DENIED'));
  });
});

describe('artifacts', () => {
  it('a signed wasm module is an actor; an unsigned one is refused as wash refuses it', async () => {
    const actor = await signedActor();
    const info = inspectArtifact('a', actor);
    assert.equal(info.kind, 'actor');
    assert.match(info.subject!, /^M[A-Z2-7]{55}$/);
    const unsigned = await fixture('echo');
    assert.throws(() => inspectArtifact('a', unsigned), code('NO_CLAIMS'));
  });

  it('a tar (gzipped or not) with claims.jwt is a provider archive; without it, or random bytes, refused', () => {
    const par = providerArchive();
    assert.deepEqual(inspectArtifact('p', par.bytes), { kind: 'provider', subject: par.subject, name: 'test-provider' });
    assert.equal(inspectArtifact('p', providerArchive({ gzip: false }).bytes).kind, 'provider');
    assert.throws(() => inspectArtifact('p', providerArchive({ withClaims: false }).bytes), (e: unknown) => code('INVALID_MODULE')(e) && /claims\.jwt/.test((e as Error).message));
    assert.throws(() => inspectArtifact('p', enc.encode('hello, not an artifact')), (e: unknown) => code('INVALID_MODULE')(e) && /neither/.test((e as Error).message));
    assert.throws(() => inspectArtifact('p', new Uint8Array([0x1f, 0x8b, 1, 2, 3])), (e: unknown) => code('INVALID_MODULE')(e) && /gzip/.test((e as Error).message));
  });

  it('the layer media type must agree with the bytes', async () => {
    const actor = await signedActor();
    assert.throws(() => inspectArtifact('x', providerArchive().bytes, WASM_LAYER), /labelled/);
    assert.throws(() => inspectArtifact('x', actor, PAR_LAYER), /labelled/);
    assert.throws(() => inspectArtifact('x', actor, 'application/octet-stream'), code('INVALID_MODULE'));
  });

  it('tar entries: names, sizes, data offsets; not a tar → undefined', () => {
    const tar = tarArchive([{ name: 'claims.jwt', data: enc.encode('abc') }, { name: 'x86_64-linux.bin', data: new Uint8Array(600) }]);
    const entries = tarEntries(tar)!;
    assert.deepEqual(entries.map((e) => [e.name, e.size]), [['claims.jwt', 3], ['x86_64-linux.bin', 600]]);
    assert.equal(new TextDecoder().decode(tar.subarray(entries[0]!.offset, entries[0]!.offset + 3)), 'abc');
    assert.equal(tarEntries(new Uint8Array(1024).fill(1)), undefined);
  });
});

describe('digests', () => {
  const data = enc.encode('some blob');
  it('a blob is accepted only with exactly its size and digest', () => {
    const ok = new DigestCheck('b', sha256Digest(data), data.length);
    ok.update(data.subarray(0, 4)); ok.update(data.subarray(4));
    ok.finish();
    const altered = new DigestCheck('b', sha256Digest(data), data.length);
    altered.update(enc.encode('some blub'));
    assert.throws(() => altered.finish(), (e: unknown) => code('HASH_MISMATCH')(e) && /does not match its digest/.test((e as Error).message));
    const long = new DigestCheck('b', sha256Digest(data), data.length);
    assert.throws(() => long.update(enc.encode('some blob and more')), code('HASH_MISMATCH'));
    const short = new DigestCheck('b', sha256Digest(data), data.length);
    short.update(data.subarray(0, 3));
    assert.throws(() => short.finish(), (e: unknown) => code('HASH_MISMATCH')(e) && /announced/.test((e as Error).message));
  });
});

describe('the digest cache', () => {
  it('returns what was put; an entry altered on disk is dropped, not returned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stratus-ocicache-'));
    try {
      const cache = new OciCache(dir);
      const bytes = enc.encode('cached blob');
      const d = sha256Digest(bytes);
      assert.equal(await cache.get('blobs', d), undefined);
      await cache.put('blobs', d, bytes);
      assert.deepEqual(await cache.get('blobs', d), bytes);
      const file = join(dir, 'blobs', 'sha256', d.slice(7));
      writeFileSync(file, 'cached blub');
      assert.equal(await cache.get('blobs', d), undefined);
      assert.deepEqual(readdirSync(join(dir, 'blobs', 'sha256')), [], 'the bad entry is removed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('lives under STRATUS_CACHE_DIR, else XDG_CACHE_HOME/stratus, else ~/.cache/stratus', () => {
    assert.equal(ociCacheDir({ STRATUS_CACHE_DIR: '/c' }), '/c/oci');
    assert.equal(ociCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/stratus/oci');
    assert.match(ociCacheDir({}), /\.cache\/stratus\/oci$/);
  });
});

describe('progress lines', () => {
  it('off a terminal: a line per quarter for large blobs, none for small ones', () => {
    const lines: string[] = [];
    const stream = { isTTY: false, write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WritableStream;
    const report = progressReporter(stream);
    const total = 4 * 1024 * 1024;
    for (let done = 0; done <= total; done += 256 * 1024) report({ direction: 'pull', digest: `sha256:${'a'.repeat(64)}`, done, total });
    report({ direction: 'push', digest: `sha256:${'b'.repeat(64)}`, done: 10, total: 10 });
    assert.deepEqual(lines.map((l) => /\((\d+)%\)/.exec(l)![1]), ['0', '25', '50', '75', '100']);
    assert.match(lines[4]!, /^pulling sha256:aaaaaaaaaaaa… 4\.0\/4\.0 MiB \(100%\)\n$/);
  });
});
