// The listener's HTTP/1.1 layer (src/providers/httpserver/http1) over real sockets: what node:http
// did for us before, each checked: pipelined requests answered in order even when their actors
// finish out of order, HTTP/1.0 and `connection: close` closing after the answer, HEAD without a
// body, `expect: 100-continue`, chunked request bodies, header values that would split the
// response refused with a 500, a client that half-closes still answered, and a client that
// pipelines without reading stops being read.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { encode, decode } from '@msgpack/msgpack';
import type { CapabilityProvider } from '../../src/host/provider-contract.js';
import { responseHead, DateCache, ResponseHeadError } from '../../src/providers/httpserver/http1/response-head.js';
import { MAX_OWED } from '../../src/providers/httpserver/http1/connection.js';
import { listening, makeHost, rawHttp, get, until } from './httpserver-helpers.js';

const reply = (status: number, body: string, header: Record<string, string[]> = {}) => encode({ statusCode: status, header, body: Buffer.from(body) });
const pathOf = (payload: Uint8Array) => (decode(payload) as { path: string }).path;

describe('httpserver HTTP/1.1 layer', () => {
  let provider: CapabilityProvider;
  let h: ReturnType<typeof makeHost>;
  let port: number;

  before(async () => { ({ h, provider, port } = await listening('MHTTP1')); });
  after(async () => { await provider.shutdown(); });

  it('answers pipelined requests in request order, though their actors finish in reverse', async () => {
    h.setActor(async (payload) => {
      const p = pathOf(payload);
      const n = Number(p.slice(1));
      await new Promise((r) => setTimeout(r, (5 - n) * 20)); // /1 finishes last
      return reply(200, `answer ${p}`);
    });
    const req = (n: number) => `GET /${n} HTTP/1.1\r\nHost: t\r\n\r\n`;
    const text = await rawHttp(port, [1, 2, 3, 4].map(req).join(''), /answer \/4$/);
    const bodies = [...text.matchAll(/answer \/(\d)/g)].map((m) => m[1]);
    assert.deepEqual(bodies, ['1', '2', '3', '4']);
    assert.equal((text.match(/HTTP\/1\.1 200 OK\r\n/g) ?? []).length, 4);
  });

  it('HTTP/1.0 without keep-alive, and connection: close, get their answer and then the close', async () => {
    h.setActor(async () => reply(200, 'bye'));
    const ten = await rawHttp(port, 'GET /a HTTP/1.0\r\n\r\n');
    assert.match(ten, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(ten, /\r\nconnection: close\r\n/);
    assert.match(ten, /\r\n\r\nbye$/);
    const closing = await rawHttp(port, 'GET /b HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\nGET /c HTTP/1.1\r\nHost: t\r\n\r\n');
    assert.equal((closing.match(/HTTP\/1\.1 200/g) ?? []).length, 1, 'nothing after the request that asked to close');
    assert.match(closing, /\r\nconnection: close\r\n/);
  });

  it('a keep-alive answer says so, with a date and the keep-alive timeout', async () => {
    h.setActor(async () => reply(200, 'x'));
    const res = await get(port, '/ka', { headers: { connection: 'keep-alive' } });
    assert.equal(res.headers.connection, 'keep-alive');
    assert.match(String(res.headers['keep-alive']), /^timeout=\d+$/);
    assert.ok(!Number.isNaN(Date.parse(String(res.headers.date))));
  });

  it('HEAD gets the head with the body\'s length and no body; the connection stays usable', async () => {
    h.setActor(async (payload) => reply(200, pathOf(payload) === '/after' ? 'after' : 'twelve bytes'));
    const text = await rawHttp(port, 'HEAD /h HTTP/1.1\r\nHost: t\r\n\r\nGET /after HTTP/1.1\r\nHost: t\r\n\r\n', /\r\n\r\nafter$/);
    const [head1] = text.split('\r\n\r\n');
    assert.match(head1!, /content-length: 12/);
    assert.match(text, /\r\n\r\nHTTP\/1\.1 200 OK\r\n/, 'the second answer follows the first head directly');
  });

  it('expect: 100-continue gets a 100 Continue, then the body is read and passed on', async () => {
    h.setActor(async (payload) => reply(200, `got ${Buffer.from((decode(payload) as { body: Uint8Array }).body).toString()}`));
    const got = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      let out = '';
      s.on('error', reject);
      s.on('data', (d) => {
        out += d.toString('latin1');
        if (out === 'HTTP/1.1 100 Continue\r\n\r\n') s.write('hello');
        if (/got hello$/.test(out)) { s.destroy(); resolve(out); }
      });
      s.write('POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    });
    assert.match(got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n/);
  });

  it('a chunked request body reaches the actor whole', async () => {
    let body = '';
    h.setActor(async (payload) => { body = Buffer.from((decode(payload) as { body: Uint8Array }).body).toString(); return reply(200, 'ok'); });
    const text = await rawHttp(port, 'POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n', /\r\n\r\nok$/);
    assert.match(text, /^HTTP\/1\.1 200 OK/);
    assert.equal(body, 'hello world');
  });

  it('a head of more than 32 lines (llhttp hands it over in parts) reaches the actor whole, twice on one connection', async () => {
    const heads: Record<string, string[]>[] = [];
    h.setActor(async (payload) => { heads.push((decode(payload) as { header: Record<string, string[]> }).header); return reply(200, 'many'); });
    const lines = Array.from({ length: 40 }, (_, i) => `X-Line-${i}: v${i}\r\n`).join('');
    const req = `GET /many HTTP/1.1\r\nHost: t\r\n${lines}\r\n`;
    const text = await rawHttp(port, req + req, /many[\s\S]*many$/);
    assert.equal((text.match(/HTTP\/1\.1 200/g) ?? []).length, 2);
    assert.equal(heads.length, 2);
    for (const head of heads) {
      assert.equal(Object.keys(head).length, 41);
      assert.deepEqual(head['x-line-39'], ['v39']);
    }
  });

  it('a header value with CR/LF or a bad name is not sent: 500 naming it, the connection serves on', async () => {
    h.setActor(async (payload) => pathOf(payload) === '/split'
      ? reply(200, 'x', { 'x-evil': ['a\r\nset-cookie: stolen=1'] })
      : pathOf(payload) === '/status' ? reply(200, 'x', { 'bad name': ['v'] }) : reply(200, 'fine'));
    const text = await rawHttp(port, 'GET /split HTTP/1.1\r\nHost: t\r\n\r\nGET /status HTTP/1.1\r\nHost: t\r\n\r\nGET /ok HTTP/1.1\r\nHost: t\r\n\r\n', /\r\n\r\nfine$/);
    assert.doesNotMatch(text, /set-cookie/i);
    assert.equal((text.match(/HTTP\/1\.1 500 Internal Server Error\r\n/g) ?? []).length, 2);
    assert.ok(h.logs.some((l) => /invalid character in the value of header "x-evil"/.test(l.text)));
    assert.ok(h.logs.some((l) => /invalid header name "bad name"/.test(l.text)));
  });

  it('a client that half-closes after its request still gets the answer', async () => {
    h.setActor(async () => { await new Promise((r) => setTimeout(r, 30)); return reply(200, 'late'); });
    const text = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port });
      let out = '';
      s.on('data', (d) => { out += d.toString('latin1'); });
      s.on('close', () => resolve(out));
      s.on('error', reject);
      s.end('GET /half HTTP/1.1\r\nHost: t\r\n\r\n');
    });
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nlate$/);
  });

  it('a client that pipelines without end stops being read once the answers it owes reach the bound', { timeout: 90_000 }, async () => {
    const waiting: (() => void)[] = [];
    h.setActor(() => new Promise((resolve) => { waiting.push(() => resolve(reply(200, 'p'))); }));
    const before = h.seen.length;
    const s = connect({ host: '127.0.0.1', port });
    s.on('error', () => {});
    // far more requests than one read holds (64 KiB: ~2 000 of these), in one go; no actor answers yet
    const many = 20_000;
    s.write(Array.from({ length: many }, (_, i) => `GET /p${i} HTTP/1.1\r\nHost: t\r\n\r\n`).join(''));
    await until(() => h.seen.length - before >= MAX_OWED, 'the first requests to reach the actor');
    await new Promise((r) => setTimeout(r, 200));
    // one read may hold more requests than the bound (each is taken); reading stops after it
    assert.ok(h.seen.length - before >= MAX_OWED);
    assert.ok(h.seen.length - before < many, `not every pipelined request was taken (${h.seen.length - before} of ${many})`);
    let received = '';
    s.on('data', (d) => { received += d.toString('latin1'); });
    // answering lets it read on, until all are answered
    await until(() => {
      for (const w of waiting.splice(0)) w();
      return (received.match(/HTTP\/1\.1 200/g) ?? []).length === many;
    }, 'every pipelined request to be answered', 60_000);
    s.destroy();
  });
});

describe('response heads (pure)', () => {
  const o = { keepAlive: true, keepAliveSeconds: 5, date: new DateCache().now(0) };
  it('status line with Node\'s reason phrase, lines in order, date and connection last', () => {
    const head = responseHead(404, ['content-type', 'text/plain', 'x-a', '1'], o);
    assert.equal(head.text, 'HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\nx-a: 1\r\ndate: Thu, 01 Jan 1970 00:00:00 GMT\r\nconnection: keep-alive\r\nkeep-alive: timeout=5\r\n\r\n');
    assert.equal(head.keepAlive, true);
    assert.match(responseHead(799, [], o).text, /^HTTP\/1\.1 799 unknown\r\n/);
  });
  it('an actor\'s connection: close closes; its other connection lines are dropped', () => {
    const closed = responseHead(200, ['Connection', 'close'], o);
    assert.equal(closed.keepAlive, false);
    assert.match(closed.text, /\r\nconnection: close\r\n\r\n$/);
    assert.doesNotMatch(closed.text, /Connection: close/);
    assert.equal(responseHead(200, ['connection', 'upgrade'], o).keepAlive, true);
  });
  it('refuses bad names, values and statuses', () => {
    assert.throws(() => responseHead(200, ['bad name', 'v'], o), ResponseHeadError);
    assert.throws(() => responseHead(200, ['x', 'a\nb'], o), /invalid character in the value of header "x"/);
    assert.throws(() => responseHead(99, [], o), /invalid status code 99/);
    assert.throws(() => responseHead(1000, [], o), /invalid status code 1000/);
  });
  it('the date is rebuilt once a second', () => {
    const d = new DateCache();
    assert.equal(d.now(1_000), d.now(1_999));
    assert.notEqual(d.now(1_999), d.now(2_000));
  });
});
