// `node dist/src/codegen/regenerate.js` rewrites every checked-in generated file.
import { generateBuiltins } from './generate.js';

for (const g of generateBuiltins(false)) {
  for (const f of [g.assemblyScript, g.typeScript]) if (f) console.log(`wrote ${f.path}`);
}
