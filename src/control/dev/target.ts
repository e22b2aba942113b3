// The host `stratus dev` deploys to: one it started in this process (through its controller), or
// one already running under $STRATUS_HOME (through the control socket). Both look the same to
// the loop, so what it does is the same either way.
import type { ActorDescription, LinkPutResult, ProviderDescription } from '../../host/api.js';
import type { LinkDefinition } from '../../core/wire.js';
import type { HostController } from '../controller.js';
import { controlRequest } from '../client.js';

export interface TargetActor { id: string; revision: number }
export interface TargetProvider { id: string; name: string; contractId: string; linkName: string }

export interface DevTarget {
  /** `started`: this process runs the host; `reused`: a host that was already running. */
  readonly kind: 'started' | 'reused';
  readonly hostId: string;
  actors(): Promise<TargetActor[]>;
  providers(): Promise<TargetProvider[]>;
  links(): Promise<LinkDefinition[]>;
  startActor(file: string): Promise<ActorDescription>;
  updateActor(file: string): Promise<ActorDescription>;
  stopActor(id: string): Promise<void>;
  startProvider(name: string): Promise<ProviderDescription>;
  stopProvider(id: string, linkName: string): Promise<void>;
  putLink(link: Omit<LinkDefinition, 'id'>): Promise<LinkPutResult>;
  deleteLink(actorId: string, contractId: string, linkName: string): Promise<void>;
  /** Stop the host if this process started it. */
  close(): Promise<void>;
}

export function controllerTarget(c: HostController, stopHost: () => Promise<void>): DevTarget {
  return {
    kind: 'started',
    hostId: c.host.id,
    actors: async () => c.host.inventory().actors.map((a) => ({ id: a.id, revision: a.revision })),
    providers: async () => c.host.inventory().providers,
    links: async () => c.host.links(),
    startActor: (file) => c.startActorFile(file),
    updateActor: (file) => c.updateActorFile(file),
    stopActor: (id) => c.stopActor(id),
    startProvider: (name) => c.startProvider(name),
    stopProvider: async (id, linkName) => { await c.stopProvider(id, linkName); },
    putLink: (l) => c.putLink(l),
    deleteLink: (a, contract, linkName) => c.deleteLink(a, contract, linkName),
    close: stopHost,
  };
}

interface InventoryWire {
  actors: { id: string; instances: { revision: number }[] }[];
  providers: { id: string; name: string; contract_id: string; link_name: string }[];
}

export function socketTarget(socket: string, hostId: string): DevTarget {
  const req = <T>(method: string, path: string, body?: unknown) => controlRequest<T>(method, path, body, socket);
  return {
    kind: 'reused',
    hostId,
    actors: async () => (await req<InventoryWire>('GET', '/v1/inventory')).actors.map((a) => ({ id: a.id, revision: a.instances[0]?.revision ?? 0 })),
    providers: async () => (await req<InventoryWire>('GET', '/v1/inventory')).providers
      .map((p) => ({ id: p.id, name: p.name, contractId: p.contract_id, linkName: p.link_name })),
    links: async () => (await req<{ links: LinkDefinition[] }>('GET', '/v1/links')).links,
    startActor: (path) => req('POST', '/v1/actors', { path }),
    updateActor: (path) => req('POST', '/v1/actors/update', { path }),
    stopActor: async (id) => { await req('DELETE', `/v1/actors/${id}`); },
    startProvider: (name) => req('POST', '/v1/providers', { name }),
    stopProvider: async (id, linkName) => { await req('DELETE', `/v1/providers/${id}?link_name=${encodeURIComponent(linkName)}`); },
    putLink: async (l) => {
      const r = await req<LinkDefinition & { status: LinkPutResult['status']; warnings: string[] }>('PUT', '/v1/links', l);
      const { status, warnings, ...link } = r;
      return { link, status, warnings };
    },
    deleteLink: async (actor_id, contract_id, link_name) => { await req('DELETE', '/v1/links', { actor_id, contract_id, link_name }); },
    close: async () => {},
  };
}
