// tier: full — starts child processes with lowered limits
// The open-file limit at host start (fault 8). Node itself raises the soft limit to the hard one
// when it starts, so a host normally finds them equal; when something lowered the soft limit
// since, ensureFdLimit raises it again with prlimit, and warns (saying how to fix it) when it cannot
// or when the hard limit itself is low. Each case runs in a child process with real limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseOpenFilesLimit } from '../../src/providers/httpserver/connection-budget.js';

const fdLimit = fileURLToPath(new URL('../../src/control/fd-limit.js', import.meta.url));

interface Limits { soft: number; hard: number }
interface Report { before: Limits; after: Limits; raised: boolean; warning?: string; seen: Limits }

/** Runs ensureFdLimit() in a child; `lowerTo` first lowers the child's own soft limit with prlimit. */
function runChild(o: { shell?: string; lowerTo?: number; path?: string }): Report {
  const script = `
    import { ensureFdLimit } from ${JSON.stringify(fdLimit)};
    import { readFileSync } from 'node:fs';
    import { execFileSync } from 'node:child_process';
    const limits = () => {
      const line = readFileSync('/proc/self/limits', 'utf8').split('\\n').find((l) => l.startsWith('Max open files'));
      const [soft, hard] = line.slice('Max open files'.length).trim().split(/\\s+/).map(Number);
      return { soft, hard };
    };
    ${o.lowerTo ? `execFileSync('prlimit', ['--pid', String(process.pid), '--nofile=${o.lowerTo}:' + limits().hard]);` : ''}
    ${o.path ? `process.env.PATH = ${JSON.stringify(o.path)};` : ''}
    const seen = limits();
    const r = ensureFdLimit();
    console.log(JSON.stringify({ ...r, seen, after: limits() }));
  `;
  const r = spawnSync('bash', ['-c', `${o.shell ?? 'true'} && exec "${process.execPath}" --input-type=module -e "$SCRIPT"`], {
    env: { ...process.env, SCRIPT: script }, encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Report;
}

test('reads the soft and hard open-file limits from /proc/self/limits', () => {
  const text = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n';
  assert.deepEqual(parseOpenFilesLimit(text), { soft: 1024, hard: 524288 });
  assert.deepEqual(parseOpenFilesLimit('Max open files            unlimited            unlimited            files\n'), { soft: Infinity, hard: Infinity });
  assert.equal(parseOpenFilesLimit('nothing here'), undefined);
});

test('a soft limit lowered below the hard one is raised to it with prlimit', () => {
  const r = runChild({ lowerTo: 256 });
  assert.equal(r.seen.soft, 256, 'the child started below its hard limit');
  assert.ok(r.seen.hard > 256);
  assert.equal(r.raised, true);
  assert.deepEqual(r.after, { soft: r.seen.hard, hard: r.seen.hard });
  assert.equal(r.warning, undefined);
});

test('without prlimit the limit stays and the warning says how to raise it', () => {
  const r = runChild({ lowerTo: 256, path: '/nonexistent' });
  assert.equal(r.after.soft, 256);
  assert.equal(r.raised, false);
  assert.match(r.warning ?? '', /open-file limit is 256 .*could not raise it to \d+.*prlimit/);
  assert.match(r.warning ?? '', /ulimit -n/);
});

test('a low hard limit is reported with how many HTTP connections it leaves and how to raise it', () => {
  const r = runChild({ shell: 'ulimit -n 256' });
  assert.deepEqual(r.seen, { soft: 256, hard: 256 });
  assert.equal(r.raised, false);
  assert.match(r.warning ?? '', /open-file limit is 256 \(hard limit 256\).*at most \d+ HTTP connections/);
  assert.match(r.warning ?? '', /LimitNOFILE|--ulimit nofile/);
});

test('a comfortable limit needs nothing and says nothing', () => {
  const r = runChild({});
  assert.equal(r.raised, false);
  assert.equal(r.warning, undefined);
  assert.deepEqual(r.after, r.seen);
});
