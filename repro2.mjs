import { buildCached, isolateStratusHome, ROOT } from './dist/test/sdk/build-cache.js';
import { Host } from './dist/src/host/host.js';
import { createProvider } from './dist/src/providers/registry.js';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
isolateStratusHome();
const { wasm } = await buildCached(join(ROOT, 'examples', 'echo'));
const logs = [];
const host = new Host({ rpcTimeoutMs: 60000, log: (l, t) => logs.push(`${l} ${t}`) });
const a = await host.startActor(wasm);
const http = await host.startProvider(createProvider('httpserver'));
await host.putLink({ actor_id: a.id, provider_id: http.id, link_name: 'default', contract_id: 'wasmcloud:httpserver', values: { address: '127.0.0.1:9391', timeout_ms: '60000' } });
const sizes = process.argv.slice(2).map(Number);
for (const size of sizes) {
  writeFileSync(`/tmp/exp/b${size}`, randomBytes(size));
  writeFileSync(`/tmp/exp/p${size}.lua`, `wrk.method = "POST"\nlocal f = io.open("/tmp/exp/b${size}", "rb")\nwrk.body = f:read("*a")\nf:close()\n`);
  const out = await new Promise((res) => { const c = spawn('wrk', ['-t1', '-c4', '-d2s', '--timeout', '30s', '-s', `/tmp/exp/p${size}.lua`, 'http://127.0.0.1:9391/echo']); let o = ''; c.stdout.on('data', (d) => o += d); c.on('close', () => res(o)); });
  console.log(size, (out.match(/Requests\/sec:\s+\S+/) ?? [''])[0], (out.match(/Non-2xx.*/) ?? [''])[0]);
}
console.log(logs.filter((l) => /trap|memory|worker/.test(l)).map((l) => l.slice(0, 300)));
await host.shutdown();
