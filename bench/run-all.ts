// Runs every benchmark in dist/bench/ (each prints its own ratio vs a baseline from the same run).
//   node dist/bench/run-all.js [filter]
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.js') && f !== 'run-all.js' && (!filter || f.includes(filter)))
  .sort();
let failed = 0;
for (const f of benches) {
  console.log(`\n=== ${f} ===`);
  const r = spawnSync(process.execPath, [join(here, f)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`!!! ${f} exited with ${r.status ?? r.signal}`);
  }
}
console.log(`\n${benches.length} benchmark(s) run, ${failed} failed`);
process.exit(failed ? 1 : 0);
