// tier: full — runs a detached host and the stratus CLI as processes
// `stratus logs` against a real detached host (issue 15 item 4): `-f --actor <name>` shows a line
// the host writes after the command started, and only that actor's lines, by name; `-o json`
// prints the records; `stratus up --metrics` serves /metrics. Real processes, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, STRATUS_BIN, tempHome, type CliResult } from '../e2e/support.js';
import { signedFixture } from '../support/fixtures.js';
import type { LogRecord } from '../../src/observe/logs/record.js';

const json = <T>(r: CliResult): T => {
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return JSON.parse(r.stdout) as T;
};

async function until(pred: () => boolean, what: string, output: () => string, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output so far:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('stratus logs -f --actor <name> follows the detached host and shows only that actor, by name; -o json prints records; --metrics serves /metrics', async () => {
  const tmp = tempHome('logs');
  const home = join(tmp.dir, 'home');
  let up = false;
  try {
    writeFileSync(join(tmp.dir, 'talker.wasm'), await signedFixture('console', { name: 'talker' }));
    writeFileSync(join(tmp.dir, 'quiet.wasm'), await signedFixture('console', { name: 'quiet' }));
    const started = await cli(home, ['up', '--detached', '--rpc-timeout', '20000', '--metrics', '127.0.0.1:0']);
    assert.equal(started.code, 0, started.stdout + started.stderr);
    up = true;
    const talker = json<{ id: string }>(await cli(home, ['ctl', 'start', 'actor', join(tmp.dir, 'talker.wasm'), '-o', 'json'])).id;
    const quiet = json<{ id: string }>(await cli(home, ['ctl', 'start', 'actor', join(tmp.dir, 'quiet.wasm'), '-o', 'json'])).id;
    const say = async (id: string) => {
      const r = await cli(home, ['ctl', 'call', id, 'Say']);
      assert.equal(r.code, 0, r.stdout + r.stderr);
    };
    await say(talker);

    const follower = spawn(process.execPath, [STRATUS_BIN, 'logs', '-f', '--actor', 'talker'], { env: { ...process.env, STRATUS_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    follower.stdout.on('data', (b: Buffer) => { out += b; });
    follower.stderr.on('data', (b: Buffer) => { err += b; });
    const said = () => out.split('\n').filter((l) => l.includes('hello console'));
    try {
      await until(() => said().length === 1, 'the line written before `stratus logs` started', () => out + err);
      // after it started: first the other actor speaks, then talker; only talker's line may appear
      await say(quiet);
      await say(talker);
      await until(() => said().length === 2, 'the line written after `stratus logs -f` started', () => out + err);
      for (const l of said()) assert.match(l, /^\[\d{4}-[^\]]+\] info  \[talker M[A-Z2-7]{7}…\] hello console$/, l);
      assert.ok(!out.includes('quiet') && !out.includes(quiet), `no line of the other actor:\n${out}`);
    } finally {
      follower.kill('SIGTERM');
    }

    // without a filter the other actor's line is there too; -o json prints records with names
    const all = await cli(home, ['logs']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /\[quiet M[A-Z2-7]{7}…\] hello console/);
    const records = (await cli(home, ['logs', '-o', 'json', '--actor', talker])).stdout.trim().split('\n').map((l) => JSON.parse(l) as LogRecord);
    const hostId = json<{ hosts: { id: string }[] }>(await cli(home, ['ctl', 'get', 'hosts', '-o', 'json'])).hosts[0]!.id;
    assert.ok(records.filter((r) => r.msg === 'hello console').length === 2, JSON.stringify(records));
    for (const r of records) {
      assert.ok(r.actor === talker || r.msg.includes(talker), JSON.stringify(r));
      if (r.actor) assert.equal(r.actor_name, 'talker');
      assert.equal(r.host, hostId);
    }
    const tail = await cli(home, ['logs', '--tail', '1', '--actor', 'talker']);
    assert.equal(tail.stdout.trim().split('\n').length, 1, tail.stdout);

    // the metrics endpoint it announced in its log
    const log = readFileSync(join(home, 'host.log'), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogRecord);
    const url = /^metrics: (http:\/\/\S+)$/.exec(log.find((r) => r.msg.startsWith('metrics: '))?.msg ?? '')?.[1];
    assert.ok(url, 'the host logged where it serves metrics');
    const metrics = await (await fetch(url!)).text();
    assert.ok(metrics.includes(`stratus_invocations_total{actor="${talker}",operation="Say",outcome="ok"} 2`), metrics);
    assert.ok(metrics.includes(`stratus_actor_info{actor="${quiet}",name="quiet"} 1`), metrics);
  } finally {
    if (up) await cli(home, ['down']);
    tmp.cleanup();
  }
});

test('stratus logs without a host log says where it looked and what writes it (exit 2); bad flags of up are usage errors', async () => {
  const tmp = tempHome('nolog');
  try {
    const r = await cli(tmp.dir, ['logs']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`there is no host log at ${join(tmp.dir, 'host.log')}`));
    assert.match(r.stderr, /stratus up --detached/);
    const badLevel = await cli(tmp.dir, ['up', '--detached', '--log-level', 'loud']);
    assert.equal(badLevel.code, 2);
    assert.match(badLevel.stderr, /--log-level must be one of trace, debug, info, warn, error/);
    const badSampler = await new Promise<CliResult>((resolve) => {
      const c = spawn(process.execPath, [STRATUS_BIN, 'up', '--detached'], { env: { ...process.env, STRATUS_HOME: tmp.dir, OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'sometimes' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      c.stdout.on('data', (b: Buffer) => { stdout += b; });
      c.stderr.on('data', (b: Buffer) => { stderr += b; });
      c.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(badSampler.code, 2, badSampler.stdout + badSampler.stderr);
    assert.match(badSampler.stderr, /OTEL_TRACES_SAMPLER="sometimes" is not supported/);
  } finally {
    tmp.cleanup();
  }
});
