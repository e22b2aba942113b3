// tier: full — starts redis-server and nats-server
// The test-support servers themselves: real processes on free loopback ports, restartable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startNats, startRedis } from '../support/servers.js';

function firstLine(port: number, send?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let buf = '';
    s.on('connect', () => { if (send) s.write(send); });
    s.on('data', (d) => {
      buf += d.toString();
      const i = buf.indexOf('\r\n');
      if (i >= 0) { s.destroy(); resolve(buf.slice(0, i)); }
    });
    s.on('error', reject);
  });
}

describe('test support servers', () => {
  it('starts nats-server (with JetStream) on a free port and it speaks NATS', async () => {
    const nats = await startNats();
    try {
      assert.match(nats.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
      const info = await firstLine(nats.port);
      assert.match(info, /^INFO \{.*"jetstream":true/);
    } finally {
      await nats.dispose();
    }
  });

  it('starts redis-server, stops it, and restarts it on the same port', async () => {
    const redis = await startRedis();
    try {
      assert.equal(await firstLine(redis.port, 'PING\r\n'), '+PONG');
      await redis.stop();
      await assert.rejects(firstLine(redis.port, 'PING\r\n'), /ECONNREFUSED/);
      await redis.restart();
      assert.equal(await firstLine(redis.port, 'PING\r\n'), '+PONG');
    } finally {
      await redis.dispose();
    }
  });
});
