// `stratus ctl`: drive the running host through its local control socket, wash-ctl style; with
// wash's connection flags (or WASMCLOUD_CTL_HOST / WASMCLOUD_LATTICE_PREFIX) every host of a
// lattice over NATS instead (../lattice/).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { addOutputOption, commandAction as action, emit, type OutputFormat } from '../output.js';
import { StratusError } from '../../core/errors.js';
import type { ActorDescription, LinkView, ProviderDescription } from '../../host/api.js';
import type { LinkStatus } from '../../host/events.js';
import { controlRequest } from '../../control/client.js';
import { readActorModuleFile } from '../../core/user-files.js';
import { renderTable } from '../../control/table.js';
import type { HostView } from '../../host/views.js';
import { addLatticeOptions, isLatticeMode, latticeSettings, type LatticeFlags, type LatticeSettings } from '../lattice/options.js';
import { pairs } from '../lattice/args.js';
import { projectHinted } from '../project-hint.js';
import type { StartOptions } from '../lattice/ctl-lattice.js';

// Loaded on first use: standalone commands never load the NATS client.
const lattice = () => import('../lattice/ctl-lattice.js');

type Opts = { output?: string; [k: string]: unknown };

function leaf(parent: Command, spec: string, description: string): Command {
  return addLatticeOptions(addOutputOption(parent.command(spec).description(description)));
}

/** Lattice settings when the command was given lattice flags or environment, else undefined (local socket). */
function latticeOf(o: Opts): LatticeSettings | undefined {
  return isLatticeMode(o as LatticeFlags, process.env) ? latticeSettings(o as LatticeFlags, process.env) : undefined;
}

/** A command that exists only with a lattice. */
function needsLattice(what: string): StratusError {
  return new StratusError('BAD_REQUEST', `${what} needs a lattice: give its NATS address (--ctl-host/--ctl-port, or WASMCLOUD_CTL_HOST)`,
    'a single host started with `stratus up` is driven through its local socket, where this command does not exist');
}

/** Standalone commands take exactly their positional arguments (as before lattice mode added more forms). */
function noExtra(extra: string[] | undefined, usage: string): void {
  if (extra && extra.length > 0) throw new StratusError('BAD_REQUEST', `too many arguments: ${extra.join(' ')}`, `usage: ${usage} (more forms need lattice mode)`);
}

function optionalInt(v: unknown, what: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(String(v)) || n < min) throw new StratusError('BAD_REQUEST', `${what} must be a whole number >= ${min}, got "${String(v)}"`);
  return n;
}

function startOptions(o: Opts): StartOptions {
  return {
    hostId: o.hostId as string | undefined,
    constraints: pairs(o.constraint as string[] | undefined, '--constraint'),
    auctionTimeoutMs: optionalInt(o.auctionTimeoutMs, '--auction-timeout-ms', 1),
    skipWait: Boolean(o.skipWait),
  };
}

function parseCount(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new StratusError('BAD_REQUEST', `${what} must be a whole number >= 1, got "${v}"`,
      n === 0 ? 'to remove an actor, use `stratus ctl stop actor <actor-id>`' : 'give the number of instances, e.g. 2');
  }
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
  leaf(get, 'hosts', 'list running hosts (lattice mode: every host that answers a ping within --timeout-ms)').action(action(async (format, o: Opts) => {
    const net = latticeOf(o);
    if (net) return (await lattice()).getHosts(format, net);
    const h = await controlRequest<HostView>('GET', '/v1/host');
    emit(format, { hosts: [h] }, () => renderTable(['Host ID', 'Friendly name', 'Uptime', 'Control socket'], [[h.id, h.friendly_name, h.uptime_human, h.ctl_host]]));
  }));
  leaf(get, 'inventory [host-id]', 'list actors and providers on the host').action(action(async (format, hostId: string | undefined, o: Opts) => {
    const net = latticeOf(o);
    if (net) return (await lattice()).getInventory(format, net, hostId);
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
  leaf(get, 'claims', 'list the claims of running actors').action(action(async (format, o: Opts) => {
    const net = latticeOf(o);
    if (net) return (await lattice()).getClaims(format, net);
    const c = await controlRequest('GET', '/v1/claims');
    emit(format, c, () => renderTable(['Subject', 'Name', 'Issuer', 'Capabilities', 'Call alias'],
      c.claims.map((x: any) => [x.sub, x.name, x.iss, x.caps, x.call_alias])));
  }));

  const start = ctl.command('start').description('start an actor or provider');
  leaf(start, 'actor <file>', 'start an actor from a signed .wasm file (lattice mode: a path or file:// reference the chosen host can read)').option('--count <n>', 'instances to start', '1')
    .option('--host-id <host-id>', 'lattice mode: the host to start it on; default: the winner of an auction')
    .option('-c, --constraint <KEY=VALUE...>', 'lattice mode: labels the auction winner must have')
    .option('--auction-timeout-ms <ms>', 'lattice mode: how long the auction collects bids (default --timeout-ms)')
    .option('--skip-wait', 'lattice mode: return once the host accepted the command, without waiting for actor_started')
    .action(action(async (format, file: string, o: Opts) => {
      const net = latticeOf(o);
      if (net) return (await lattice()).startActor(format, net, file, parseCount(String(o.count), '--count'), startOptions(o));
      const count = parseCount(String(o.count), '--count');
      const a = await projectHinted(file, () => controlRequest<ActorDescription>('POST', '/v1/actors', { path: resolve(file), count }));
      emit(format, a, () => actorText(a, 'started'));
    }));
  leaf(start, 'provider <name>', 'start a built-in provider (httpserver, keyvalue, messaging, httpclient) or a provider archive (<file>.par.gz, in a lattice; with -x also an OCI reference the host pulls)').option('-l, --link-name <name>', 'link name', 'default')
    .option('--config <text>', 'start configuration for a provider archive, handed to the process as HostData.config_json (usually JSON); built-in providers take their settings as link values')
    .option('--host-id <host-id>', 'lattice mode: the host to start it on; default: the winner of an auction')
    .option('-c, --constraint <KEY=VALUE...>', 'lattice mode: labels the auction winner must have')
    .option('--auction-timeout-ms <ms>', 'lattice mode: how long the auction collects bids (default --timeout-ms)')
    .option('--skip-wait', 'lattice mode: return once the host accepted the command, without waiting for provider_started')
    .action(action(async (format, name: string, o: Opts) => {
      const net = latticeOf(o);
      const config = o.config === undefined ? undefined : String(o.config);
      if (net) return (await lattice()).startProvider(format, net, name, String(o.linkName), startOptions(o), config);
      // a provider archive is read by the host: send its absolute path
      const p = await controlRequest<ProviderDescription>('POST', '/v1/providers', { name: /\.par(\.gz)?$/.test(name) ? resolve(name) : name, link_name: o.linkName, ...(config !== undefined ? { config } : {}) });
      emit(format, p, () => `started provider ${p.id} (${p.name}, ${p.contractId}) with link name "${p.linkName}"`);
    }));

  const stop = ctl.command('stop').description('stop an actor or provider');
  leaf(stop, 'actor <actor-id> [more...]', 'stop every instance of an actor (lattice mode: [host-id] <actor-id>, on every host running it unless a host is named)')
    .option('--count <n>', 'lattice mode: instances to stop (default: all)')
    .action(action(async (format, id: string, more: string[], o: Opts) => {
      const net = latticeOf(o);
      if (net) return (await lattice()).stopActor(format, net, [id, ...more], optionalInt(o.count, '--count', 0) ?? 0);
      noExtra(more, 'stratus ctl stop actor <actor-id>');
      await controlRequest('DELETE', `/v1/actors/${encodeURIComponent(id)}`);
    ack(format, `stopped actor ${id}`);
  }));
  leaf(stop, 'provider <provider-id> [more...]', "stop a provider (lattice mode: also wash's [host-id] <provider-id> [link-name] [contract-id])").option('--link-name <name>', 'link name', 'default')
    .action(action(async (format, id: string, more: string[], o: Opts) => {
      const net = latticeOf(o);
      if (net) return (await lattice()).stopProvider(format, net, [id, ...more], o.linkName as string);
      noExtra(more, 'stratus ctl stop provider <provider-id> [--link-name <name>]');
      await controlRequest('DELETE', `/v1/providers/${encodeURIComponent(id)}?link_name=${encodeURIComponent(String(o.linkName))}`);
      ack(format, `stopped provider ${id} (link name "${o.linkName}")`);
    }));

  leaf(stop, 'host <host-id>', 'lattice mode: stop a host of the lattice (a local host stops with `stratus down`)')
    .option('--host-timeout <ms>', 'time the host has for a graceful shutdown')
    .action(action(async (format, hostId: string, o: Opts) => {
      const net = latticeOf(o);
      if (!net) throw needsLattice('stop host');
      await (await lattice()).stopHost(format, net, hostId, optionalInt(o.hostTimeout, '--host-timeout', 0));
    }));

  const scale = ctl.command('scale').description('change the number of instances of an actor');
  leaf(scale, 'actor <actor-id> <count> [more...]', "set the instance count (lattice mode: [host-id] <actor-id> <count> [actor-ref], or wash's <host-id> <actor-id> <actor-ref> --count N)")
    .option('--count <n>', 'lattice mode: the instance count (0 stops the actor)')
    .option('-a, --annotations <KEY=VALUE...>', 'lattice mode: scale only the instances carrying these annotations')
    .action(action(async (format, id: string, count: string, more: string[], o: Opts) => {
      const net = latticeOf(o);
      if (net) return (await lattice()).scaleActor(format, net, [id, count, ...more], optionalInt(o.count, '--count', 0), pairs(o.annotations as string[] | undefined, '--annotations'));
      noExtra(more, 'stratus ctl scale actor <actor-id> <count>');
      const a = await controlRequest<ActorDescription>('POST', `/v1/actors/${encodeURIComponent(id)}/scale`, { count: parseCount(count, 'count') });
    emit(format, a, () => actorText(a, 'scaled'));
  }));

  const update = ctl.command('update').description('lattice mode: live-update an actor to a newer revision');
  leaf(update, 'actor <args...>', '[host-id] <actor-id> <new-actor-ref>: replace a running actor by a higher revision of the same key, without dropping calls')
    .action(action(async (format, args: string[], o: Opts) => {
      const net = latticeOf(o);
      if (!net) throw needsLattice('update actor');
      await (await lattice()).updateActor(format, net, args);
    }));

  leaf(ctl, 'watch', 'lattice mode: print lattice events as they happen (-o json: one CloudEvent per line)')
    .option('--limit <n>', 'exit after this many events')
    .action(action(async (format, o: Opts) => {
      const net = latticeOf(o);
      if (!net) throw needsLattice('watch');
      await (await lattice()).watch(format, net, optionalInt(o.limit, '--limit', 1));
    }));

  const link = ctl.command('link').description('manage link definitions');
  leaf(link, 'put <actor-id> <provider-id> <contract-id> [values...]', 'link an actor to a provider (values as KEY=VALUE)')
    .option('-l, --link-name <name>', 'link name', 'default')
    .addHelpText('after', `
Examples:
  stratus ctl link put <actor-id> <httpserver-id> wasmcloud:httpserver address=127.0.0.1:8080
  stratus ctl link put <actor-id> <keyvalue-id> wasmcloud:keyvalue URL=redis://127.0.0.1:6379
  stratus ctl link put kvcounter httpserver wasmcloud:httpserver port=8080   # names work where unambiguous
The actor may be named by id, name or call alias of a running actor; the provider by id, name
(httpserver, keyvalue) or contract id; the contract by id or provider name. Ids are listed by
\`stratus ctl get inventory\`. Bad values are rejected now, not at the first call.`)
    .action(action(async (format, actor: string, provider: string, contract: string, values: string[], o: Opts) => {
      const net = latticeOf(o);
      if (net) return (await lattice()).linkPut(format, net, { actor_id: actor, provider_id: provider, contract_id: contract, link_name: String(o.linkName), values: parseValues(values ?? []) });
      const ld = await controlRequest<LinkView & { warnings: string[] }>('PUT', '/v1/links', {
        actor_id: actor, provider_id: provider, contract_id: contract, link_name: o.linkName, values: parseValues(values ?? []),
      });
      emit(format, ld, () => [
        `published link (${ld.actor_id}) <-> (${ld.provider_id}) on ${ld.contract_id} link name "${ld.link_name}": ${statusText(ld.status)}`,
        ...ld.warnings.map((w) => `warning: ${w}`),
      ].join('\n'));
    }));
  leaf(link, 'del <actor-id> <contract-id>', 'delete a link definition').option('-l, --link-name <name>', 'link name', 'default')
    .action(action(async (format, actor: string, contract: string, o: Opts) => {
      const net = latticeOf(o);
      if (net) return (await lattice()).linkDel(format, net, actor, contract, String(o.linkName));
      await controlRequest('DELETE', '/v1/links', { actor_id: actor, contract_id: contract, link_name: o.linkName });
      ack(format, `deleted link for ${actor} on ${contract} link name "${o.linkName}"`);
    }));
  leaf(link, 'query', 'list link definitions').action(action(async (format, o: Opts) => {
    const net = latticeOf(o);
    if (net) return (await lattice()).linkQuery(format, net);
    const r = await controlRequest<{ links: LinkView[] }>('GET', '/v1/links');
    emit(format, r, () => renderTable(['Actor ID', 'Provider ID', 'Contract ID', 'Link name', 'Status', 'Values'],
      r.links.map((l) => [l.actor_id, l.provider_id, l.contract_id, l.link_name, statusText(l.status), Object.entries(l.values).map(([k, v]) => `${k}=${v}`).join(',')])));
  }));

  // invocations over the lattice (signed, wash call style) belong to the RPC part; this one is local
  addOutputOption(ctl.command('call <actor> <operation>')).description('invoke an actor (public key or call alias) on the running host, or a .wasm file on a throwaway host')
    .option('--data <json>', 'request payload as JSON (converted to msgpack, same rules as `stratus call`)', '{}')
    .addHelpText('after', `
Examples:
  stratus ctl call <actor-id> HttpServer.HandleRequest --data '{"path":"/bloggo"}'
  stratus ctl call build/kvcounter_s.wasm HttpServer.HandleRequest --data '{"path":"/bloggo"}'
With a .wasm file no running host is needed: the actor runs on a throwaway host with the built-in
providers linked (keyvalue in memory when the actor holds the keyvalue claim; logging/numbergen built in).`)
    .action(action(async (format, target: string, operation: string, o: Opts) => {
      let reply: unknown;
      // Call aliases cannot contain '.', so a target ending in .wasm always names a file.
      if (target.endsWith('.wasm')) {
        reply = await projectHinted(target, () => callFileWithProviders(target, operation, String(o.data)));
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
    module: await readActorModuleFile(file), operation, payload: jsonToMsgpack(operation, data), imageRef: resolve(file),
    setup: builtinProvidersSetup(),
  });
  return msgpackToJson(operation, reply);
}

/** `pending`, `active`, or `failed: <reason>` (wash users see the same words in `ctl link query`). */
function statusText(s: LinkStatus | undefined): string {
  if (!s) return 'unknown';
  return s.state === 'failed' ? `failed: ${s.reason ?? 'unknown reason'}` : s.state;
}
