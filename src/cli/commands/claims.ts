import type { Command } from 'commander';

/** Registers the `claims` command(s). */
export function register(_program: Command): void {
  // not implemented yet
}
