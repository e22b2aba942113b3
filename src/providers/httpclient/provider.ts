// wasmcloud:httpclient (reference §2.9): HttpClient.Request from an actor becomes one outbound
// HTTP/1.1 request. Denied by default: each link names the hosts its actor may reach
// (allowed_hosts); redirects are not followed (a 3xx goes back to the actor, which may follow it
// through the same allow-list); the response is read up to max_response_len within timeout_ms.
import { request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { CapabilityProvider, ProviderHost } from '../../host/provider-contract.js';
import type { Invocation, LinkDefinition } from '../../core/wire.js';
import { StratusError } from '../../core/errors.js';
import { unknownKeys } from '../link-values.js';
import { decodeHttpClientRequest, encodeHttpClientResponse, type HeaderMap, type HttpClientRequest } from './codec.js';
import { describeAllowed, hostAllowed, KNOWN_KEYS, parseHttpClientSettings, type HttpClientSettings } from './settings.js';

export const HTTPCLIENT_CONTRACT = 'wasmcloud:httpclient';
const OPERATION = 'HttpClient.Request';
const METHOD = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/;

interface Bound { link: LinkDefinition; settings: HttpClientSettings }

export class HttpClientProvider implements CapabilityProvider {
  readonly contractId = HTTPCLIENT_CONTRACT;
  readonly name = 'httpclient';
  readonly linkValueKeys = KNOWN_KEYS;
  private host?: ProviderHost;
  private readonly bound = new Map<string, Bound>();
  private readonly inFlight = new Set<() => void>();

  constructor(readonly id: string, readonly linkName: string = 'default') {}

  async start(host: ProviderHost): Promise<void> {
    this.host = host;
  }

  /** Default timeout: a little under the host's RPC timeout, so the actor hears our error, not its own deadline. */
  private defaultTimeoutMs(): number {
    const rpc = this.host?.rpcTimeoutMs ?? 2000;
    return Math.max(100, rpc - 250);
  }

  async putLink(link: LinkDefinition): Promise<void> {
    if (!this.host) throw new StratusError('PROVIDER_NOT_RUNNING', 'httpclient provider received a link before start()');
    const settings = parseHttpClientSettings(link.values, this.defaultTimeoutMs());
    const extra = unknownKeys(link.values, KNOWN_KEYS);
    if (extra.length > 0) this.host.log('warn', `httpclient: ignoring unknown link value(s) ${extra.join(', ')} for actor ${link.actor_id}`);
    this.bound.set(link.actor_id, { link, settings });
    this.host.log('info', `httpclient: actor ${link.actor_id} may reach ${describeAllowed(settings)}`);
  }

  async deleteLink(link: LinkDefinition): Promise<void> {
    this.bound.delete(link.actor_id);
  }

  handle(inv: Invocation): Promise<Uint8Array> {
    const b = this.bound.get(inv.origin.public_key);
    if (!b) {
      return Promise.reject(new StratusError('MISSING_LINK', `actor ${inv.origin.public_key} has no wasmcloud:httpclient link on link name "${this.linkName}" at this provider`,
        'put a link definition for the actor and wasmcloud:httpclient, with allowed_hosts naming the hosts it may call'));
    }
    if (inv.operation !== OPERATION) {
      return Promise.reject(new StratusError('BAD_REQUEST', `wasmcloud:httpclient has no operation "${inv.operation}"`, `supported: ${OPERATION}`));
    }
    try {
      return this.send(b, decodeHttpClientRequest(inv.msg));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private send(b: Bound, req: HttpClientRequest): Promise<Uint8Array> {
    const s = b.settings;
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      throw new StratusError('BAD_REQUEST', `HttpClient.Request: "${req.url}" is not an absolute URL`, 'give a URL with scheme and host, e.g. http://api.example.com/path');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new StratusError('BAD_REQUEST', `HttpClient.Request: scheme "${url.protocol.slice(0, -1)}" is not supported`, 'use http:// or https://');
    }
    const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    if (!hostAllowed(s, hostname, port)) {
      throw new StratusError('BAD_REQUEST', `HttpClient.Request to ${url.host} denied: the link of actor ${b.link.actor_id} allows ${describeAllowed(s)}`,
        `add the host to the link value allowed_hosts (e.g. allowed_hosts=${url.host}) and put the link again`);
    }
    const method = (req.method || 'GET').toUpperCase();
    if (!METHOD.test(method)) throw new StratusError('BAD_REQUEST', `HttpClient.Request: "${req.method}" is not an HTTP method`);
    if (req.body.length > s.maxRequestBytes) {
      throw new StratusError('BAD_REQUEST', `HttpClient.Request: the request body is ${req.body.length} bytes, over this link's max_request_len (${s.maxRequestBytes})`,
        'send less, or raise the link value max_request_len');
    }
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      const name = k.toLowerCase();
      if (name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue; // framing is ours
      headers[k] = v.length === 1 ? v[0] : v;
    }
    if (req.body.length > 0 || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method)) headers['content-length'] = String(req.body.length);
    const where = `${method} ${url.protocol}//${url.host}${url.pathname}`;
    return new Promise<Uint8Array>((resolve, reject) => {
      let done = false;
      const finish = (e: Error | undefined, out?: Uint8Array) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.inFlight.delete(cancel);
        if (e) { r.destroy(); reject(e); } else resolve(out!);
      };
      const cancel = () => finish(new StratusError('INTERRUPTED', `HttpClient.Request ${where}: the provider stopped while the request was in flight`));
      const timer = setTimeout(() => finish(new StratusError('TIMEOUT', `HttpClient.Request ${where}: no complete response within ${s.timeoutMs} ms (timeout_ms)`,
        'the server is slow or unreachable; raise the link value timeout_ms if it is expected to take longer')), s.timeoutMs);
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      let r: ReturnType<typeof httpRequest>;
      try {
        r = send(url, { method, headers, agent: false });
      } catch (e) {
        clearTimeout(timer);
        reject(new StratusError('BAD_REQUEST', `HttpClient.Request ${where}: ${(e as Error).message}`, 'check header names and values'));
        return;
      }
      this.inFlight.add(cancel);
      r.on('error', (e: NodeJS.ErrnoException) => finish(new StratusError('INTERNAL', `HttpClient.Request ${where} failed: ${e.code ?? ''} ${e.message}`.replace('  ', ' '),
        e.code === 'ECONNREFUSED' ? 'nothing listens there; check the URL and that the server runs' : undefined)));
      r.on('response', (res: IncomingMessage) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > s.maxResponseBytes) {
          finish(tooBig(where, `${declared} bytes (content-length)`, s.maxResponseBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let n = 0;
        res.on('data', (c: Buffer) => {
          n += c.length;
          if (n > s.maxResponseBytes) { finish(tooBig(where, `more than ${s.maxResponseBytes} bytes`, s.maxResponseBytes)); return; }
          chunks.push(c);
        });
        res.on('error', (e) => finish(new StratusError('INTERNAL', `HttpClient.Request ${where}: the response broke off: ${e.message}`)));
        res.on('end', () => {
          const header: HeaderMap = {};
          for (const [k, v] of Object.entries(res.headersDistinct)) if (v) header[k] = v;
          finish(undefined, encodeHttpClientResponse({ statusCode: res.statusCode ?? 0, header, body: Buffer.concat(chunks) }));
        });
      });
      r.end(req.body.length ? req.body : undefined);
    });
  }

  async health(): Promise<{ healthy: boolean; message?: string }> {
    return { healthy: true, message: `${this.bound.size} link(s), ${this.inFlight.size} request(s) in flight` };
  }

  async shutdown(): Promise<void> {
    for (const cancel of [...this.inFlight]) cancel();
    this.bound.clear();
  }
}

function tooBig(where: string, size: string, limit: number): StratusError {
  return new StratusError('BAD_REQUEST', `HttpClient.Request ${where}: the response is ${size}, over this link's max_response_len (${limit})`,
    'raise the link value max_response_len if such responses are expected');
}
