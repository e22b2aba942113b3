// `stratus ctl`: drive the running host through its local control socket, wash-ctl style.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addOutputOption, emit, EXIT, fail, outputFormat, type OutputFormat } from '../output.js';
import { StratusError } from '../../host/errors.js';
import type { ActorDescription, ProviderDescription } from '../../host/api.js';
import type { LinkDefinition } from '../../host/types.js';
import { controlRequest } from '../../control/client.js';
import { renderTable } from '../../control/table.js';
import type { HostView } from '../../control/views.js';

type Opts = { output?: string; [k: string]: unknown };

/** Run one ctl action with uniform output and exit codes. */
function action(fn: (format: OutputFormat, ...args: any[]) => Promise<void>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const o = cmd.opts() as Opts;
    let format: OutputFormat = 'text';
    try {
      format = outputFormat(o);
      await fn(format, ...args.slice(0, -2), o);
    } catch (e) {
      fail(format, e, e instanceof StratusError && e.code === 'BAD_REQUEST' && /^(--|argument)/.test(e.message) ? EXIT.USAGE : EXIT.FAILED);
    }
  };
}

function leaf(parent: Command, spec: string, description: string): Command {
  return addOutputOption(parent.command(spec).description(description));
}

function parseCount(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new StratusError('BAD_REQUEST', `${what} must be a whole number >= 1, got "${v}"`);
  return n;
}

function parseValues(pairs: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const kv of pairs) {
    const i = kv.indexOf('=');
    if (i < 1) throw new StratusError('BAD_REQUEST', `argument "${kv}" must look like KEY=VALUE (e.g. port=8080)`);
    values[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return values;
}

const ack = (format: OutputFormat, text: string) => emit(format, { accepted: true, error: '' }, () => text);

function actorText(a: ActorDescription, verb: string): string {
  return `${verb} actor ${a.id} (${a.name}), ${a.count} instance(s)`;
}

export function register(program: Command): void {
  const ctl = program.command('ctl').description('interact with the running Stratus host (get, start, stop, scale, link, call)');

  const get = ctl.command('get').description('query the host');
  leaf(get, 'hosts', 'list running hosts').action(action(async (format) => {
    const h = await controlRequest<HostView>('GET', '/v1/host');
    emit(format, { hosts: [h] }, () => renderTable(['Host ID', 'Friendly name', 'Uptime', 'Control socket'], [[h.id, h.friendly_name, h.uptime_human, h.ctl_host]]));
  }));
  leaf(get, 'inventory [host-id]', 'list actors and providers on the host').action(action(async (format, hostId: string | undefined) => {
    const inv = await controlRequest('GET', '/v1/inventory');
    if (hostId && hostId !== inv.host_id) {
      throw new StratusError('UNKNOWN_TARGET', `no host ${hostId} is reachable from here; the local host is ${inv.host_id}`, 'list hosts with `stratus ctl get hosts`');
    }
    emit(format, inv, () => [
      `Host inventory (${inv.host_id})`, '',
      renderTable(['Actor ID', 'Name', 'Instances', 'Lane', 'Image ref'], inv.actors.map((a: any) => [a.id, a.name, String(a.instances.length), a.lane, a.image_ref])),
      '',
      renderTable(['Provider ID', 'Name', 'Link name', 'Contract ID'], inv.providers.map((p: any) => [p.id, p.name, p.link_name, p.contract_id])),
    ].join('\n'));
  }));
  leaf(get, 'claims', 'list the claims of running actors').action(action(async (format) => {
    const c = await controlRequest('GET', '/v1/claims');
    emit(format, c, () => renderTable(['Subject', 'Name', 'Issuer', 'Capabilities', 'Call alias'],
      c.claims.map((x: any) => [x.sub, x.name, x.iss, x.caps, x.call_alias])));
  }));

  const start = ctl.command('start').description('start an actor or provider');
  leaf(start, 'actor <file>', 'start an actor from a signed .wasm file').option('--count <n>', 'instances to start', '1')
    .action(action(async (format, file: string, o: Opts) => {
      const a = await controlRequest<ActorDescription>('POST', '/v1/actors', { path: resolve(file), count: parseCount(String(o.count), '--count') });
      emit(format, a, () => actorText(a, 'started'));
    }));
  leaf(start, 'provider <name>', 'start a built-in provider (httpserver, keyvalue)').option('--link-name <name>', 'link name', 'default')
    .action(action(async (format, name: string, o: Opts) => {
      const p = await controlRequest<ProviderDescription>('POST', '/v1/providers', { name, link_name: o.linkName });
      emit(format, p, () => `started provider ${p.id} (${p.name}, ${p.contractId}) with link name "${p.linkName}"`);
    }));

  const stop = ctl.command('stop').description('stop an actor or provider');
  leaf(stop, 'actor <actor-id>', 'stop every instance of an actor').action(action(async (format, id: string) => {
    await controlRequest('DELETE', `/v1/actors/${encodeURIComponent(id)}`);
    ack(format, `stopped actor ${id}`);
  }));
  leaf(stop, 'provider <provider-id>', 'stop a provider').option('--link-name <name>', 'link name', 'default')
    .action(action(async (format, id: string, o: Opts) => {
      await controlRequest('DELETE', `/v1/providers/${encodeURIComponent(id)}?link_name=${encodeURIComponent(String(o.linkName))}`);
      ack(format, `stopped provider ${id} (link name "${o.linkName}")`);
    }));

  const scale = ctl.command('scale').description('change the number of instances of an actor');
  leaf(scale, 'actor <actor-id> <count>', 'set the instance count').action(action(async (format, id: string, count: string) => {
    const a = await controlRequest<ActorDescription>('POST', `/v1/actors/${encodeURIComponent(id)}/scale`, { count: parseCount(count, 'count') });
    emit(format, a, () => actorText(a, 'scaled'));
  }));

  const link = ctl.command('link').description('manage link definitions');
  leaf(link, 'put <actor-id> <provider-id> <contract-id> [values...]', 'link an actor to a provider (values as KEY=VALUE)')
    .option('--link-name <name>', 'link name', 'default')
    .addHelpText('after', `
Examples:
  stratus ctl link put <actor-id> <httpserver-id> wasmcloud:httpserver address=127.0.0.1:8080
  stratus ctl link put <actor-id> <keyvalue-id> wasmcloud:keyvalue URL=redis://127.0.0.1:6379
Provider ids are listed by \`stratus ctl get inventory\`. Bad values are rejected now, not at the first call.`)
    .action(action(async (format, actor: string, provider: string, contract: string, values: string[], o: Opts) => {
      const ld = await controlRequest<LinkDefinition>('PUT', '/v1/links', {
        actor_id: actor, provider_id: provider, contract_id: contract, link_name: o.linkName, values: parseValues(values ?? []),
      });
      emit(format, ld, () => `published link (${ld.actor_id}) <-> (${ld.provider_id}) on ${ld.contract_id} link name "${ld.link_name}"`);
    }));
  leaf(link, 'del <actor-id> <contract-id>', 'delete a link definition').option('--link-name <name>', 'link name', 'default')
    .action(action(async (format, actor: string, contract: string, o: Opts) => {
      await controlRequest('DELETE', '/v1/links', { actor_id: actor, contract_id: contract, link_name: o.linkName });
      ack(format, `deleted link for ${actor} on ${contract} link name "${o.linkName}"`);
    }));
  leaf(link, 'query', 'list link definitions').action(action(async (format) => {
    const r = await controlRequest<{ links: LinkDefinition[] }>('GET', '/v1/links');
    emit(format, r, () => renderTable(['Actor ID', 'Provider ID', 'Contract ID', 'Link name', 'Values'],
      r.links.map((l) => [l.actor_id, l.provider_id, l.contract_id, l.link_name, Object.entries(l.values).map(([k, v]) => `${k}=${v}`).join(',')])));
  }));

  leaf(ctl, 'call <actor> <operation>', 'invoke an actor (public key or call alias) on the running host, or a .wasm file on a throwaway host')
    .option('--data <json>', 'request payload as JSON (converted to msgpack, same rules as `stratus call`)', '{}')
    .addHelpText('after', `
Examples:
  stratus ctl call <actor-id> HttpServer.HandleRequest --data '{"path":"/bloggo"}'
  stratus ctl call build/kvcounter_s.wasm HttpServer.HandleRequest --data '{"path":"/bloggo"}'
With a .wasm file no running host is needed: the actor runs on a throwaway host with the built-in
providers linked (keyvalue in memory when the actor holds the keyvalue claim; logging/numbergen built in).`)
    .action(action(async (format, target: string, operation: string, o: Opts) => {
      let reply: unknown;
      if (target.endsWith('.wasm') && existsSync(target)) {
        reply = await callFileWithProviders(target, operation, String(o.data));
      } else {
        reply = (await controlRequest('POST', '/v1/call', { target, operation, data: String(o.data) })).reply;
      }
      emit(format, reply, () => (typeof reply === 'string' ? reply : JSON.stringify(reply, null, 2)));
    }));
}

/** One call into an actor file on a throwaway local host with the built-in providers auto-linked. */
async function callFileWithProviders(file: string, operation: string, data: string): Promise<unknown> {
  const [{ callModuleOnce }, { builtinProvidersSetup }, { jsonToMsgpack, msgpackToJson }] = await Promise.all([
    import('../../host/local.js'), import('../../control/local-providers.js'), import('../../codec/json-bridge.js'),
  ]);
  const { reply } = await callModuleOnce({
    module: new Uint8Array(readFileSync(file)), operation, payload: jsonToMsgpack(operation, data), imageRef: resolve(file),
    setup: builtinProvidersSetup(),
  });
  return msgpackToJson(operation, reply);
}
