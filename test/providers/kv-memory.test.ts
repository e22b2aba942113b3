import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kvConformance } from './kv-conformance.js';

kvConformance('memory backend', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stratus-kv-mem-'));
  return { values: { backend: 'memory' }, dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
});
