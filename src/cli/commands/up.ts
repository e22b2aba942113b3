import type { Command } from 'commander';

/** Registers the `up` command(s). */
export function register(_program: Command): void {
  // not implemented yet
}
