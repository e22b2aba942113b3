// POSTs the body file N times from C concurrent keep-alive clients: node client.mjs <url> <n> <c> <body file>
import http from 'node:http';
import { readFileSync } from 'node:fs';
const [url, n, c] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const body = readFileSync(process.argv[5]);
const agent = new http.Agent({ keepAlive: true, maxSockets: c });
let left = n, errors = 0;
function one() {
  return new Promise((res) => {
    const r = http.request(url, { method: 'POST', agent, headers: { 'content-length': body.length } }, (resp) => {
      if (resp.statusCode !== 200) errors++;
      resp.on('data', () => {}); resp.on('end', res);
    });
    r.on('error', () => { errors++; res(); });
    r.end(body);
  });
}
const t0 = Date.now();
await Promise.all(Array.from({ length: c }, async () => { while (left-- > 0) await one(); }));
console.log(`${n} requests, ${errors} errors, ${(n / ((Date.now() - t0) / 1000)).toFixed(1)} req/s`);
agent.destroy();
