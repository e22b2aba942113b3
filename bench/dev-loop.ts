// The `stratus dev` inner loop: time from a save to the new code answering over HTTP, beside the
// build alone. Per round (interleaved): (a) save the hello actor with a new greeting and poll GET
// every 20 ms until the new greeting answers; the update event also gives dev's own build step
// (warm compiler in its long-lived build process); (b) `stratus build` of the same project as a
// fresh process (what a user runs by hand, compiler loaded cold). Medians; ratio save→answer / build.
// Run: node dist/bench/dev-loop.js [rounds]   (rounds default 3; each round builds twice)
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { freePort, STRATUS_BIN, tempHome } from '../test/e2e/support.js';
import { helloProject, setGreeting, startDev } from '../test/cli/dev-support.js';

const ROUNDS = Number(process.argv[2] ?? 3);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function cliBuild(home: string, dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [STRATUS_BIN, 'build', '--path', dir, '-o', 'json'], { env: { ...process.env, STRATUS_HOME: home }, stdio: 'ignore' });
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`stratus build exited ${code}`))));
  });
}

async function answers(url: string, text: string): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if ((await res.text()) === text) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} did not answer "${text}" within 600 s`);
}

const home = tempHome('bench-dev');
const project = helloProject(home.dir, 'devbench');
const port = await freePort();
const url = `http://127.0.0.1:${port}/`;
const dev = startDev(home.dir, ['--path', project, '--port', String(port)]);
try {
  const ready = await dev.waitFor((e) => e.event === 'ready', 'ready');
  console.log(`first build in dev: ${(Number(ready.build_ms) / 1000).toFixed(1)} s`);
  const saveToAnswer: number[] = [];
  const devBuild: number[] = [];
  const devUpdate: number[] = [];
  const cli: number[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const from = dev.events.length;
    const t0 = performance.now();
    setGreeting(project, `round ${i}`);
    const outcome = dev.waitFor((e) => e.event === 'updated' || e.event.endsWith('_failed'), `update ${i}`, from);
    // a failed build or update ends the run instead of polling forever
    await Promise.race([answers(url, `round ${i}`), outcome.then((e) => { if (e.event !== 'updated') throw new Error(JSON.stringify(e)); })]);
    await answers(url, `round ${i}`);
    saveToAnswer.push(performance.now() - t0);
    const up = await outcome;
    devBuild.push(Number(up.build_ms));
    devUpdate.push(Number(up.update_ms));
    cli.push(await cliBuild(home.dir, project));
    console.log(`round ${i}: save→answer ${(saveToAnswer.at(-1)! / 1000).toFixed(2)} s, dev build step ${(devBuild.at(-1)! / 1000).toFixed(2)} s, host update ${(devUpdate.at(-1)! / 1000).toFixed(2)} s, \`stratus build\` ${(cli.at(-1)! / 1000).toFixed(2)} s`);
  }
  const s = median(saveToAnswer), b = median(devBuild), c = median(cli);
  console.log(`\ndev-loop (${ROUNDS} rounds, medians; taken on a shared 2-core machine under load from other jobs)`);
  console.log(`  save → new code answering:        ${(s / 1000).toFixed(2)} s`);
  console.log(`  build alone, \`stratus build\` CLI:  ${(c / 1000).toFixed(2)} s   ratio save→answer / build: ${(s / c).toFixed(2)}`);
  console.log(`  build step inside dev (warm):     ${(b / 1000).toFixed(2)} s   loop overhead beyond it: ${((s - b) / 1000).toFixed(2)} s`);
  console.log(`  of which the host's update:       ${(median(devUpdate) / 1000).toFixed(2)} s   (new revision prepared: fuel + Asyncify + compile, then the swap)`);
} finally {
  await dev.interrupt();
  home.cleanup();
}
