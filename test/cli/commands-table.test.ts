// main.ts loads only the command module of the command being run (src/cli/commands.ts): a module
// registering a command the table does not name, or under another index, would make that command
// "unknown" when run directly. This registers each module alone and compares.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { COMMAND_MODULES, COMMAND_OWNERS, commandModules } from '../../src/cli/commands.js';

test('every top-level command is owned by the module that registers it, and only it', async () => {
  const registered: Record<string, number> = {};
  for (const [i, load] of COMMAND_MODULES.entries()) {
    const program = new Command('stratus');
    (await load()).register(program);
    for (const c of program.commands) {
      assert.equal(registered[c.name()], undefined, `command ${c.name()} is registered by modules ${registered[c.name()]} and ${i}`);
      registered[c.name()] = i;
      for (const alias of c.aliases()) registered[alias] = i;
    }
  }
  assert.deepEqual(registered, { ...COMMAND_OWNERS });
});

test('a known command loads one module; help and unknown words load all', async () => {
  assert.equal((await commandModules('up')).length, 1);
  assert.equal((await commandModules('down')).length, 1);
  assert.equal((await commandModules(undefined)).length, COMMAND_MODULES.length);
  assert.equal((await commandModules('--help')).length, COMMAND_MODULES.length);
  assert.equal((await commandModules('upp')).length, COMMAND_MODULES.length);
  assert.equal((await commandModules('toString')).length, COMMAND_MODULES.length);
});
