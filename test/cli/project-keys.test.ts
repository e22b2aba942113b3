// tier: full — builds actor projects with asc and clang, runs a host and the CLI as processes
// Issue 14 §1.3: a new project named like an existing one is a different actor. `stratus new`
// gives each project its own module key ("key" in stratus.json); a project without one signs with
// its name's key, which one project directory owns: another live directory with that name is
// refused with the fix, never silently given the same actor id.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, REPO, startHostProcess, tempHome } from '../e2e/support.js';

const home = tempHome('keys');
const work = mkdtempSync(join(tmpdir(), 'stratus-keys-'));

after(() => {
  home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

async function build(dir: string): Promise<{ code: number | null; out: { publicKey?: string; error?: string; code?: string } }> {
  const r = await cli(home.dir, ['build', '--path', dir, '-o', 'json'], 180_000);
  return { code: r.code, out: JSON.parse(r.stdout) };
}

test('two projects created with the same name are two actors: both start, neither scales the other', async () => {
  const ids: string[] = [];
  for (const where of ['a', 'b']) {
    const dir = join(work, where, 'twin');
    const made = await cli(home.dir, ['new', 'actor', 'twin', '--path', dir]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(JSON.parse(readFileSync(join(dir, 'stratus.json'), 'utf8')).key, /^twin-[0-9a-f]{8}$/);
    const b = await build(dir);
    assert.equal(b.code, 0, JSON.stringify(b.out));
    ids.push(b.out.publicKey!);
  }
  assert.notEqual(ids[0], ids[1]);
  const host = await startHostProcess(home.dir);
  try {
    for (const where of ['a', 'b']) {
      const s = await cli(home.dir, ['ctl', 'start', 'actor', join(work, where, 'twin', 'build', 'twin_s.wasm'), '-o', 'json']);
      assert.equal(s.code, 0, s.stdout + s.stderr);
      assert.equal(JSON.parse(s.stdout).count, 1, 'a new actor with one instance, not the other one scaled to two');
    }
    const inv = JSON.parse((await cli(home.dir, ['ctl', 'get', 'inventory', '-o', 'json'])).stdout);
    assert.deepEqual(inv.actors.map((a: { id: string }) => a.id).sort(), [...ids].sort());
  } finally {
    await host.stop();
  }
});

test('projects without "key": a second live directory with the same name is refused with the fix; a moved project takes over', async () => {
  const legacy = (where: string): string => {
    const dir = join(work, where, 'c_echo');
    cpSync(join(REPO, 'examples', 'c-echo'), dir, { recursive: true, filter: (p) => !p.includes('/build') });
    const cfg = JSON.parse(readFileSync(join(dir, 'stratus.json'), 'utf8'));
    delete cfg.key;
    writeFileSync(join(dir, 'stratus.json'), JSON.stringify(cfg));
    return dir;
  };
  const first = legacy('one');
  const second = legacy('two');
  const a = await build(first);
  assert.equal(a.code, 0, JSON.stringify(a.out));
  assert.equal((await build(first)).code, 0, 'the owner builds again');

  const refused = await build(second);
  assert.equal(refused.code, 3, JSON.stringify(refused.out));
  assert.equal(refused.out.code, 'INVALID_PROJECT');
  assert.match(refused.out.error!, new RegExp(`another project \\(${first.replace(/[/.]/g, '\\$&')}\\) is also named "c_echo".*actor id ${a.out.publicKey}`, 's'));
  assert.match(refused.out.error!, /hint: give this project its own identity: add "key": "c_echo-[0-9a-f]{8}" to .*two\/c_echo\/stratus\.json/);

  // following the hint gives it its own identity
  const cfg = JSON.parse(readFileSync(join(second, 'stratus.json'), 'utf8'));
  writeFileSync(join(second, 'stratus.json'), JSON.stringify({ ...cfg, key: 'c_echo-own' }));
  const own = await build(second);
  assert.equal(own.code, 0, JSON.stringify(own.out));
  assert.notEqual(own.out.publicKey, a.out.publicKey);

  // a project that moved (its old directory gone) keeps the name's identity
  const third = legacy('three');
  rmSync(first, { recursive: true, force: true });
  const moved = await build(third);
  assert.equal(moved.code, 0, JSON.stringify(moved.out));
  assert.equal(moved.out.publicKey, a.out.publicKey);
});
