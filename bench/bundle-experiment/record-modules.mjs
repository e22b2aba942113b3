// Hand experiment (docs/coldstart.md, "A bundled entry"): `node --import ./record-modules.mjs ...`
// appends the URL of every module the process resolves to $STRATUS_RECORD_MODULES, one a line.
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(`
import { appendFileSync } from 'node:fs';
const seen = new Set();
export async function resolve(spec, ctx, next) {
  const r = await next(spec, ctx);
  if (!seen.has(r.url)) { seen.add(r.url); appendFileSync(${JSON.stringify(process.env.STRATUS_RECORD_MODULES)}, r.url + '\\n'); }
  return r;
}
`));
