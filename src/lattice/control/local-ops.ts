// The operations control commands perform on this host. With a control plane (stratus up) they go
// through its HostController, so what runs and what is persisted stay one; a bare Host (tests, an
// embedding) gets the same operations without persistence.
import { builtinSource } from '../../providers/builtin-catalog.js';
import { resolveActorRef } from '../../oci/resolve.js';
import type { ActorDescription, LinkPutResult, ProviderDescription } from '../../host/api.js';
import type { LinkDefinition } from '../../core/wire.js';
import type { LatticeContext } from '../types.js';

export interface LocalOps {
  startActorFile(path: string, count: number, imageRef: string): Promise<ActorDescription>;
  updateActorFile(path: string, imageRef: string): Promise<ActorDescription>;
  stopActor(actorId: string): Promise<void>;
  scaleActor(actorId: string, count: number): Promise<ActorDescription>;
  /** `config`: the `lp` command's `configuration` (HostData.config_json of a provider process). */
  startProvider(name: string, linkName: string, config?: string): Promise<ProviderDescription>;
  stopProvider(providerId: string, linkName: string): Promise<void>;
  putLink(link: Omit<LinkDefinition, 'id'>): Promise<LinkPutResult>;
  deleteLink(actorId: string, contractId: string, linkName: string): Promise<void>;
}

export function localOps(ctx: LatticeContext): LocalOps {
  const c = ctx.controller;
  if (c) {
    return {
      startActorFile: (path, count, imageRef) => c.startActorFile(path, count, imageRef),
      updateActorFile: (path, imageRef) => c.updateActorFile(path, imageRef),
      stopActor: (id) => c.stopActor(id),
      scaleActor: (id, count) => c.scaleActor(id, count),
      startProvider: (name, linkName, config) => c.startProvider(name, linkName, config),
      stopProvider: async (id, linkName) => { await c.stopProvider(id, linkName); },
      putLink: (link) => c.putLink(link),
      deleteLink: (a, contract, linkName) => c.deleteLink(a, contract, linkName),
    };
  }
  const h = ctx.host;
  return {
    startActorFile: async (path, count, imageRef) => h.startActor(await resolveActorRef(path), { count, imageRef }),
    updateActorFile: async (path, imageRef) => h.updateActor(await resolveActorRef(path), { imageRef }),
    stopActor: (id) => h.stopActor(id),
    scaleActor: (id, count) => h.scaleActor(id, count),
    startProvider: async (name, linkName, config) => h.startProvider(await builtinSource.open(name, linkName, config)),
    stopProvider: (id, linkName) => h.stopProvider(id, linkName),
    putLink: (link) => h.putLink(link),
    deleteLink: (a, contract, linkName) => h.deleteLink(a, contract, linkName),
  };
}
