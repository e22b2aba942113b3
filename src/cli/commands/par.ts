// `stratus par create|insert|inspect`: provider archives with wash's flags (reference §3.7).
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { StratusError } from '../../core/errors.js';
import { readUserFile, type UserFileKind } from '../../core/user-files.js';
import { createArchive, insertBinary, readArchive, verifyArchiveForTarget } from '../../par/archive.js';
import { verifyProviderToken } from '../../par/claims.js';
import { hostTarget } from '../../par/target.js';
import { addOutputOption, commandAction, emit, exitCodeFor } from '../output.js';
import { resolveKey } from './claims.js';

const MiB = 1024 * 1024;
export const PROVIDER_BINARY: UserFileKind = {
  what: 'provider binary', expected: 'an executable file', maxBytes: 512 * MiB, tooLargeCode: 'INVALID_MODULE',
  hint: 'give the path of the provider executable built for the --arch target',
};
export const PROVIDER_ARCHIVE: UserFileKind = {
  what: 'provider archive', expected: 'a .par or .par.gz file', maxBytes: 1024 * MiB, tooLargeCode: 'INVALID_MODULE',
  hint: 'give the path of a provider archive made with `stratus par create`',
};

function keyStem(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9._-]/g, '_');
}

function parseRevision(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new StratusError('BAD_REQUEST', `--revision must be a whole number ≥ 0, got "${v}"`);
  return n;
}

interface CreateOpts {
  arch: string; binary: string; capid: string; vendor: string; name: string; ver?: string; revision?: string;
  destination?: string; issuer?: string; subject?: string; disableKeygen?: boolean; compress?: boolean;
}

function registerCreate(par: Command): void {
  addOutputOption(par.command('create')
    .description('create a signed provider archive from a binary (claims.jwt + <arch>-<os>.bin)')
    .requiredOption('-c, --capid <contract-id>', 'capability contract id, e.g. wasmcloud:keyvalue')
    .requiredOption('-v, --vendor <vendor>', 'vendor of the provider')
    .requiredOption('-n, --name <name>', 'name of the provider')
    .requiredOption('-b, --binary <file>', 'the provider executable for --arch')
    .option('-a, --arch <ARCH-OS>', 'target of the binary', hostTarget())
    .option('-x, --ver <version>', 'human-readable version, e.g. 0.1.0 (wash: -x/--version; --version is the program version here)')
    .option('-r, --revision <n>', 'revision number')
    .option('-d, --destination <file>', 'output path (default: <name>.par, .par.gz with --compress)')
    .option('-i, --issuer <seed>', 'account seed (SA...); env WASH_ISSUER_KEY; default: $STRATUS_HOME/keys/<name>_account.nk')
    .option('-s, --subject <seed>', 'service seed (SV...) giving the provider id; env WASH_SUBJECT_KEY; default: $STRATUS_HOME/keys/<name>_service.nk')
    .option('--disable-keygen', 'fail instead of generating missing keys')
    .option('--compress', 'gzip the archive (.par.gz)'))
    .action(commandAction(async (format, o: CreateOpts) => {
      const binary = await readUserFile(o.binary, PROVIDER_BINARY);
      const notes: string[] = [];
      const stem = keyStem(o.name);
      const issuer = resolveKey(o.issuer, 'WASH_ISSUER_KEY', stem, 'account', !!o.disableKeygen, notes);
      const subject = resolveKey(o.subject, 'WASH_SUBJECT_KEY', stem, 'service', !!o.disableKeygen, notes);
      const compress = !!o.compress || (o.destination?.endsWith('.gz') ?? false);
      const made = createArchive({
        name: o.name, capid: o.capid, vendor: o.vendor, ver: o.ver, rev: parseRevision(o.revision),
        issuer, subject, binaries: new Map([[o.arch, binary]]), compress,
      });
      const destination = o.destination ?? `${stem}.par${compress ? '.gz' : ''}`;
      writeFileSync(destination, made.bytes);
      emit(format, { destination, service: made.claims.sub, account: made.claims.iss, claims: made.claims }, () => [
        `Successfully created ${destination}`,
        `Service (provider id): ${made.claims.sub}`,
        `Account (issuer):      ${made.claims.iss}`,
        ...notes,
      ].join('\n'));
    }));
}

interface InsertOpts { arch: string; binary: string; issuer?: string; subject?: string; disableKeygen?: boolean }

function registerInsert(par: Command): void {
  addOutputOption(par.command('insert')
    .argument('<archive>', 'provider archive (.par or .par.gz)')
    .description('add a binary for another target to a provider archive and re-sign its claims')
    .requiredOption('-b, --binary <file>', 'the provider executable for --arch')
    .option('-a, --arch <ARCH-OS>', 'target of the binary', hostTarget())
    .option('-i, --issuer <seed>', 'account seed (SA...); env WASH_ISSUER_KEY; default: $STRATUS_HOME/keys/<name>_account.nk')
    .option('-s, --subject <seed>', 'the archive\'s service seed (SV...); env WASH_SUBJECT_KEY; default: $STRATUS_HOME/keys/<name>_service.nk')
    .option('--disable-keygen', 'fail instead of generating missing keys'))
    .action(commandAction(async (format, path: string, o: InsertOpts) => {
      const bytes = await readUserFile(path, PROVIDER_ARCHIVE);
      const archive = readArchive(bytes);
      const binary = await readUserFile(o.binary, PROVIDER_BINARY);
      const notes: string[] = [];
      const stem = keyStem(archive.claims.wascap.name ?? 'provider');
      const issuer = resolveKey(o.issuer, 'WASH_ISSUER_KEY', stem, 'account', !!o.disableKeygen, notes);
      const subject = resolveKey(o.subject, 'WASH_SUBJECT_KEY', stem, 'service', !!o.disableKeygen, notes);
      const compressed = bytes[0] === 0x1f && bytes[1] === 0x8b;
      const made = insertBinary(archive, o.arch, binary, { issuer, subject, compress: compressed });
      writeFileSync(path, made.bytes);
      const targets = Object.keys(made.claims.wascap.target_hashes);
      emit(format, { destination: path, targets, claims: made.claims }, () => [
        `Successfully inserted ${o.arch} into ${path}; targets: ${targets.join(', ')}`, ...notes,
      ].join('\n'));
    }));
}

function registerInspect(par: Command): void {
  addOutputOption(par.command('inspect')
    .argument('<archive>', 'provider archive (.par or .par.gz)')
    .description('show a provider archive\'s claims and targets, and whether it can run here (exit 3 if not)'))
    .action(commandAction(async (format, path: string) => {
      const archive = readArchive(await readUserFile(path, PROVIDER_ARCHIVE));
      const c = archive.claims;
      let problem: StratusError | undefined;
      try {
        verifyProviderToken(archive.token);
        verifyArchiveForTarget(archive);
      } catch (e) {
        if (!(e instanceof StratusError)) throw e;
        problem = e;
      }
      const view = {
        name: c.wascap.name ?? '', service: c.sub, account: c.iss, capabilityContractId: c.wascap.capid, vendor: c.wascap.vendor,
        version: c.wascap.ver ?? '', revision: c.wascap.rev ?? 0, targets: [...archive.binaries.keys()].sort(),
        targetHashes: c.wascap.target_hashes, thisTarget: hostTarget(), runnableHere: problem === undefined,
        ...(problem ? { reason: { code: problem.code, message: problem.message } } : {}),
      };
      emit(format, view, () => [
        `${view.name} - Provider Archive`,
        `  Account       ${view.account}`,
        `  Service       ${view.service}`,
        `  Capability    ${view.capabilityContractId}`,
        `  Vendor        ${view.vendor}`,
        `  Version       ${view.version}`,
        `  Revision      ${view.revision}`,
        `  Targets       ${view.targets.join(', ')}`,
        `  Runs here     ${view.runnableHere ? `yes (${view.thisTarget})` : `no (${view.thisTarget})`}`,
      ].join('\n'));
      if (problem) {
        if (format === 'text') process.stderr.write(`error: ${problem.message}\n`);
        process.exitCode = exitCodeFor(problem);
      }
    }));
}

export function register(program: Command): void {
  const par = program.command('par').description('create, inspect and extend provider archives (.par.gz)');
  registerCreate(par);
  registerInsert(par);
  registerInspect(par);
}
