// The one error every decoder of wire bytes throws: a BAD_REQUEST StratusError whose message
// starts with what was being decoded (an operation, a type, a field path), then what was wrong.
import { StratusError } from '../core/errors.js';

export class CodecError extends StratusError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
    this.name = 'CodecError';
  }
}
