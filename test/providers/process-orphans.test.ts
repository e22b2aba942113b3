// tier: full — a real `stratus up` process, nats-server -js and a provider process
// No orphans: a provider process started by `stratus up` from a .par.gz ends when the host is
// killed with SIGKILL (its stdin closes), and when the host stops normally.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cli, startHostProcess, tempHome } from '../e2e/support.js';
import { startNats, type RunningServer } from '../support/servers.js';
import { until } from '../support/fixtures.js';
import { alive, ECHO_PROVIDER, packProvider } from './process-support.js';

let nats: RunningServer;
before(async () => { nats = await startNats(); });
after(async () => { await nats?.stop(); });

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

for (const how of ['SIGKILL', 'SIGTERM'] as const) {
  test(`a host stopped with ${how} leaves no provider process behind`, async () => {
    const home = tempHome(`orph-${how}`);
    try {
      const h = await startHostProcess(home.dir, ['--nats-host', '127.0.0.1', '--nats-port', String(nats.port), '--nats-connect-only', '-x', `orph${how.toLowerCase()}`]);
      const packed = packProvider(ECHO_PROVIDER, 'orphan-check');
      const r = await cli(home.dir, ['ctl', 'start', 'provider', packed.path, '-o', 'json']);
      assert.equal(r.code, 0, r.stdout + r.stderr + h.output());
      assert.equal(JSON.parse(r.stdout).id, packed.service.publicKey);
      const kids = childrenOf(h.child.pid!);
      assert.equal(kids.length, 1, `one provider process under the host: ${kids.join(',')}`);
      const pid = kids[0]!;
      assert.ok(alive(pid));
      h.child.kill(how);
      await until(() => !alive(pid), `provider ${pid} to exit after the host got ${how}`, 20_000);
    } finally {
      home.cleanup();
    }
  });
}
