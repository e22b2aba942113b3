// tier: full — runs tsc on generated code, real nats-server and a provider process from a .par.gz
// The typed provider path (issue 13 §3): `stratus gen --ts-out` on a real .smithy file, a provider
// written against the generated `greeterOperations` / `echoerSender` and compiled with tsc (strict),
// bundled and packed in a signed archive, started by a host in a lattice and called by a wasm actor over NATS.
// Inputs are decoded with the generated codecs: a payload of the wrong type reaches the actor as a
// clear error; a handler of the wrong type does not compile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/codegen/generate.js';
import { bundleProvider } from '../../src/provider-sdk/bundle.js';
import { STRATUS_BIN } from '../e2e/support.js';
import { decode, encode } from '../../src/codec/msgpack.js';
import { hostCallPayload, signedFixture, until } from '../support/fixtures.js';
import { MemoryDirectory } from '../lattice/rpc-support.js';
import { hostWithProcesses, packProvider } from '../providers/process-support.js';

const ROOT = packageRoot();
const CONTRACT = 'acme:greeter';
const { host, logs, member, archives } = hostWithProcesses();

/** The provider, written as its author would: only the generated table and sender are typed by hand. */
const PROVIDER_TS = (sdk: string) => `
import { defineProvider, runProvider } from ${JSON.stringify(sdk)};
import { greeterOperations, echoerSender } from './greeter.js';

const counts = new Map<string, number>();
runProvider(defineProvider({
  name: 'typed-greeter',
  contractId: ${JSON.stringify(CONTRACT)},
  operations: greeterOperations({
    greet: (ctx, req) => {
      const count = (counts.get(ctx.actor) ?? 0) + 1;
      counts.set(ctx.actor, count);
      return { text: Array.from({ length: req.times }, () => (ctx.link.values.greeting ?? 'hello') + ' ' + req.name).join(', '), count };
    },
    relay: async (ctx, req) => 'relayed: ' + await echoerSender(ctx.sendTo(req.actorId)).echo(req.text),
  }),
}));
`;

function tsc(dir: string, files: string[]): { status: number | null; out: string } {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', outDir: 'out', skipLibCheck: true,
      typeRoots: [join(ROOT, 'node_modules', '@types')], types: ['node'],
    },
    files,
  }));
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('a provider typed by `stratus gen` from a .smithy compiles, serves a wasm actor and calls one back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'stratus-typed-prov-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
  // `stratus gen` as a provider author runs it (the codec runtime is imported from this installation)
  const gen = spawnSync(process.execPath, [STRATUS_BIN, 'gen', '-i', join(ROOT, 'test', 'provider-sdk', 'greeter.smithy'), '--ts-out', dir], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  assert.ok(readFileSync(join(dir, 'greeter.ts'), 'utf8').includes(`from ${JSON.stringify(join(ROOT, 'dist', 'src', 'codec', 'interfaces', 'runtime.js'))}`));
  writeFileSync(join(dir, 'provider.ts'), PROVIDER_TS(join(ROOT, 'dist', 'src', 'provider-sdk', 'index.js')));
  const built = tsc(dir, ['greeter.ts', 'provider.ts']);
  assert.equal(built.status, 0, built.out);

  // a handler of the wrong type is a compile error (GreetReply.count is a U32)
  writeFileSync(join(dir, 'bad.ts'), `
import { greeterOperations } from './greeter.js';
export const ops = greeterOperations<{ payload: Uint8Array }>({ greet: (_ctx, req) => ({ text: req.name, count: 'many' }), relay: () => '' });
`);
  const bad = tsc(dir, ['greeter.ts', 'bad.ts']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.out, /bad\.ts.*error TS\d+/s);
  assert.match(bad.out, /TS2322: Type 'string' is not assignable to type 'number'/);

  // bundled (bundle.ts) and packed; the compiled project is gone before the host starts it
  const script = bundleProvider({ entry: join(dir, 'out', 'provider.js'), projectDir: dir, name: 'typed-greeter' }).script;
  const packed = packProvider(new TextDecoder().decode(script), 'typed-greeter', { capid: CONTRACT, dir: mkdtempSync(join(tmpdir(), 'stratus-typed-par-')) });
  renameSync(dir, `${dir}.gone`);
  const source = archives();
  const provider = await source.open(packed.path, 'default');
  const desc = await host.startProvider(provider);
  const caller = await host.startActor(await signedFixture('hostcall', { name: 'caller', caps: [CONTRACT] }));
  const echo = await host.startActor(await signedFixture('echo', { name: 'echoer', caps: [CONTRACT] }));
  (member().ctx.directory as MemoryDirectory).addFrom(host);
  await host.putLink({ actor_id: caller.id, provider_id: desc.id, contract_id: CONTRACT, link_name: 'default', values: { greeting: 'bonjour' } });
  await until(() => logs.some((l) => l.text.includes(`linked actor ${caller.id}`)), 'the provider to take the link');
  const call = async (op: string, input: unknown) => decode(await host.call(caller.id, 'Run', hostCallPayload('default', CONTRACT, op, encode(input))));

  assert.deepEqual(await call('Greeter.Greet', { name: 'world', times: 2 }), { text: 'bonjour world, bonjour world', count: 1 });
  assert.deepEqual(await call('Greeter.Greet', { name: 'you', times: 1 }), { text: 'bonjour you', count: 2 });
  // the provider calls the echo actor through the generated sender, over NATS
  assert.equal(await call('Greeter.Relay', { actorId: echo.id, text: 'ping' }), 'relayed: ping');

  // payloads of the wrong type are refused by the generated decoders, saying what was wrong
  await assert.rejects(call('Greeter.Greet', { name: 5, times: 2 }), /GreetRequest\.name: expected a string, got/);
  await assert.rejects(call('Greeter.Greet', { name: 'x', times: 300 }), /GreetRequest\.times: 300 is out of range \[0, 255\]/);
  await assert.rejects(call('Greeter.Greet', 'world'), /GreetRequest: expected a msgpack map, got string "world"/);
  await assert.rejects(call('Greeter.Relay', { text: 'ping' }), /RelayRequest.*actorId/);
  // and the provider goes on serving
  assert.deepEqual(await call('Greeter.Greet', { name: 'again', times: 1 }), { text: 'bonjour again', count: 3 });
  await host.stopProvider(desc.id, 'default');
});
