// `stratus claims sign|inspect`: embed and read actor claims with wash's flags (reference §3.6).
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { WASH_CAP_FLAGS, capsFromFlags } from '../../core/contracts.js';
import { loadOrCreateKey } from '../../claims/keystore.js';
import { fromSeed, type KeyKind } from '../../claims/nkeys.js';
import { signActor } from '../../claims/sign.js';
import { formatClaimsSummary, inspectModuleClaims } from '../../claims/summary.js';
import { readActorClaims } from '../../claims/verify.js';
import { StratusError } from '../../core/errors.js';
import { withProjectHint } from '../project-hint.js';
import { readActorModuleFile } from '../../core/user-files.js';
import { addOutputOption, commandAction, emit, exitCodeFor } from '../output.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseNumber(label: string, v: string | undefined, integer: boolean): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) {
    throw new StratusError('BAD_REQUEST', `${label} must be a non-negative ${integer ? 'whole ' : ''}number, got "${v}"`);
  }
  return n;
}

interface SignOpts {
  destination?: string;
  name: string;
  ver?: string;
  rev?: string;
  callAlias?: string;
  expires?: string;
  notBefore?: string;
  nbf?: string;
  issuer?: string;
  subject?: string;
  disableKeygen?: boolean;
  prov?: boolean;
  cap: string[];
  tag: string[];
  output?: string;
  [flag: string]: unknown;
}

/** Seed from flag, then wash's env var, then the key store (generated on first use) — like wash. */
export function resolveKey(flag: string | undefined, envVar: string, stem: string, kind: KeyKind, disableKeygen: boolean, notes: string[]): string {
  const given = flag ?? process.env[envVar];
  if (given) return fromSeed(given.trim(), kind).seed;
  if (disableKeygen) {
    throw new StratusError('BAD_REQUEST', `no ${kind} key given and key generation is disabled`,
      `pass --${kind === 'account' ? 'issuer' : 'subject'} <seed> or set ${envVar}`);
  }
  const stored = loadOrCreateKey(stem, kind);
  notes.push(`${stored.created ? 'Generated' : 'Using'} ${kind} key ${stored.path}`);
  return stored.keyPair.seed;
}

function defaultDestination(input: string): string {
  const ext = extname(input);
  return join(dirname(input), `${basename(input, ext)}_s${ext || '.wasm'}`);
}

function registerSign(claims: Command): void {
  const cmd = claims.command('sign')
    .argument('<wasm>', 'actor module to sign')
    .description('sign an actor module: embed a claims token (jwt custom section) listing its capabilities')
    .requiredOption('-n, --name <name>', 'actor name')
    .option('-d, --destination <out.wasm>', 'where to write the signed module (default: <input>_s.wasm)')
    .option('-v, --ver <version>', 'human-readable version, e.g. 0.1.0')
    .option('-r, --rev <revision>', 'revision number (whole number)')
    .option('-a, --call-alias <alias>', 'call alias other actors can use, e.g. wasmcloud/ponger')
    .option('-x, --expires <days>', 'days until the token expires (default: never)')
    .option('-b, --not-before <days>', 'days until the token becomes valid (default: immediately)')
    .option('--nbf <days>', 'same as --not-before (wash spelling)')
    .option('-i, --issuer <seed>', 'account seed (SA...) of the issuer; env WASH_ISSUER_KEY; default: $STRATUS_HOME/keys/<wasm>_account.nk')
    .option('-s, --subject <seed>', 'module seed (SM...) giving the actor id; env WASH_SUBJECT_KEY; default: $STRATUS_HOME/keys/<wasm>_module.nk')
    .option('--disable-keygen', 'fail instead of generating missing keys')
    .option('-p, --prov', 'mark as a capability provider token')
    .option('-c, --cap <contract-id>', 'add a capability by contract id (repeatable)', collect, [])
    .option('-t, --tag <tag>', 'add a tag (repeatable)', collect, []);
  for (const f of WASH_CAP_FLAGS) cmd.option(`${f.short ? `-${f.short}, ` : ''}--${f.long}`, f.description);
  addOutputOption(cmd);

  cmd.action(commandAction(async (format, input: string, opts: SignOpts) => {
    const module = await readActorModuleFile(input);
    const stem = basename(input, extname(input)).replace(/[^A-Za-z0-9._-]/g, '_');
    const notes: string[] = [];
    const issuer = resolveKey(opts.issuer, 'WASH_ISSUER_KEY', stem, 'account', !!opts.disableKeygen, notes);
    const subject = resolveKey(opts.subject, 'WASH_SUBJECT_KEY', stem, 'module', !!opts.disableKeygen, notes);
    const signed = signActor(module, {
      name: opts.name,
      caps: capsFromFlags(opts, opts.cap),
      tags: opts.tag,
      rev: parseNumber('--rev', opts.rev, true),
      ver: opts.ver,
      callAlias: opts.callAlias,
      prov: opts.prov,
      expiresDays: parseNumber('--expires', opts.expires, false),
      notBeforeDays: parseNumber('--not-before', opts.notBefore ?? opts.nbf, false),
      issuer,
      subject,
    });
    const destination = opts.destination ?? defaultDestination(input);
    writeFileSync(destination, signed.module);
    const caps = signed.claims.wascap.caps ?? [];
    emit(format, {
      destination, module: signed.claims.sub, account: signed.claims.iss, hash: signed.claims.wascap.hash,
      caps, claims: signed.claims,
    }, () => [
      `Successfully signed ${destination} with capabilities: ${caps.length ? caps.join(',') : '(none)'}`,
      `Module (actor id): ${signed.claims.sub}`,
      `Account (issuer):  ${signed.claims.iss}`,
      ...notes,
    ].join('\n'));
  }));
}

function registerInspect(claims: Command): void {
  addOutputOption(claims.command('inspect')
    .argument('<wasm>', 'signed actor module')
    .option('--jwt-only', 'print only the raw token')
    .description('show the claims embedded in a module and whether they are valid now (exit 3 if missing or invalid)'))
    .action(commandAction(async (format, input: string, opts: { jwtOnly?: boolean }) => {
      const module = await readActorModuleFile(input);
      const summary = inspectModuleClaims(module);
      if (!summary) {
        throw withProjectHint(new StratusError('NO_CLAIMS', `${input} carries no claims (no jwt or wasmcloud_jwt custom section)`,
          `sign it with \`stratus claims sign ${input} --name <name>\``), input);
      }
      if (opts.jwtOnly) {
        const token = readActorClaims(module)!.token;
        emit(format, { token }, () => token);
      } else {
        emit(format, summary, () => formatClaimsSummary(summary, basename(input)));
      }
      if (summary.reason) {
        // The summary is the output; the verdict sets the exit status by the same rule as errors.
        if (format === 'text') process.stderr.write(`error: the claims are not valid: ${summary.reason.message}\n`);
        process.exitCode = exitCodeFor(new StratusError(summary.reason.code, summary.reason.message));
      }
    }));
}

export function register(program: Command): void {
  const claims = program.command('claims').description('sign actor modules and inspect their embedded claims (wascap JWT)');
  registerSign(claims);
  registerInspect(claims);
}
