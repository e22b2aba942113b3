// tier: full — starts docker-registry and runs the stratus command as a user would.
//
// `stratus push` / `stratus pull`: wash's flags, files written only when the artifact was accepted,
// `-o json`, progress on stderr for large blobs (never with -o json), and the exit-code rule
// (0 done; 1 registry unreachable, credentials refused, no such artifact; 2 usage; 3 refused content).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/servers.js';
import { fixture } from '../support/wat.js';
import { startRegistry, type TestRegistry } from './registry-server.js';
import { largeSignedActor, signedActor } from './artifacts.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const work = mkdtempSync(join(tmpdir(), 'stratus-oci-cli-'));
const account = { user: 'pusher', password: 'pw-for-cli' };
let reg: TestRegistry;

before(async () => { reg = await startRegistry({ kind: 'htpasswd', accounts: [account] }); });
after(async () => { await reg.dispose(); rmSync(work, { recursive: true, force: true }); });

interface Run { code: number | null; stdout: string; stderr: string }

function stratus(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, STRATUS_CACHE_DIR: join(work, 'cache'), STRATUS_HOME: join(work, 'home'), ...opts.env };
    for (const k of Object.keys(env)) if (k.startsWith('WASMCLOUD_OCI_')) delete env[k];
    Object.assign(env, opts.env);
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'stratus.js'), ...args], { cwd: opts.cwd ?? work, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => { stdout += b; });
    child.stderr.on('data', (b: Buffer) => { stderr += b; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const creds = ['--user', account.user, '--password', account.password, '--insecure'];
const show = (r: Run) => `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

function writeArtifact(name: string, bytes: Uint8Array): string {
  const file = join(work, name);
  writeFileSync(file, bytes);
  return file;
}

describe('stratus push and pull', () => {
  it('push, then pull to --destination: the same bytes; -o json describes both', async () => {
    const actor = await signedActor('cli-echo');
    const file = writeArtifact('cli-echo_s.wasm', actor);
    const pushed = await stratus(['push', `${reg.host}/cli/echo:0.1.0`, file, ...creds]);
    assert.equal(pushed.code, 0, show(pushed));
    assert.match(pushed.stdout, /pushed .*cli-echo_s\.wasm to 127\.0\.0\.1:\d+\/cli\/echo:0\.1\.0\n {2}digest sha256:[0-9a-f]{64} \(actor, \d+ bytes\)/);

    const dest = join(work, 'pulled.wasm');
    const pulled = await stratus(['pull', `${reg.host}/cli/echo:0.1.0`, '--destination', dest, ...creds, '-o', 'json']);
    assert.equal(pulled.code, 0, show(pulled));
    const out = JSON.parse(pulled.stdout) as Record<string, unknown>;
    assert.equal(out.file, dest);
    assert.equal(out.kind, 'actor');
    assert.equal(out.media_type, 'application/vnd.module.wasm.content.layer.v1+wasm');
    assert.match(String(out.subject), /^M[A-Z2-7]{55}$/);
    assert.deepEqual(new Uint8Array(readFileSync(dest)), actor);
  });

  it('without --destination, writes <name>.wasm in the current directory; credentials from WASMCLOUD_OCI_REGISTRY_USER/PASSWORD', async () => {
    const actor = await signedActor('cli-default');
    await stratus(['push', `${reg.host}/cli/default-name:1.0.0`, writeArtifact('d.wasm', actor), ...creds]);
    const cwd = mkdtempSync(join(work, 'cwd-'));
    const r = await stratus(['pull', `${reg.host}/cli/default-name:1.0.0`, '--insecure'], {
      cwd, env: { WASMCLOUD_OCI_REGISTRY_USER: account.user, WASMCLOUD_OCI_REGISTRY_PASSWORD: account.password },
    });
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(readdirSync(cwd), ['default-name.wasm']);
    assert.deepEqual(new Uint8Array(readFileSync(join(cwd, 'default-name.wasm'))), actor);
  });

  it('large artifacts show progress on stderr in text mode, and none with -o json', async () => {
    const big = await largeSignedActor(3 * 1024 * 1024);
    const file = writeArtifact('big_s.wasm', big);
    const pushed = await stratus(['push', `${reg.host}/cli/big:1.0.0`, file, ...creds]);
    assert.equal(pushed.code, 0, show(pushed));
    assert.match(pushed.stderr, /pushing sha256:[0-9a-f]{12}… 3\.0\/3\.0 MiB \(100%\)/);
    assert.match(pushed.stderr, /\((?:\d|[1-9]\d)%\)/, 'progress before the end');

    const pulled = await stratus(['pull', `${reg.host}/cli/big:1.0.0`, '--destination', join(work, 'big.wasm'), '--no-cache', ...creds]);
    assert.equal(pulled.code, 0, show(pulled));
    assert.match(pulled.stderr, /pulling sha256:[0-9a-f]{12}… 3\.0\/3\.0 MiB \(100%\)/);

    const quiet = await stratus(['pull', `${reg.host}/cli/big:1.0.0`, '--destination', join(work, 'big2.wasm'), '--no-cache', ...creds, '-o', 'json']);
    assert.equal(quiet.code, 0, show(quiet));
    assert.equal(quiet.stderr, '');
    assert.equal(JSON.parse(quiet.stdout).bytes, big.length);
  });

  it('exit 1: wrong password, unknown tag, unreachable registry — and nothing is written', async () => {
    const dest = join(work, 'never.wasm');
    const wrong = await stratus(['pull', `${reg.host}/cli/echo:0.1.0`, '--destination', dest, '--insecure', '--user', account.user, '--password', 'bad']);
    assert.equal(wrong.code, 1, show(wrong));
    assert.match(wrong.stderr, /error: registry .* refused the credentials of user "pusher"/);

    const unknown = await stratus(['pull', `${reg.host}/cli/echo:9.9.9`, '--destination', dest, ...creds, '-o', 'json']);
    assert.equal(unknown.code, 1, show(unknown));
    assert.equal(JSON.parse(unknown.stdout).code, 'ARTIFACT_NOT_FOUND');

    const nowhere = await stratus(['pull', `127.0.0.1:${await freePort()}/cli/echo:0.1.0`, '--destination', dest, '--insecure']);
    assert.equal(nowhere.code, 1, show(nowhere));
    assert.match(nowhere.stderr, /cannot reach registry/);
    assert.equal(existsSync(dest), false);
  });

  it('exit 2: "latest" without --allow-latest, no tag, half a credential, a path that names no file', async () => {
    const file = writeArtifact('l.wasm', await signedActor());
    const latest = await stratus(['push', `${reg.host}/cli/l:latest`, file, ...creds]);
    assert.equal(latest.code, 2, show(latest));
    assert.match(latest.stderr, /"latest" is refused/);
    assert.match(latest.stderr, /--allow-latest/);
    assert.equal((await stratus(['push', `${reg.host}/cli/l:latest`, file, ...creds, '--allow-latest'])).code, 0);
    assert.equal((await stratus(['pull', `${reg.host}/cli/l`, ...creds, '--destination', join(work, 'x.wasm')])).code, 2);
    assert.equal((await stratus(['push', `${reg.host}/cli/l:1.0.0`, file, '--user', 'only-user', '--insecure'])).code, 2);
    assert.equal((await stratus(['push', `${reg.host}/cli/l:1.0.0`, join(work, 'missing.wasm'), ...creds])).code, 2);
  });

  it('exit 3: an unsigned module is not pushed; a tampered blob is refused and no file written', async () => {
    const unsigned = await stratus(['push', `${reg.host}/cli/unsigned:1.0.0`, writeArtifact('u.wasm', await fixture('echo')), ...creds]);
    assert.equal(unsigned.code, 3, show(unsigned));
    assert.match(unsigned.stderr, /without embedded claims/);

    const actor = await signedActor('cli-tampered');
    const pushed = await stratus(['push', `${reg.host}/cli/tampered:1.0.0`, writeArtifact('t.wasm', actor), ...creds, '-o', 'json']);
    assert.equal(pushed.code, 0, show(pushed));
    const blob = reg.blobFile(JSON.parse(pushed.stdout).layer_digest);
    const stored = readFileSync(blob);
    stored[10] ^= 0x01;
    writeFileSync(blob, stored);
    const dest = join(work, 'tampered.wasm');
    const pulled = await stratus(['pull', `${reg.host}/cli/tampered:1.0.0`, '--destination', dest, ...creds]);
    assert.equal(pulled.code, 3, show(pulled));
    assert.match(pulled.stderr, /does not match its digest/);
    assert.equal(existsSync(dest), false);
  });
});
