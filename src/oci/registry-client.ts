// The OCI distribution API calls Stratus makes, written on Node's own `fetch`.
//
// Why no registry client library: what we need is six requests (check a blob, start and finish an
// upload, put and get a manifest, get a blob) plus the token handshake, about 300 lines. The npm
// clients we could take either wrap Docker's CLI config and credential helpers, pull in a large
// dependency tree for image layers we never unpack, or buffer whole blobs without letting us hash
// as bytes arrive. Doing it here keeps the project's rule of no new dependencies, lets every blob
// be checked against its digest while it streams (and a short or long one refused), gives every
// failure a Stratus error code with a fix, and reports progress from the same loop.
//
// One client serves one repository on one registry for one operation (pull, or push which also
// pulls), so the token it holds always has the scope it asked for; clients share nothing.
import { StratusError } from '../core/errors.js';
import { basicAuthorization, parseChallenge, repositoryScope, tokenFromResponse, tokenUrl } from './auth.js';
import { DigestCheck } from './digest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { apiHost } from './reference.js';
import type { RegistrySettings } from './settings.js';

export interface TransferProgress {
  direction: 'push' | 'pull';
  /** The blob's digest. */
  digest: string;
  done: number;
  total: number;
}

export interface RegistryClientOptions {
  settings: RegistrySettings;
  /** Called as blob bytes move (and once at the end of each blob, done === total). */
  onProgress?: (p: TransferProgress) => void;
  /** How long to wait for a response's headers, and between two chunks of a body. Default 30 s. */
  timeoutMs?: number;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  contentType: string | null;
  /** The registry's `Docker-Content-Digest` header, when it sent one. */
  digestHeader: string | null;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const MAX_SMALL_BODY = 64 * 1024;
/** Upload slices: small enough for steady progress, large enough that the per-chunk overhead is noise. */
const UPLOAD_SLICE = 256 * 1024;

interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array | ReadableStream<Uint8Array>;
  /** The body can be sent once only (a stream): no retry after a 401. */
  once?: boolean;
}

function causeOf(e: unknown): { code?: string; message: string } {
  const err = e as { cause?: { code?: string; message?: string }; code?: string; message?: string };
  const c = err?.cause ?? err;
  return { code: c?.code, message: c?.message ?? String(e) };
}

export class RegistryClient {
  private readonly base: string;
  private authorization: string | undefined;
  private readonly scope: string;
  private readonly timeoutMs: number;
  /** When bytes last moved (see fetch's deadline). */
  private activityAt = 0;

  constructor(readonly registry: string, readonly repository: string, push: boolean, private readonly opts: RegistryClientOptions) {
    this.base = `${opts.settings.scheme}://${apiHost(registry)}`;
    this.scope = repositoryScope(repository, push);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  private get where(): string {
    return `${this.registry}/${this.repository}`;
  }

  // --- pull -------------------------------------------------------------------------------

  async getManifest(target: string): Promise<FetchedManifest> {
    const res = await this.send(`/v2/${this.repository}/manifests/${target}`, { headers: { accept: MANIFEST_ACCEPT } });
    if (res.status === 404) throw await this.notFound(res, target.startsWith('sha256:') ? `digest ${target}` : `tag "${target}"`);
    await this.expectOk(res, `reading the manifest of ${this.where}:${target}`, [200]);
    const bytes = await this.readSmall(res, MAX_MANIFEST_BYTES, 'manifest');
    return { bytes, contentType: res.headers.get('content-type'), digestHeader: res.headers.get('docker-content-digest') };
  }

  /** Download a blob, checking its size and digest as it streams; refused (HASH_MISMATCH) on any difference. */
  async getBlob(digest: string, size: number): Promise<Uint8Array> {
    const res = await this.send(`/v2/${this.repository}/blobs/${digest}`, {});
    if (res.status === 404) throw await this.notFound(res, `blob ${digest}`);
    await this.expectOk(res, `downloading blob ${digest} of ${this.where}`, [200]);
    const check = new DigestCheck(`blob ${digest} of ${this.where}`, digest, size);
    const out = new Uint8Array(size);
    await this.readBody(res, (chunk) => {
      const at = check.bytesReceived;
      check.update(chunk);
      out.set(chunk, at);
      this.opts.onProgress?.({ direction: 'pull', digest, done: check.bytesReceived, total: size });
    });
    check.finish();
    return out;
  }

  // --- push -------------------------------------------------------------------------------

  async blobExists(digest: string): Promise<boolean> {
    const res = await this.send(`/v2/${this.repository}/blobs/${digest}`, { method: 'HEAD' });
    if (res.status === 404) return false;
    await this.expectOk(res, `checking blob ${digest} in ${this.where}`, [200]);
    return true;
  }

  /** Upload a blob (POST, then one PUT with the digest), unless the registry has it already. */
  async putBlob(digest: string, bytes: Uint8Array): Promise<void> {
    const progress = (done: number) => this.opts.onProgress?.({ direction: 'push', digest, done, total: bytes.length });
    if (await this.blobExists(digest)) { progress(bytes.length); return; }
    const start = await this.send(`/v2/${this.repository}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' } });
    await this.expectOk(start, `starting an upload to ${this.where}`, [202]);
    await start.body?.cancel();
    const location = start.headers.get('location');
    if (!location) throw this.protocolError('started an upload but sent no Location');
    const url = new URL(location, this.base);
    url.searchParams.set('digest', digest);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: (ctl) => {
        if (sent >= bytes.length) { ctl.close(); return; }
        const slice = bytes.subarray(sent, Math.min(bytes.length, sent + UPLOAD_SLICE));
        sent += slice.length;
        this.activityAt = Date.now();
        ctl.enqueue(slice);
        progress(sent);
      },
    });
    const res = await this.send(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
      body: bytes.length > UPLOAD_SLICE ? body : bytes,
      once: true,
    });
    await this.expectOk(res, `uploading blob ${digest} to ${this.where}`, [201]);
    await res.body?.cancel();
    progress(bytes.length);
  }

  /** PUT the manifest under `tag`; returns the digest the registry reports, if any. */
  async putManifest(tag: string, mediaType: string, bytes: Uint8Array): Promise<string | null> {
    const res = await this.send(`/v2/${this.repository}/manifests/${tag}`, {
      method: 'PUT', headers: { 'content-type': mediaType, 'content-length': String(bytes.length) }, body: bytes,
    });
    await this.expectOk(res, `writing the manifest of ${this.where}:${tag}`, [201]);
    await res.body?.cancel();
    return res.headers.get('docker-content-digest');
  }

  // --- requests and authentication --------------------------------------------------------

  /** One request, answering an authentication challenge once (then the same request again). */
  private async send(pathOrUrl: string | URL, init: SendInit): Promise<Response> {
    const url = typeof pathOrUrl === 'string' ? new URL(pathOrUrl, this.base) : pathOrUrl;
    const first = await this.fetch(url, init);
    if (first.status !== 401) return this.checkForbidden(first);
    const challenge = parseChallenge(first.headers.get('www-authenticate'));
    await first.body?.cancel();
    const before = this.authorization;
    if (challenge) await this.answer(challenge);
    if (!challenge || this.authorization === before || init.once) {
      // Nothing new to try (or a body we cannot send twice; we authenticate before those).
      throw this.denied();
    }
    const second = await this.fetch(url, init);
    if (second.status === 401) { await second.body?.cancel(); throw this.denied(); }
    return this.checkForbidden(second);
  }

  private async checkForbidden(res: Response): Promise<Response> {
    if (res.status !== 403) return res;
    const detail = await this.errorText(res);
    const who = this.opts.settings.credentials ? `user "${this.opts.settings.credentials.user}"` : 'anonymous access';
    throw new StratusError('REGISTRY_DENIED', `registry ${this.registry} forbids ${this.scope} for ${who}${detail ? `: ${detail}` : ''}`,
      'check that the account may read (and, to push, write) this repository');
  }

  private async answer(challenge: NonNullable<ReturnType<typeof parseChallenge>>): Promise<void> {
    const creds = this.opts.settings.credentials;
    if (challenge.scheme === 'basic') {
      if (creds) this.authorization = basicAuthorization(creds.user, creds.password);
      return;
    }
    const url = tokenUrl(challenge, this.scope, this.registry);
    const headers: Record<string, string> = {};
    if (creds) headers.authorization = basicAuthorization(creds.user, creds.password);
    const res = await this.fetch(url, { headers });
    if (res.status === 401 || res.status === 403) { await res.body?.cancel(); throw this.denied(); }
    await this.expectOk(res, `getting a token from ${url.origin}${url.pathname}`, [200]);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(await this.readSmall(res, MAX_SMALL_BODY, 'token')));
    } catch (e) {
      if (e instanceof StratusError) throw e;
      throw this.protocolError(`token service ${url.origin} answered with something other than JSON`);
    }
    const token = tokenFromResponse(body);
    if (!token) throw this.protocolError(`token service ${url.origin} answered without a token`);
    this.authorization = `Bearer ${token}`;
  }

  private denied(): StratusError {
    const creds = this.opts.settings.credentials;
    if (!creds) {
      return new StratusError('REGISTRY_DENIED', `registry ${this.registry} requires credentials for ${this.scope}`,
        'give --user and --password, or set WASMCLOUD_OCI_REGISTRY_USER and WASMCLOUD_OCI_REGISTRY_PASSWORD');
    }
    return new StratusError('REGISTRY_DENIED', `registry ${this.registry} refused the credentials of user "${creds.user}" (from ${creds.source})`,
      'check the user name and password (a token may have expired), and that the account may use this repository');
  }

  private async fetch(url: URL, init: SendInit): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    if (this.authorization && url.origin === this.base && !headers.authorization) headers.authorization = this.authorization;
    // The deadline counts from the last activity: an upload's body moving counts (touch()), so a
    // large blob on a slow link is not cut off while bytes still flow.
    const ctl = new AbortController();
    this.activityAt = Date.now();
    let timer: NodeJS.Timeout;
    const arm = (ms: number) => {
      timer = setTimeout(() => {
        const quiet = Date.now() - this.activityAt;
        if (quiet >= this.timeoutMs) ctl.abort(); else arm(this.timeoutMs - quiet);
      }, ms);
    };
    arm(this.timeoutMs);
    try {
      return await fetch(url, {
        method: init.method ?? 'GET', headers, body: init.body, signal: ctl.signal, redirect: 'follow',
        ...(init.body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit);
    } catch (e) {
      throw this.unreachable(e, ctl.signal.aborted);
    } finally {
      clearTimeout(timer!);
    }
  }

  private unreachable(e: unknown, timedOut: boolean): StratusError {
    if (timedOut) {
      return new StratusError('REGISTRY_UNREACHABLE', `registry ${this.registry} did not answer within ${this.timeoutMs / 1000} s`,
        'check that the registry is up and reachable from here');
    }
    const { code, message } = causeOf(e);
    const tls = /ssl|tls|EPROTO|wrong version/i.test(`${code} ${message}`);
    const hint = tls && this.opts.settings.scheme === 'https'
      ? `if ${this.registry} serves plain HTTP (a local registry usually does), allow it with --insecure or WASMCLOUD_OCI_ALLOWED_INSECURE=${this.registry}`
      : `check the registry address and that it is running${this.opts.settings.scheme === 'http' ? ' (and that it serves plain HTTP: --insecure was given)' : ''}`;
    return new StratusError('REGISTRY_UNREACHABLE', `cannot reach registry ${this.registry} at ${this.base}: ${code ? `${code} ` : ''}${message}`, hint);
  }

  /** Read a body chunk by chunk; an idle gap over the timeout aborts it. */
  private async readBody(res: Response, onChunk: (c: Uint8Array) => void): Promise<void> {
    if (!res.body) return;
    const reader = res.body.getReader();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StratusError('REGISTRY_UNREACHABLE',
          `registry ${this.registry} stopped sending for ${this.timeoutMs / 1000} s in the middle of a download`, 'try again; check the network and the registry')), this.timeoutMs);
      });
      let r: Awaited<ReturnType<typeof reader.read>>;
      try {
        r = await Promise.race([reader.read(), idle]);
      } catch (e) {
        await reader.cancel().catch(() => undefined);
        throw e instanceof StratusError ? e : this.unreachable(e, false);
      } finally {
        clearTimeout(timer);
      }
      if (r.done) return;
      try {
        onChunk(r.value);
      } catch (e) {
        await reader.cancel().catch(() => undefined);
        throw e;
      }
    }
  }

  private async readSmall(res: Response, max: number, what: string): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let total = 0;
    await this.readBody(res, (c) => {
      total += c.length;
      if (total > max) throw this.protocolError(`sent a ${what} over ${max} bytes`);
      parts.push(c);
    });
    return Buffer.concat(parts);
  }

  /** The registry's own words from an OCI error body (`{"errors":[{"code","message"}]}`). */
  private async errorText(res: Response): Promise<string> {
    try {
      const text = new TextDecoder().decode(await this.readSmall(res, MAX_SMALL_BODY, 'error'));
      const doc = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      return (doc.errors ?? []).map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    } catch {
      return '';
    }
  }

  private async notFound(res: Response, what: string): Promise<StratusError> {
    const detail = await this.errorText(res);
    const noRepo = /NAME_UNKNOWN/.test(detail);
    return new StratusError('ARTIFACT_NOT_FOUND',
      noRepo ? `registry ${this.registry} has no repository ${this.repository}` : `${this.where} has no ${what}`,
      noRepo ? 'check the repository name (push it first with `stratus push`)' : 'check the tag or digest; `stratus push` puts an artifact there');
  }

  private async expectOk(res: Response, doing: string, ok: number[]): Promise<void> {
    if (ok.includes(res.status)) return;
    const detail = await this.errorText(res);
    throw new StratusError('REGISTRY_UNREACHABLE', `${doing}: registry ${this.registry} answered ${res.status} ${res.statusText}${detail ? ` (${detail})` : ''}`,
      res.status >= 500 ? 'the registry failed; try again later or check its logs' : 'check the reference and the registry\'s configuration');
  }

  private protocolError(what: string): StratusError {
    return new StratusError('REGISTRY_UNREACHABLE', `registry ${this.registry} ${what}`, 'this registry does not follow the OCI distribution API here');
  }
}
