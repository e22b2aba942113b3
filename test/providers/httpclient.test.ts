// wasmcloud:httpclient against a real HTTP server on a loopback port: allow-list (deny by
// default), headers and bodies both ways, timeouts, size limits, redirects not followed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { encode, decode } from '@msgpack/msgpack';
import { createProvider } from '../../src/providers/registry.js';
import { linkInvocation, type LinkDefinition } from '../../src/core/wire.js';
import { isStratusError } from '../../src/core/errors.js';
import { hostAllowed, parseHttpClientSettings } from '../../src/providers/httpclient/settings.js';
import { freePort } from '../support/servers.js';
import { makeHost } from './httpserver-helpers.js';

let server: Server;
let port: number;
let hits = 0;
const provider = createProvider('httpclient');
const { host, logs } = makeHost();

before(async () => {
  port = await freePort();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    hits++;
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (req.url === '/slow') return; // never answers
      if (req.url === '/big') { res.end(Buffer.alloc(4096, 'x')); return; }
      if (req.url === '/big-chunked') { res.write(Buffer.alloc(3000, 'y')); res.write(Buffer.alloc(3000, 'y')); res.end(); return; }
      if (req.url === '/redirect') { res.writeHead(302, { location: 'http://elsewhere.example/' }); res.end(); return; }
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, xtest: req.headers['x-test'], body: body.toString() }));
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  await provider.start(host);
});
after(async () => {
  await provider.shutdown();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const link = (actor: string, values: Record<string, string>): LinkDefinition =>
  ({ id: `l-${actor}`, actor_id: actor, provider_id: provider.id, link_name: 'default', contract_id: 'wasmcloud:httpclient', values });

async function call(l: LinkDefinition, req: { method?: string; url: string; headers?: Record<string, string[]>; body?: Uint8Array }) {
  const out = await provider.handle(linkInvocation(l, 'HttpClient.Request', encode({ method: req.method ?? 'GET', url: req.url, headers: req.headers ?? {}, body: req.body ?? new Uint8Array(0) })));
  return decode(out) as { statusCode: number; header: Record<string, string[]>; body: Uint8Array };
}

test('a link without allowed_hosts allows nothing: the request is denied with the fix named, and no request is sent', async () => {
  const before = hits;
  const l = link('MDENY', {});
  await provider.putLink(l);
  await assert.rejects(call(l, { url: `http://127.0.0.1:${port}/x` }),
    (e) => isStratusError(e, 'BAD_REQUEST') && /denied: the link of actor MDENY allows no host/.test(e.message) && /allowed_hosts=127\.0\.0\.1:\d+/.test(e.message));
  assert.equal(hits, before, 'the server saw no request');
});

test('an allowed host gets the method, headers and body; the reply carries status, every header value and the body', async () => {
  const l = link('MALLOW', { allowed_hosts: `127.0.0.1:${port}` });
  await provider.putLink(l);
  const r = await call(l, { method: 'post', url: `http://127.0.0.1:${port}/echo?q=1`, headers: { 'X-Test': ['yes'] }, body: Buffer.from('payload') });
  assert.equal(r.statusCode, 200);
  assert.deepEqual(JSON.parse(Buffer.from(r.body).toString()), { method: 'POST', url: '/echo?q=1', xtest: 'yes', body: 'payload' });
  assert.deepEqual(r.header['set-cookie'], ['a=1', 'b=2']);
  assert.deepEqual(r.header['content-type'], ['application/json']);
});

test('the allow-list is exact: another port, another host name, or another scheme is refused', async () => {
  const l = link('MPORT', { allowed_hosts: `127.0.0.1:${port + 1}` });
  await provider.putLink(l);
  await assert.rejects(call(l, { url: `http://127.0.0.1:${port}/` }), /denied/);
  await assert.rejects(call(l, { url: `http://localhost:${port + 1}/` }), /denied/);
  await assert.rejects(call(l, { url: 'file:///etc/passwd' }), (e) => isStratusError(e, 'BAD_REQUEST') && /scheme "file" is not supported/.test(e.message));
  await assert.rejects(call(l, { url: 'not a url' }), /is not an absolute URL/);
  const s = parseHttpClientSettings({ allowed_hosts: '*.example.com, api.test:8443' }, 1000);
  assert.equal(hostAllowed(s, 'a.example.com', 443), true);
  assert.equal(hostAllowed(s, 'example.com', 443), false, '*.example.com names subdomains only');
  assert.equal(hostAllowed(s, 'evilexample.com', 443), false);
  assert.equal(hostAllowed(s, 'api.test', 8443), true);
  assert.equal(hostAllowed(s, 'api.test', 443), false);
  assert.throws(() => parseHttpClientSettings({ allowed_hosts: 'bad host!' }, 1000), /allowed_hosts entry "bad host!" is not a host name/);
  assert.throws(() => parseHttpClientSettings({ timeout_ms: 'soon' }, 1000), /timeout_ms="soon" is not a timeout/);
});

test('a server that does not answer within timeout_ms is a TIMEOUT naming the link value', async () => {
  const l = link('MSLOW', { allowed_hosts: `127.0.0.1:${port}`, timeout_ms: '200' });
  await provider.putLink(l);
  await assert.rejects(call(l, { url: `http://127.0.0.1:${port}/slow` }), (e) => isStratusError(e, 'TIMEOUT') && /within 200 ms \(timeout_ms\)/.test(e.message));
});

test('responses over max_response_len are refused, with or without a content-length', async () => {
  const l = link('MBIG', { allowed_hosts: `127.0.0.1:${port}`, max_response_len: '1K' });
  await provider.putLink(l);
  await assert.rejects(call(l, { url: `http://127.0.0.1:${port}/big` }), /4096 bytes \(content-length\), over this link's max_response_len \(1024\)/);
  await assert.rejects(call(l, { url: `http://127.0.0.1:${port}/big-chunked` }), /more than 1024 bytes, over this link's max_response_len/);
  const r = await call(l, { url: `http://127.0.0.1:${port}/small` });
  assert.equal(r.statusCode, 200, 'a response within the limit still passes');
});

test('redirects are handed to the actor, not followed (a redirect must not leave the allow-list)', async () => {
  const l = link('MREDIR', { allowed_hosts: `127.0.0.1:${port}` });
  await provider.putLink(l);
  const r = await call(l, { url: `http://127.0.0.1:${port}/redirect` });
  assert.equal(r.statusCode, 302);
  assert.deepEqual(r.header.location, ['http://elsewhere.example/']);
});

test('connection refused, a missing link and an unknown operation are explained errors', async () => {
  const closed = await freePort();
  const l = link('MREFUSED', { allowed_hosts: '*' });
  await provider.putLink(l);
  await assert.rejects(call(l, { url: `http://127.0.0.1:${closed}/` }), /ECONNREFUSED.*nothing listens there/s);
  await assert.rejects(call(link('MNOLINK', {}), { url: `http://127.0.0.1:${port}/` }), (e) => isStratusError(e, 'MISSING_LINK'));
  await assert.rejects(provider.handle(linkInvocation(l, 'HttpClient.Get', new Uint8Array(0))), /has no operation "HttpClient.Get"/);
  await provider.deleteLink(l);
  await assert.rejects(call(l, { url: `http://127.0.0.1:${port}/` }), (e) => isStratusError(e, 'MISSING_LINK'));
  assert.ok(logs.some((x) => /httpclient: actor MALLOW may reach 127\.0\.0\.1:\d+/.test(x.text)));
});
