import type { Command } from 'commander';

/** Registers the `new` command(s). */
export function register(_program: Command): void {
  // not implemented yet
}
