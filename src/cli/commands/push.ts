// `stratus push <url> <artifact>`: put a signed actor (.wasm) or a provider archive (.par.gz) into
// an OCI registry, with wash's flags and wasmCloud's media types (src/oci).
import type { Command } from 'commander';
import { addOutputOption, commandAction, emit } from '../output.js';
import { StratusError } from '../../core/errors.js';
import { readUserFile, type UserFileKind } from '../../core/user-files.js';
import { pushArtifact } from '../../oci/push.js';
import { progressReporter } from '../../oci/progress.js';
import { MAX_PROVIDER_BYTES } from '../../oci/artifact.js';
import type { RegistryFlags } from '../../oci/settings.js';

/** What `push` reads: an actor or a provider archive (the larger cap; actors are checked again at 64 MiB). */
export const ARTIFACT_FILE: UserFileKind = {
  what: 'artifact',
  expected: 'a .wasm or .par.gz file',
  maxBytes: MAX_PROVIDER_BYTES,
  tooLargeCode: 'INVALID_MODULE',
  hint: 'give the path of a signed .wasm (stratus build) or a .par.gz (wash par create)',
};

export interface RegistryCliOpts { user?: string; password?: string; insecure?: boolean; allowLatest?: boolean }

/** wash's registry flags, shared by push and pull. */
export function addRegistryOptions(cmd: Command): Command {
  return cmd
    .option('-u, --user <user>', 'registry user (else WASMCLOUD_OCI_REGISTRY_USER)')
    .option('-p, --password <password>', 'registry password (else WASMCLOUD_OCI_REGISTRY_PASSWORD)')
    .option('--insecure', 'talk plain HTTP to the registry (else only registries in WASMCLOUD_OCI_ALLOWED_INSECURE)')
    .option('--allow-latest', 'allow the tag "latest" and references without a tag (else WASMCLOUD_OCI_ALLOW_LATEST)');
}

export function registryFlags(o: RegistryCliOpts): RegistryFlags {
  return { user: o.user, password: o.password, insecure: o.insecure, allowLatest: o.allowLatest };
}

interface PushOpts extends RegistryCliOpts { config?: string; annotation?: string[] }

function annotations(list: string[] | undefined): Record<string, string> | undefined {
  if (!list || list.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const a of list) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new StratusError('BAD_REQUEST', `annotation "${a}" is not key=value`, 'e.g. --annotation org.opencontainers.image.source=https://example.com/repo');
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

export function register(program: Command): void {
  const cmd = program
    .command('push')
    .description('Push an actor (.wasm) or provider archive (.par.gz) to an OCI registry')
    .argument('<url>', 'where to push, with a tag: e.g. localhost:5000/echo:0.1.0')
    .argument('<artifact>', 'path to a signed .wasm or a .par.gz')
    .option('-c, --config <file>', 'config blob to push with it (default: {})')
    .option('-a, --annotation <key=value>', 'manifest annotation (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[]);
  addRegistryOptions(cmd);
  addOutputOption(cmd);
  cmd.addHelpText('after', `
Credentials: --user/--password, else WASMCLOUD_OCI_REGISTRY_USER/PASSWORD (for WASMCLOUD_OCI_REGISTRY
only, when set). Plain HTTP only with --insecure or when WASMCLOUD_OCI_ALLOWED_INSECURE lists the
registry. The tag "latest" is refused unless --allow-latest or WASMCLOUD_OCI_ALLOW_LATEST=true.

Exit codes: 0 pushed, 1 the registry was unreachable or refused (credentials), 2 bad usage (no tag,
"latest", a path that names no file), 3 the file is not a signed actor or a provider archive.

Example:
  stratus push localhost:5000/kvcounter:0.1.0 build/kvcounter_s.wasm --insecure`);
  cmd.action(commandAction(async (format, url: string, artifact: string, opts: PushOpts) => {
    const flags = registryFlags(opts);
    const bytes = await readUserFile(artifact, ARTIFACT_FILE);
    const config = opts.config !== undefined ? await readUserFile(opts.config, { ...ARTIFACT_FILE, what: 'config file', expected: 'a JSON file' }) : undefined;
    const pushed = await pushArtifact(url, bytes, {
      ...flags, config, annotations: annotations(opts.annotation),
      onProgress: format === 'text' ? progressReporter(process.stderr) : undefined,
    });
    emit(format, { url: pushed.reference, digest: pushed.digest, layer_digest: pushed.layerDigest, media_type: pushed.mediaType, kind: pushed.kind, bytes: pushed.size },
      () => `pushed ${artifact} to ${pushed.reference}\n  digest ${pushed.digest} (${pushed.kind}, ${pushed.size} bytes)`);
  }));
}
