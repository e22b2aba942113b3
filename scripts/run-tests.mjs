// Runs the compiled tests with node's test runner, by tier.
//
//   node scripts/run-tests.mjs [--fast] [--name <pattern>] [path-substring...]
//
//   --fast            the fast tier only: pure and in-process tests (`npm run test:fast`)
//   --name <pattern>  only tests whose name matches (node --test-name-pattern; repeatable)
//   path-substring    only test files whose path contains one of these
//
// A test file belongs to the full tier only when it says so near its top with a line
// `// tier: full — <why>` (it starts processes or servers, builds with a toolchain, or takes long).
// Everything else is in the fast tier, which must stay under a minute on the project machine.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function isFullTier(file) {
  const head = readFileSync(file, 'utf8').slice(0, 2000);
  return /^\/\/ tier: full\b/m.test(head);
}

const args = process.argv.slice(2);
let fast = false;
const names = [];
const filters = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--fast') fast = true;
  else if (args[i] === '--name') names.push(args[++i]);
  else filters.push(args[i]);
}

let files = find('dist/test').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (fast) files = files.filter((f) => !isFullTier(f));
if (files.length === 0) {
  console.error(`no test files found under dist/test${filters.length ? ` matching ${filters.join(', ')}` : ''}${fast ? ' in the fast tier' : ''}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...names.flatMap((n) => ['--test-name-pattern', n]), ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
