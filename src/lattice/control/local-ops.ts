// The operations control commands perform on this host. With a control plane (stratus up) they go
// through its HostController, so what runs and what is persisted stay one; a bare Host (tests, an
// embedding) gets the same operations without persistence.
import { builtinSource } from '../../providers/builtin-catalog.js';
import { resolveActorRef } from '../../oci/resolve.js';
import type { LatticeContext, LocalOps } from '../types.js';

export type { LocalOps };

export function localOps(ctx: LatticeContext): LocalOps {
  if (ctx.commands) return ctx.commands;
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
