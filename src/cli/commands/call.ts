// `stratus call <actor.wasm> <Operation>`: run one invocation on a throwaway local host.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { addOutputOption, emit, EXIT, fail, outputFormat, type OutputFormat } from '../output.js';
import { callModuleOnce } from '../../host/local.js';
import { builtinProvidersSetup } from '../../control/local-providers.js';
import { jsonToMsgpack, msgpackToJson } from '../../codec/json-bridge.js';
import { StratusError, type StratusErrorCode } from '../../host/errors.js';

/** Errors that mean "this module was refused", exit code 3. */
const REFUSED: ReadonlySet<StratusErrorCode> = new Set([
  'INVALID_MODULE', 'NOT_PORTABLE', 'MISSING_EXPORT', 'NO_CLAIMS', 'BAD_SIGNATURE', 'HASH_MISMATCH', 'EXPIRED', 'NOT_YET_VALID', 'UNTRUSTED_ISSUER',
]);

interface CallOpts { data?: string; output?: string; allowUnsigned?: boolean; timeout?: string; verbose?: boolean }

export function register(program: Command): void {
  const cmd = program
    .command('call')
    .description('Invoke an operation on an actor module in a throwaway local host')
    .argument('<actor>', 'path to the actor .wasm (signed, unless --allow-unsigned)')
    .argument('<operation>', 'operation name, e.g. HttpServer.HandleRequest')
    .option('-d, --data <json>', 'payload as JSON, converted to msgpack (omit for operations without input)')
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
  operations) a string "body" is sent as bin, and HttpServer.HandleRequest gets defaults for missing
  fields (method GET, path "/", queryString "", header {}, body empty).
  The reply is decoded back to JSON; bin that is valid UTF-8 is shown as a string.

Exit codes: 0 ok, 1 the actor returned an error or a host call was denied, 2 bad arguments,
3 the module was refused (claims or portability).

Example:
  stratus call kvcounter.wasm HttpServer.HandleRequest --data '{"path":"/hello"}'`);
  addOutputOption(cmd);
  cmd.action(async (actorPath: string, operation: string, opts: CallOpts) => {
    let format: OutputFormat = 'text';
    try {
      format = outputFormat(opts);
    } catch (e) {
      return fail('text', e, EXIT.USAGE);
    }
    const timeoutMs = Number(opts.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
      return fail(format, new StratusError('BAD_REQUEST', `--timeout must be a positive whole number of milliseconds, got "${opts.timeout}"`), EXIT.USAGE);
    }
    let module: Uint8Array;
    let payload: Uint8Array;
    try {
      module = new Uint8Array(readFileSync(actorPath));
      payload = jsonToMsgpack(operation, opts.data);
    } catch (e) {
      const err = e instanceof StratusError ? e : new StratusError('BAD_REQUEST', `cannot read ${actorPath}: ${(e as Error).message}`, 'check the path to the .wasm file');
      return fail(format, err, EXIT.USAGE);
    }
    try {
      const { actor, reply } = await callModuleOnce({
        module, operation, payload, imageRef: actorPath,
        allowUnsigned: opts.allowUnsigned, rpcTimeoutMs: timeoutMs, verbose: opts.verbose,
        // Built-in providers with in-memory defaults, auto-linked, so one actor file can be tried alone.
        setup: builtinProvidersSetup(),
      });
      const value = msgpackToJson(operation, reply);
      emit(format, { actor: actor.id, name: actor.name, operation, bytes: reply.length, reply: value },
        () => (value === null ? '(empty reply)' : typeof value === 'string' ? value : JSON.stringify(value, null, 2)));
    } catch (e) {
      const refused = e instanceof StratusError && REFUSED.has(e.code);
      fail(format, e, refused ? EXIT.INVALID : EXIT.FAILED);
    }
  });
}
