// Build failures carry the exit code the CLI should use (3 = rejected input, 1 = failed).
import { StratusError, type StratusErrorCode } from '../host/errors.js';

export type BuildFailure = 'config' | 'toolchain' | 'compile' | 'portability' | 'sign';

export class BuildError extends StratusError {
  constructor(readonly failure: BuildFailure, code: StratusErrorCode, message: string, hint?: string) {
    super(code, message, hint);
    this.name = 'BuildError';
  }

  /** EXIT.INVALID (3) for a bad config or a non-portable module, EXIT.FAILED (1) otherwise. */
  get exitCode(): number {
    return this.failure === 'portability' || this.failure === 'config' ? 3 : 1;
  }
}
