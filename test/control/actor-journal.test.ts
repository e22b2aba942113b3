// The actor journal (host-actors.jsonl, src/control/state-store.ts): one appended line per actor
// change, compacted at twice the live actors, a torn last line ignored, old state files migrated;
// and a host restoring many actors from a journal cut by a crash (a real SIGKILL mid-append).
// tier: full — a child process is SIGKILLed mid-journal, and a host restores 150 actors
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore, type PersistedActor } from '../../src/control/state-store.js';
import { HostController } from '../../src/control/controller.js';
import { controlPaths } from '../../src/control/paths.js';
import { Host } from '../../src/host/host.js';
import { builtinSource } from '../../src/providers/registry.js';
import { createKeyPair } from '../../src/claims/nkeys.js';
import { signActor } from '../../src/claims/sign.js';
import { fixture } from '../support/wat.js';

const STORE_MODULE = new URL('../../src/control/state-store.js', import.meta.url).href;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'st-journal-'));
}

function actor(i: number, count = 1): PersistedActor {
  return { id: `M${String(i).padStart(55, 'A')}`, file: `/data/actors/${i}.wasm`, imageRef: `ref-${i}`, count };
}

function journalLines(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
}

test('actors are journaled one line per change and come back in first-start order with their counts', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'data', 'host-state.json');
    const s = new StateStore(file);
    for (let i = 0; i < 10; i++) s.putActor(actor(i));
    s.putActor(actor(3, 4)); // scaled: keeps its place
    s.removeActor(actor(5).id);
    s.putActor(actor(5)); // started again: now last
    s.putActor(actor(6)); // unchanged: no line
    assert.equal(journalLines(s.actorsFile), 13); // 10 starts, a scale, a stop, a start
    s.close();
    const again = new StateStore(file);
    assert.deepEqual(again.actors().map((a) => a.id), [0, 1, 2, 3, 4, 6, 7, 8, 9, 5].map((i) => actor(i).id));
    assert.equal(again.actor(actor(3).id)!.count, 4);
    // the JSON state file holds no actors: changing one never rewrites it
    assert.equal(existsSync(file), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the journal is compacted once it holds twice the live actors, so it stays linear in N', () => {
  const dir = tmp();
  try {
    const s = new StateStore(join(dir, 'host-state.json'));
    for (let i = 0; i < 100; i++) s.putActor(actor(i));
    for (let round = 2; round < 12; round++) for (let i = 0; i < 100; i++) s.putActor(actor(i, round));
    const lines = journalLines(s.actorsFile);
    assert.ok(lines <= 2 * 100 + 64, `journal has ${lines} lines for 100 actors`);
    assert.ok(!existsSync(`${s.actorsFile}.${process.pid}.tmp`), 'no compaction file left behind');
    s.close();
    const again = new StateStore(join(dir, 'host-state.json'));
    assert.equal(again.actors().length, 100);
    assert.ok(again.actors().every((a) => a.count === 11));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn last line is ignored, and the next change after it is not lost', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'host-state.json');
    const s = new StateStore(file);
    for (let i = 0; i < 5; i++) s.putActor(actor(i));
    s.close();
    appendFileSync(s.actorsFile, JSON.stringify({ put: actor(99) }).slice(0, 30)); // a crash mid-append
    // a compaction cut short leaves its tmp file: never read
    writeFileSync(`${s.actorsFile}.12345.tmp`, JSON.stringify({ put: actor(77) }) + '\n');
    const after = new StateStore(file);
    assert.deepEqual(after.actors().map((a) => a.id), [0, 1, 2, 3, 4].map((i) => actor(i).id));
    after.putActor(actor(5));
    after.close();
    assert.deepEqual(new StateStore(file).actors().map((a) => a.id), [0, 1, 2, 3, 4, 5].map((i) => actor(i).id));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a state file from before the journal has its actors moved into the journal once', () => {
  const dir = tmp();
  try {
    const file = join(dir, 'host-state.json');
    writeFileSync(file, JSON.stringify({ version: 1, hostSeed: 'SNX', actors: [actor(1, 2), actor(2)], providers: [{ name: 'keyvalue', linkName: 'default' }], apps: [] }));
    const s = new StateStore(file);
    assert.deepEqual(s.actors(), [actor(1, 2), actor(2)]);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).actors, undefined);
    assert.equal(s.get().hostSeed, 'SNX');
    s.close();
    const again = new StateStore(file);
    assert.deepEqual(again.actors(), [actor(1, 2), actor(2)]);
    assert.deepEqual(again.get().providers, [{ name: 'keyvalue', linkName: 'default' }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process killed (SIGKILL) while journaling leaves a prefix of its changes, all readable', async () => {
  const dir = tmp();
  try {
    const file = join(dir, 'host-state.json');
    // the child journals actors 0, 1, 2, ... as fast as it can until it is killed
    const script = `
      const { StateStore } = await import(${JSON.stringify(STORE_MODULE)});
      const s = new StateStore(${JSON.stringify(file)});
      const pad = 'x'.repeat(400); // long lines: more chances to be cut mid-write
      for (let i = 0; ; i++) s.putActor({ id: 'M' + String(i).padStart(55, 'A'), file: '/f/' + i + pad, imageRef: 'r' + i, count: 1 + (i % 3) });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const journal = join(dir, 'host-actors.jsonl');
    const deadline = Date.now() + 20_000;
    while (!(existsSync(journal) && statSync(journal).size > 400_000)) {
      if (Date.now() > deadline) { child.kill('SIGKILL'); assert.fail('the journaling child wrote too little'); }
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const s = new StateStore(file);
    const ids = s.actors().map((a) => a.id);
    assert.ok(ids.length >= 500, `only ${ids.length} actors survived`);
    ids.forEach((id, i) => assert.equal(id, 'M' + String(i).padStart(55, 'A'), `entry ${i} is the ${i}th change`));
    s.actors().forEach((a, i) => assert.equal(a.count, 1 + (i % 3)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a host restores 150 actors from a journal whose last append was cut off', async () => {
  const home = tmp();
  const paths = controlPaths(home);
  const log = () => undefined;
  try {
    const echo = await fixture('echo');
    mkdirSync(paths.actorsDir, { recursive: true });
    const issuer = createKeyPair('account').seed;
    const store = new StateStore(paths.stateFile);
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const signed = signActor(echo, { name: `echo-${i}`, issuer });
      const id = signed.claims.sub;
      const copy = join(paths.actorsDir, `${id}.wasm`);
      writeFileSync(copy, signed.module);
      store.putActor({ id, file: copy, imageRef: copy, count: 1 + (i % 2) });
      ids.push(id);
    }
    store.close();
    appendFileSync(store.actorsFile, '{"put":{"id":"MTORN'); // the crash
    const host = new Host({ log, dataDir: paths.dataDir });
    try {
      const controller = new HostController({
        host, store: new StateStore(paths.stateFile), paths, log, sources: [builtinSource],
        buildProject: () => Promise.reject(new Error('no builds in this test')),
      });
      const r = await controller.restore();
      assert.deepEqual(r.failed, []);
      assert.equal(r.actors, 150);
      const inv = host.inventory().actors;
      assert.deepEqual(inv.map((a) => a.id).sort(), [...ids].sort());
      for (const [i, id] of ids.entries()) assert.equal(inv.find((a) => a.id === id)!.count, 1 + (i % 2));
      const reply = await host.call(ids[149]!, 'Echo', new TextEncoder().encode('back'));
      assert.equal(new TextDecoder().decode(reply), 'back');
      // changes after the restore are journaled after the torn line and survive too
      await controller.stopActor(ids[0]!);
      assert.equal(new StateStore(paths.stateFile).actors().length, 149);
    } finally {
      await host.shutdown();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
