// The build process behind `stratus dev`: one long-lived child that keeps the AssemblyScript
// compiler loaded between builds (the first build pays for loading it, later ones do not) and
// never holds the host's event loop. Requests and answers travel over the IPC channel.
import { buildActorProject } from '../../toolchain/project.js';
import { isStratusError } from '../../core/errors.js';
import type { BuildReply, BuildRequest } from './builder.js';

process.on('message', (m: BuildRequest) => {
  void (async () => {
    let reply: BuildReply;
    try {
      const r = await buildActorProject(m.dir, { revision: m.revision });
      reply = {
        id: m.id, ok: true,
        result: { name: r.name, wasmPath: r.wasmPath, publicKey: r.publicKey, revision: r.revision, caps: r.caps, buildMs: r.buildMs, warnings: r.warnings },
      };
    } catch (e) {
      reply = { id: m.id, ok: false, error: (e as Error).message, code: isStratusError(e) ? e.code : 'BUILD_FAILED' };
    }
    process.send?.(reply);
  })();
});
// the parent went away: nothing left to build for
process.on('disconnect', () => process.exit(0));
