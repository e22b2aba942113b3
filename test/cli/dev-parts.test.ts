// The pure parts of `stratus dev`: links from claims, the revision rule, which changes rebuild,
// the progress spinner (terminal vs not), and the watcher on a real directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextRevision, planLinks } from '../../src/control/dev/plan.js';
import { sameLinkValues } from '../../src/host/links/link-store.js';
import { isSourceChange, watchSources } from '../../src/control/dev/watcher.js';
import { Progress } from '../../src/control/dev/progress.js';

test('planLinks: httpserver on the port, keyvalue on the embedded store, builtins need nothing, the rest is said', () => {
  const p = planLinks(['wasmcloud:httpserver', 'wasmcloud:keyvalue', 'wasmcloud:builtin:logging', 'wasmcloud:builtin:numbergen', 'wasmcloud:messaging'], { port: 9123 });
  assert.deepEqual(p.links, [
    { provider: 'httpserver', contractId: 'wasmcloud:httpserver', values: { address: '127.0.0.1:9123' } },
    { provider: 'keyvalue', contractId: 'wasmcloud:keyvalue', values: {} },
  ]);
  assert.equal(p.notes.length, 1);
  assert.match(p.notes[0], /wasmcloud:messaging.*stratus ctl link put/);
  assert.deepEqual(planLinks(['wasmcloud:httpserver'], { port: 80, address: '0.0.0.0' }).links[0].values, { address: '0.0.0.0:80' });
  assert.deepEqual(planLinks([], { port: 1 }), { links: [], notes: [] });
});

test('nextRevision: above the running one, never below stratus.json', () => {
  assert.equal(nextRevision(0, undefined), 0);
  assert.equal(nextRevision(5, undefined), 5);
  assert.equal(nextRevision(0, 7), 8);
  assert.equal(nextRevision(10, 3), 10);
  assert.ok(sameLinkValues({ a: '1', b: '2' }, { b: '2', a: '1' }));
  assert.ok(!sameLinkValues({ a: '1' }, { a: '1', b: '2' }));
  assert.ok(!sameLinkValues({ a: '1' }, { a: '2' }));
});

test('isSourceChange: sources rebuild; build output, node_modules, dot files and editor backups do not', () => {
  for (const f of ['assembly/index.ts', 'stratus.json', 'src/actor.c', 'package.json']) assert.ok(isSourceChange(f), f);
  for (const f of ['build/x_s.wasm', 'node_modules/a/b.js', '.git/index', 'assembly/.index.ts.swp', 'assembly/index.ts~', 'assembly/#index.ts#', '4913', '']) {
    assert.ok(!isSourceChange(f), f);
  }
});

test('Progress: a spinner with elapsed time on a terminal, nothing but result lines otherwise', async () => {
  const writes: string[] = [];
  const tty = new Progress({ write: (t: string) => writes.push(t), isTTY: true }, { spinnerAfterMs: 0, frameMs: 5 });
  const r = await tty.step('building x', () => new Promise<number>((res) => setTimeout(() => res(42), 60)));
  assert.equal(r.value, 42);
  const frames = writes.filter((w) => w.includes('building x'));
  assert.ok(frames.length >= 1, JSON.stringify(writes));
  assert.match(frames[0], /^\r\x1b\[K. building x \d+\.\d s$/);
  assert.equal(writes.at(-1), '\r\x1b[K', 'the spinner line is erased at the end');

  const plain: string[] = [];
  const pipe = new Progress({ write: (t: string) => plain.push(t) }, { spinnerAfterMs: 0, frameMs: 5 });
  await pipe.step('building y', () => new Promise((res) => setTimeout(res, 60)));
  pipe.line('done');
  assert.deepEqual(plain, ['done\n']);

  // a failing step still clears its line and passes the error on
  const w2: string[] = [];
  const t2 = new Progress({ write: (t: string) => w2.push(t), isTTY: true }, { spinnerAfterMs: 0, frameMs: 5 });
  await assert.rejects(t2.step('failing', () => new Promise((_, rej) => setTimeout(() => rej(new Error('boom')), 40))), /boom/);
  assert.equal(w2.at(-1), '\r\x1b[K');
});

test('watchSources: one callback per burst of saves, build output ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'st-watch-'));
  mkdirSync(join(dir, 'assembly'));
  mkdirSync(join(dir, 'build'));
  writeFileSync(join(dir, 'assembly/index.ts'), 'a');
  const bursts: string[][] = [];
  let signal!: () => void;
  let fired = new Promise<void>((r) => { signal = r; });
  const w = watchSources(dir, (files) => { bursts.push(files); signal(); }, { debounceMs: 150 });
  try {
    writeFileSync(join(dir, 'build/out.wasm'), 'x');
    writeFileSync(join(dir, 'assembly/index.ts'), 'b');
    writeFileSync(join(dir, 'assembly/index.ts'), 'c');
    writeFileSync(join(dir, 'assembly/other.ts'), 'd');
    await fired;
    assert.equal(bursts.length, 1);
    assert.deepEqual(bursts[0], ['assembly/index.ts', 'assembly/other.ts']);
    fired = new Promise<void>((r) => { signal = r; });
    writeFileSync(join(dir, 'stratus.json'), '{}');
    await fired;
    assert.deepEqual(bursts[1], ['stratus.json']);
  } finally {
    w.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
