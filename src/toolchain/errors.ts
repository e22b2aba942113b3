// Build failures say which step failed; their code (INVALID_PROJECT, BUILD_FAILED, NOT_PORTABLE,
// ...) decides the CLI's exit status through the one rule in src/cli/output.ts.
import { StratusError, type StratusErrorCode } from '../core/errors.js';

export type BuildFailure = 'config' | 'toolchain' | 'compile' | 'portability' | 'sign';

export class BuildError extends StratusError {
  constructor(readonly failure: BuildFailure, code: StratusErrorCode, message: string, hint?: string) {
    super(code, message, hint);
    this.name = 'BuildError';
  }
}
