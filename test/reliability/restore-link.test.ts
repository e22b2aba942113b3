// tier: full — runs host processes (stratus up) and redis-server
// Issue 11 fault 6: with Redis down at `stratus up`, a restored Redis link was never retried: the
// service answered "missing link definition" for as long as the host ran, although the link was in
// the saved state. A link whose backend is unreachable stays defined, says why, and heals when the
// backend returns — with nobody putting it again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlRequest } from '../../src/control/client.js';
import { deployKvcounter, get, startHostProcess, startRedis, tempHome } from '../e2e/support.js';

test('a Redis link restored while Redis is down stays defined, says why calls fail, and heals when Redis returns', { timeout: 180_000 }, async () => {
  const redis = await startRedis();
  const home = tempHome('restore-redis');
  let host = await startHostProcess(home.dir);
  try {
    const { port } = await deployKvcounter(host.socket, home.dir, { URL: redis.url });
    const url = `http://127.0.0.1:${port}/restore`;
    assert.deepEqual(await get(url), { status: 200, body: '{"counter": 1}' });

    assert.equal(await host.stop(), 0);
    await redis.stop();
    host = await startHostProcess(home.dir);
    const links = await controlRequest<{ links: { contract_id: string; status: { state: string } }[] }>('GET', '/v1/links', undefined, host.socket);
    assert.deepEqual(links.links.map((l) => l.contract_id).sort(), ['wasmcloud:httpserver', 'wasmcloud:keyvalue'], 'both links restored');
    const down = await get(url);
    assert.equal(down.status, 500);
    assert.doesNotMatch(down.body, /missing link definition/);
    assert.match(down.body, /Redis .* (is unavailable|was not performed)/);

    await redis.restart();
    // redis-server runs without persistence here, so the count starts over once it is back
    let healed: { status: number; body: string } | undefined;
    for (let i = 0; i < 100; i++) {
      healed = await get(url);
      if (healed.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(healed, { status: 200, body: '{"counter": 1}' }, 'the restored link works once Redis is back, with no one putting it again');
  } finally {
    await host.stop();
    await redis.dispose();
    home.cleanup();
  }
});
