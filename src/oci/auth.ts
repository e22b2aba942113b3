// The registry's `WWW-Authenticate` challenge and the answers to it (Docker's token
// authentication, which every OCI registry with bearer tokens follows): Basic, or a Bearer token
// fetched from the challenge's realm with the requested scope. Pure.
import { StratusError } from '../core/errors.js';

export interface Challenge {
  scheme: 'basic' | 'bearer';
  realm?: string;
  service?: string;
  scope?: string;
}

/** Parse `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"` or `Basic realm="x"`. */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (let p; (p = re.exec(m[2]!)) !== null;) params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme, realm: params.realm, service: params.service, scope: params.scope };
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/** `repository:<name>:pull` or `...:pull,push`. */
export function repositoryScope(repository: string, push: boolean): string {
  return `repository:${repository}:${push ? 'pull,push' : 'pull'}`;
}

/** The token endpoint URL for a Bearer challenge and the scope we need. */
export function tokenUrl(challenge: Challenge, scope: string, registry: string): URL {
  if (!challenge.realm) {
    throw new StratusError('REGISTRY_DENIED', `registry ${registry} asked for a bearer token but named no token service (realm)`,
      'the registry\'s auth configuration is incomplete; ask its operator');
  }
  let url: URL;
  try {
    url = new URL(challenge.realm);
  } catch {
    throw new StratusError('REGISTRY_DENIED', `registry ${registry} named a token service that is not a URL: ${challenge.realm}`);
  }
  if (challenge.service) url.searchParams.set('service', challenge.service);
  url.searchParams.set('scope', scope);
  return url;
}

/** The token in a token service's JSON answer (`token`, or OAuth2's `access_token`). */
export function tokenFromResponse(body: unknown): string | undefined {
  const o = body as { token?: unknown; access_token?: unknown } | null;
  if (typeof o?.token === 'string' && o.token) return o.token;
  if (typeof o?.access_token === 'string' && o.access_token) return o.access_token;
  return undefined;
}
