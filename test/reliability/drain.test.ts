// tier: full — runs a host process (stratus up) with redis-server behind a proxy
// Issue 11 fault 10: `stratus down` did not drain. In-flight requests got ECONNRESET, and on Redis
// 20 requests got 503 "… was stopped" for increments that had been applied (a client that retries
// a 503 counts them twice). Now the host stops accepting, finishes what is in flight (bounded by
// the RPC timeout), then stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { httpGet as get } from '../support/http.js';
import { Redis } from 'ioredis';
import { cli, deployKvcounter, startHostProcess, startRedis, tempHome } from '../e2e/support.js';
import { startTcpProxy } from '../support/tcp-proxy.js';


function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(false); });
    s.once('error', () => resolve(true));
  });
}

test('stratus down finishes requests in flight with their real answers and refuses new ones; nothing is applied twice', { timeout: 120_000 }, async () => {
  const redis = await startRedis();
  const proxy = await startTcpProxy(redis.port);
  const home = tempHome('drain');
  const host = await startHostProcess(home.dir, ['--rpc-timeout', '8000']);
  try {
    const { port } = await deployKvcounter(host.socket, home.dir, { URL: `redis://127.0.0.1:${proxy.port}` });
    assert.deepEqual(await get(port, '/drain'), { status: 200, body: '{"counter": 1}' });

    // Redis answers slowly: 12 requests are in flight, their increments applied but not answered yet
    proxy.holdReplies(true);
    const inFlight = Array.from({ length: 12 }, () => get(port, '/drain'));
    const probe = new Redis(redis.url);
    try {
      const [key] = await probe.keys('*drain*');
      assert.ok(key, 'the counter is in Redis');
      for (let i = 0; i < 200 && Number(await probe.get(key)) < 13; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(Number(await probe.get(key)), 13, 'all 12 increments reached Redis');
      const down = cli(home.dir, ['down']);
      // the listener stops accepting first
      for (let i = 0; i < 200 && !(await refused(port)); i++) await new Promise((r) => setTimeout(r, 25));
      assert.equal(await refused(port), true, 'new connections are refused while the host drains');
      proxy.holdReplies(false);
      const answers = await Promise.all(inFlight);
      const down1 = await down;
      assert.equal(down1.code, 0, down1.stderr);
      for (const a of answers) assert.ok('status' in a && a.status === 200, `an in-flight request got ${JSON.stringify(a)}`);
      const counters = answers.map((a) => JSON.parse((a as { body: string }).body).counter as number).sort((x, y) => x - y);
      assert.deepEqual(counters, Array.from({ length: 12 }, (_, i) => i + 2), 'each in-flight increment answered once, with its own value');
      const stored = Number(await probe.get(key));
      assert.equal(stored, 13, 'nothing applied twice, nothing lost');
      assert.equal(await host.child.exitCode === null ? await new Promise((r) => host.child.once('exit', r)) : host.child.exitCode, 0);
    } finally {
      probe.disconnect();
    }
  } finally {
    await host.stop();
    await proxy.close();
    await redis.dispose();
    home.cleanup();
  }
});
