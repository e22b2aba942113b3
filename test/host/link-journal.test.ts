// tier: fast — the link journal (src/host/links/file-link-store.ts) on a real file in a temp dir:
// puts and deletes survive a reopen, the journal is compacted, and a torn last line (a crash
// mid-append) neither hides the links before it nor swallows the next put.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileLinkStore } from '../../src/host/links/file-link-store.js';
import { linkDefinitionId } from '../../src/claims/linkdef-id.js';
import type { LinkDefinition } from '../../src/core/wire.js';

function link(i: number, port = '8080'): LinkDefinition {
  const actor_id = `M${String(i).padStart(55, 'A')}`;
  return { id: linkDefinitionId(actor_id, 'wasmcloud:httpserver', 'default'), actor_id, provider_id: 'VPROVIDER', contract_id: 'wasmcloud:httpserver', link_name: 'default', values: { port } };
}

const ids = (s: FileLinkStore) => s.list().map((l) => l.actor_id).sort();

test('links put and deleted survive a reopen; the journal is compacted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-links-'));
  try {
    const file = join(dir, 'links.jsonl');
    const s = await FileLinkStore.open(file);
    for (let round = 0; round < 5; round++) for (let i = 0; i < 50; i++) await s.put(link(i, String(8000 + round)));
    await s.delete(link(0).id);
    await s.close();
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
    assert.ok(lines <= 2 * 49 + 64, `journal has ${lines} lines for 49 links`);
    const again = await FileLinkStore.open(file);
    assert.deepEqual(ids(again), Array.from({ length: 49 }, (_, i) => link(i + 1).actor_id).sort());
    assert.ok(again.list().every((l) => l.values.port === '8004'));
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a torn last line is ignored, and the next put after it is not lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-links-'));
  try {
    const file = join(dir, 'links.jsonl');
    const s = await FileLinkStore.open(file);
    for (let i = 0; i < 3; i++) await s.put(link(i));
    await s.close();
    appendFileSync(file, JSON.stringify({ put: link(99) }).slice(0, 40)); // a crash mid-append
    const after = await FileLinkStore.open(file);
    assert.deepEqual(ids(after), [0, 1, 2].map((i) => link(i).actor_id).sort());
    await after.put(link(3));
    await after.close();
    const again = await FileLinkStore.open(file);
    assert.deepEqual(ids(again), [0, 1, 2, 3].map((i) => link(i).actor_id).sort());
    await again.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
