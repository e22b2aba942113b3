// Where the stratus package is installed (its templates, SDK and interfaces live there). Its own
// small module so the callers that only need the path (the build check of `stratus up`, the SDK
// lookup) do not load the code generator it used to live in (docs/coldstart.md).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the stratus package (works from src/ and from dist/src/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'stratus') return dir;
    } catch { /* keep walking up */ }
    dir = dirname(dir);
  }
  throw new Error('cannot find the stratus package root (package.json with name "stratus")');
}
