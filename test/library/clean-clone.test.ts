// tier: full — clones the repository and installs its dependencies twice with npm.
//
// A fresh clone stays clean: `npm ci` accepts the committed lock (it refuses a lock that does not
// match package.json), and the README's `npm install` afterwards rewrites nothing git tracks.
// npm runs with a user config of its own so this machine's settings cannot hide a rewrite.
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, npmEnv, ROOT, run, tempDir } from './npm.js';

const dir = tempDir('clone');
after(() => rmSync(dir, { recursive: true, force: true }));

it('a fresh clone: npm ci succeeds, and npm install leaves git status clean', async () => {
  const clone = join(dir, 'stratus');
  const c = await run('git', ['clone', '--quiet', ROOT, clone], { cwd: dir });
  assert.equal(c.code, 0, describeRun(c));
  const env = npmEnv();
  // Scripts off: the lock is the subject here, not the build (the suite builds the project itself).
  const ci = await run('npm', ['ci', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env });
  assert.equal(ci.code, 0, describeRun(ci));
  const afterCi = await run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: clone });
  assert.equal(afterCi.stdout, '', `npm ci changed the clone:\n${afterCi.stdout}`);

  const install = await run('npm', ['install', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: clone, env });
  assert.equal(install.code, 0, describeRun(install));
  const afterInstall = await run('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: clone });
  assert.equal(afterInstall.stdout, '', `npm install changed tracked files:\n${afterInstall.stdout}`);
});
