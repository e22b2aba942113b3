#!/usr/bin/env node
// Where a V8 CPU profile's time went: self time per function, largest first.
//   node scripts/profile-top.mjs <file.cpuprofile> [--top 25]
// Written for the payload bench (bench/payload.ts --cpu-prof); works on any .cpuprofile.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/profile-top.mjs <file.cpuprofile> [--top 25]');
  process.exit(2);
}
const i = process.argv.indexOf('--top');
const TOP = i > 0 ? Number(process.argv[i + 1]) : 25;
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
// timeDeltas[k] is the time before sample k; attribute it to that sample's node
for (let k = 0; k < prof.samples.length; k++) {
  const n = byId.get(prof.samples[k]);
  const dt = prof.timeDeltas[k] ?? 0;
  const cf = n.callFrame;
  const url = cf.url ? cf.url.replace(/^.*\/(dist|node_modules)\//, '$1/') : '';
  const key = `${cf.functionName || '(anonymous)'} ${url}${url ? `:${cf.lineNumber + 1}` : ''}`;
  self.set(key, (self.get(key) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = self.get('(idle) ') ?? 0;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(idle / 1e6).toFixed(2)} s idle, busy ${((total - idle) / 1e6).toFixed(2)} s`);
for (const [k, v] of [...self].filter(([k]) => k !== '(idle) ').sort((a, b) => b[1] - a[1]).slice(0, TOP)) {
  console.log(`${(v / 1e3).toFixed(0).padStart(8)} ms ${((100 * v) / (total - idle)).toFixed(1).padStart(5)} %  ${k}`);
}
