// A lattice member in its own process, for end-to-end tests until `stratus up` joins lattices:
//   node dist/test/lattice/ctl-member-process.js <nats-url> [label=value...]
// Prints `ready <host-id>` once it answers the control interface; a `stop` command (or SIGTERM)
// stops it in order and the process exits 0.
import { startMember } from './ctl-support.js';

const [url, ...labelArgs] = process.argv.slice(2);
const labels = Object.fromEntries(labelArgs.map((kv) => kv.split('=') as [string, string]));
const m = await startMember(url!, { labels });
process.on('SIGTERM', () => { void m.stop(); });
process.stdout.write(`ready ${m.host.id}\n`);
await m.stopped;
process.exit(0);
