// `stratus call <actor.wasm> <Operation>`: run one invocation on a throwaway local host.
import type { Command } from 'commander';
import { addOutputOption, commandAction, emit } from '../output.js';
import { callModuleOnce } from '../../host/local.js';
import { builtinProvidersSetup } from '../../control/local-providers.js';
import { jsonToMsgpack, msgpackToJson } from '../../codec/json-bridge.js';
import { readActorModuleFile } from '../../core/user-files.js';
import { StratusError } from '../../core/errors.js';
import { projectHinted } from '../project-hint.js';

interface CallOpts { data?: string; output?: string; allowUnsigned?: boolean; timeout?: string; verbose?: boolean }

export function register(program: Command): void {
  const cmd = program
    .command('call')
    .description('Invoke an operation on an actor module in a throwaway local host')
    .argument('<actor>', 'path to the actor .wasm (signed, unless --allow-unsigned)')
    .argument('<operation>', 'operation name, e.g. HttpServer.HandleRequest')
    .option('-d, --data <json>', 'payload as JSON, converted to msgpack (omit for operations without input; an HTTP request then is GET /)')
    .option('--allow-unsigned', 'run a module that carries no claims (development only)')
    .option('--timeout <ms>', 'deadline for the invocation in milliseconds', '2000')
    .option('-v, --verbose', 'show the actor\'s debug/info log lines on stderr')
    .addHelpText('after', `
Built-in capabilities:
  The throwaway host links the actor to an in-memory keyvalue store (if it holds the keyvalue claim);
  logging and numbergen are served by the host (claims required). Nothing is written to disk.

Payload conversion:
  JSON objects become msgpack maps keyed by name, strings stay strings, integers use the minimal
  form. {"$base64": "..."} becomes bin. For HttpServer.HandleRequest (and the messaging/httpclient
  operations) a string "body" is sent as bin, and HttpServer.HandleRequest (also by its legacy name
  HandleRequest) gets defaults for missing fields (method GET, path "/", queryString "", header {},
  body empty); without --data it sends that default request.
  The reply is decoded back to JSON; bin that is valid UTF-8 is shown as a string.

Exit codes: 0 ok, 1 the call failed (actor error, trap, timeout), 2 bad arguments or a path that
names no file, 3 the module was refused (claims, portability, over the memory limit).

Example:
  stratus call kvcounter.wasm HttpServer.HandleRequest --data '{"path":"/hello"}'`);
  addOutputOption(cmd);
  cmd.action(commandAction(async (format, actorPath: string, operation: string, opts: CallOpts) => {
    const timeoutMs = Number(opts.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      throw new StratusError('BAD_REQUEST', `--timeout must be a positive whole number of milliseconds, got "${opts.timeout}"`, 'e.g. --timeout 5000');
    }
    const payload = jsonToMsgpack(operation, opts.data);
    const module = await readActorModuleFile(actorPath);
    const { actor, reply } = await projectHinted(actorPath, () => callModuleOnce({
      module, operation, payload, imageRef: actorPath,
      allowUnsigned: opts.allowUnsigned, rpcTimeoutMs: timeoutMs, verbose: opts.verbose,
      // Built-in providers with in-memory defaults, auto-linked, so one actor file can be tried alone.
      setup: builtinProvidersSetup(),
    }));
    const value = msgpackToJson(operation, reply);
    emit(format, { actor: actor.id, name: actor.name, operation, bytes: reply.length, reply: value },
      () => (value === null ? '(empty reply)' : typeof value === 'string' ? value : JSON.stringify(value, null, 2)));
  }));
}
