// The generated codecs are to be used on their own (a provider SDK for external provider processes
// will use them): everything they import, transitively, stays in src/codec and src/core, and the
// only package they need is msgpackr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '../../src/codegen/generate.js';

test('generated codecs and their runtime import nothing but src/codec, src/core and msgpackr', () => {
  const root = packageRoot();
  const start = readdirSync(join(root, 'src', 'codec', 'interfaces')).filter((f) => f.endsWith('.ts')).map((f) => join(root, 'src', 'codec', 'interfaces', f));
  const seen = new Set<string>();
  const packages = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const src = readFileSync(file, 'utf8');
    // import/export … from '…', and a package required at run time (msgpackr-load.ts)
    const specs = [...src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...src.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)];
    for (const m of specs) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) { packages.add(spec); continue; }
      queue.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    }
  }
  const outside = [...seen].map((f) => relative(root, f)).filter((f) => !f.startsWith('src/codec/') && !f.startsWith('src/core/'));
  assert.deepEqual(outside, [], 'files outside src/codec and src/core');
  assert.deepEqual([...packages].filter((p) => !p.startsWith('node:')), ['msgpackr']);
  assert.ok(seen.has(join(root, 'src', 'codec', 'msgpack-decoder.ts')), 'decoding goes through the bounded decoder');
});
