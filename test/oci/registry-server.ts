// A real OCI registry for tests: Debian's `docker-registry` (the CNCF distribution registry) on a
// free loopback port, with a generated config: open, behind htpasswd (Basic) auth, or behind
// token (Bearer) auth served by a small token service here that signs ES256 tokens the registry
// checks against a generated certificate. A registry that cannot start fails the test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { randomBytes, sign, createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/servers.js';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface Account { user: string; password: string }

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the registry part of references. */
  host: string;
  dir: string;
  /** The file holding a stored blob (to tamper with it). */
  blobFile(digest: string): string;
  /** Requests the token service answered, by outcome (Bearer registries). */
  tokenRequests: { user?: string; scope?: string; granted: boolean }[];
  dispose(): Promise<void>;
}

export type RegistryAuth = { kind: 'none' } | { kind: 'htpasswd'; accounts: Account[] } | { kind: 'token'; accounts: Account[] };

/** A bcrypt hash, the only kind distribution's htpasswd accepts; perl's crypt() is libcrypt's (bcrypt via $2b$). */
function bcrypt(password: string): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = Array.from(randomBytes(22), (b) => alphabet[b % 64]).join('');
  const r = spawnSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.startsWith('$2b$')) throw new Error(`cannot make a bcrypt hash with perl's crypt(): ${r.stderr || r.stdout}`);
  return r.stdout;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** The token service: Basic credentials in, an ES256 JWT the registry trusts out. */
async function startTokenService(dir: string, accounts: Account[], service: string, issuer: string, log: TestRegistry['tokenRequests']): Promise<{ server: Server; realm: string; certFile: string }> {
  const keyFile = join(dir, 'token.key');
  const certFile = join(dir, 'token.crt');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=stratus-test-token-issuer'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl could not make the token certificate: ${r.stderr}`);
  const key = createPrivateKey(readFileSync(keyFile));
  const x5c = [new X509Certificate(readFileSync(certFile)).raw.toString('base64')];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scope = url.searchParams.get('scope') ?? undefined;
    const auth = req.headers.authorization;
    let user: string | undefined;
    let ok = false;
    if (auth?.startsWith('Basic ')) {
      const [u, ...p] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      user = u;
      ok = accounts.some((a) => a.user === u && a.password === p.join(':'));
    }
    log.push({ user, scope, granted: ok });
    if (!ok) { res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}'); return; }
    const [type, name, actions] = (scope ?? '::').split(':');
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c };
    const claims = { iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'),
      access: type ? [{ type, name, actions: (actions ?? '').split(',').filter(Boolean) }] : [] };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${signingInput}.${b64url(sig)}`, expires_in: 300 }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, realm: `http://127.0.0.1:${port}/token`, certFile };
}

export async function startRegistry(auth: RegistryAuth = { kind: 'none' }): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-registry-'));
  const port = await freePort();
  const tokenRequests: TestRegistry['tokenRequests'] = [];
  let tokenServer: Server | undefined;
  let authYaml = '';
  if (auth.kind === 'htpasswd') {
    writeFileSync(join(dir, 'htpasswd'), auth.accounts.map((a) => `${a.user}:${bcrypt(a.password)}\n`).join(''));
    authYaml = `auth:\n  htpasswd:\n    realm: stratus-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth.kind === 'token') {
    const t = await startTokenService(dir, auth.accounts, 'stratus-test-registry', 'stratus-test-issuer', tokenRequests);
    tokenServer = t.server;
    authYaml = `auth:\n  token:\n    realm: ${t.realm}\n    service: stratus-test-registry\n    issuer: stratus-test-issuer\n    rootcertbundle: ${t.certFile}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(config, `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: ${randomBytes(16).toString('hex')}
${authYaml}`);
  let out = '';
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-4000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (e) => { out += `\nspawn ${REGISTRY_BIN} failed: ${e.message} (install Debian's docker-registry package)`; });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`docker-registry exited before listening:\n${out}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error(`docker-registry did not listen on ${port}:\n${out}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(t); resolve(); });
    child.kill('SIGTERM');
  });
  return {
    host: `127.0.0.1:${port}`,
    dir,
    tokenRequests,
    blobFile(digest) {
      const hex = digest.replace(/^sha256:/, '');
      return join(dir, 'data', 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
    },
    async dispose() {
      await stop();
      if (tokenServer) await new Promise<void>((r) => tokenServer!.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under a directory (to see what a registry stored). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p)); else out.push(p);
  }
  return out;
}
