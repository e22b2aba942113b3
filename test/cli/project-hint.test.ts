// Hints in stratus.json terms for modules built by `stratus build` (issue 14 §6), and unchanged
// hints for modules that are not in a project.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectOf, withProjectHint } from '../../src/cli/project-hint.js';
import { StratusError } from '../../src/core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'stratus-hint-'));
after(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'app', 'build'), { recursive: true });
writeFileSync(join(dir, 'app', 'stratus.json'), '{"name":"app"}');
const built = join(dir, 'app', 'build', 'app_s.wasm');
const loose = join(dir, 'app_s.wasm');

test('a module in <project>/build is the project\'s; others are not', () => {
  assert.equal(projectOf(built), join(dir, 'app'));
  assert.equal(projectOf(loose), undefined);
  assert.equal(projectOf(join(dir, 'other', 'build', 'x.wasm')), undefined, 'no stratus.json there');
});

test('claims problems get the stratus.json fix first and keep the claims-sign hint as the alternative', () => {
  const cases: [StratusError, RegExp][] = [
    [new StratusError('NO_CLAIMS', 'no claims', 'sign it with `stratus claims sign x`'), /^build it with `stratus build --path .*app`: it signs the module with the claims in .*app\/stratus\.json \(or: sign it with `stratus claims sign x`\)$/],
    [new StratusError('MISSING_CLAIM', 'no keyvalue claim'), /^add the contract id to "claims" in .*stratus\.json, then `stratus build/],
    [new StratusError('BAD_REQUEST', 'the new module has revision 0, not higher than the running revision 0\n  hint: sign with --rev'), /^raise "revision" in .*stratus\.json, then `stratus build.*\(or: sign with --rev\)$/],
    [new StratusError('HASH_MISMATCH', 'changed'), /changed after it was signed: rebuild it/],
  ];
  for (const [e, want] of cases) {
    const out = withProjectHint(e, built) as StratusError;
    assert.equal(out.code, e.code);
    assert.match(out.hint ?? '', want, e.code);
    assert.ok(out.message.startsWith(e.message.split('\n')[0]));
  }
});

test('other errors, and modules outside a project, keep their hint', () => {
  const e = new StratusError('NO_CLAIMS', 'no claims', 'sign it');
  assert.equal(withProjectHint(e, loose), e);
  const t = new StratusError('TIMEOUT', 'slow');
  assert.equal(withProjectHint(t, built), t);
  const b = new StratusError('BAD_REQUEST', 'bad --data');
  assert.equal(withProjectHint(b, built), b);
});
