// Build: one self-contained executable (build/{{package}}: the provider, the stratus modules it
// uses and their npm packages, in a script that unpacks them on first run), packed and signed into
// build/{{package}}.par.gz (`stratus par create`; keys under $STRATUS_HOME/keys, made on first use).
// The archive runs on any machine of this one's target (OS and CPU) with Node ≥ 20.
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleProvider } from '{{bundler}}';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
mkdirSync(join(here, 'build'), { recursive: true });
const bin = join(here, 'build', pkg.name);
const b = bundleProvider({ entry: join(here, pkg.main ?? 'provider.mjs'), projectDir: here, name: pkg.name });
writeFileSync(bin, b.script, { mode: 0o755 });
console.log(`build/${pkg.name}: ${b.files.length} files from the project, stratus and ${b.packages.length} packages (${(b.rawBytes / 1e6).toFixed(1)} MB unpacked), ${(b.script.length / 1e6).toFixed(1)} MB`);
const par = join(here, 'build', `${pkg.name}.par.gz`);
const r = spawnSync(process.execPath, ['{{stratusBin}}', 'par', 'create', '--capid', pkg.stratus.capid, '--vendor', pkg.stratus.vendor,
  '--name', pkg.name, '-x', pkg.version, '--binary', bin, '--destination', par, '--compress'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
