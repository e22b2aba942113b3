// Finds the AssemblyScript SDK shipped inside the stratus package, so projects created anywhere
// build without installing it themselves.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/package-root.js';
import { BuildError } from './errors.js';

export const SDK_PACKAGE = '@stratus/actor-as';

export function sdkDir(): string {
  const dir = process.env.STRATUS_AS_SDK || join(packageRoot(), 'sdk', 'assemblyscript');
  if (!existsSync(join(dir, 'assembly', 'index.ts'))) {
    throw new BuildError('toolchain', 'INTERNAL', `the AssemblyScript SDK (${SDK_PACKAGE}) is not at ${dir}`,
      'reinstall stratus, or point STRATUS_AS_SDK at a checkout of sdk/assemblyscript');
  }
  return dir;
}
