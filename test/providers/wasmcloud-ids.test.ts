// Links that name wasmCloud's published provider ids are served by Stratus's provider for the
// same contract, started under that id, and the inventory says so.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { builtinSource, builtinProvider } from '../../src/providers/registry.js';
import { WASMCLOUD_ALIASES } from '../../src/providers/wasmcloud-ids.js';
import { isPublicKey } from '../../src/claims/nkeys.js';
import { testHost, signedFixture } from '../support/fixtures.js';
import { freePort } from '../support/servers.js';
import { handlesSync } from '../../src/host/provider-contract.js';

const { host } = testHost();
after(() => host.shutdown());

test('every alias is a valid service key and names a built-in provider of the same contract', () => {
  for (const a of WASMCLOUD_ALIASES) {
    assert.ok(isPublicKey(a.id, 'service'), a.id);
    const info = builtinSource.find(a.id)!;
    assert.equal(info.id, a.id);
    assert.equal(info.contractId, builtinProvider(a.builtin)!.contractId);
    assert.equal(info.name, `${a.builtin} (as ${a.image})`);
    assert.equal(builtinSource.describe(a.id)?.name, info.name);
  }
  assert.ok(!builtinSource.list().some((p) => WASMCLOUD_ALIASES.some((a) => a.id === p.id)), 'aliases are not listed as providers of their own');
});

test("wasmCloud's httpserver id from the docs: started, linked as `wash ctl link put` writes it, serving HTTP, shown in the inventory", async () => {
  const WC_HTTPSERVER = 'VAG3QITQQ2ODAOWB5TTQSDJ53XK3SHBEIFNK4AYJ5RKAX2UNSCAPHA5M';
  const p = await builtinSource.open(WC_HTTPSERVER, 'default');
  assert.equal(p.id, WC_HTTPSERVER);
  assert.equal(handlesSync(p), false, 'httpserver has no sync path; the alias adds none');
  await host.startProvider(p);
  const actor = await host.startActor(await signedFixture('echo', { caps: ['wasmcloud:httpserver'] }));
  const port = await freePort();
  const put = await host.putLink({ actor_id: actor.id, provider_id: WC_HTTPSERVER, contract_id: 'wasmcloud:httpserver', link_name: 'default', values: { ADDRESS: `127.0.0.1:${port}` } });
  assert.equal(put.status.state, 'active');
  // the echo fixture hands the HttpRequest back, which is no HttpResponse: our httpserver's 500
  // with a reference shows the request went listener → actor → reply check
  const res = await fetch(`http://127.0.0.1:${port}/hello`);
  assert.equal(res.status, 500);
  assert.match(await res.text(), /\(ref [0-9a-f]+\)/);
  const inv = host.inventory().providers.find((x) => x.id === WC_HTTPSERVER)!;
  assert.equal(inv.name, 'httpserver (as wasmcloud.azurecr.io/httpserver)');
  assert.equal(inv.contractId, 'wasmcloud:httpserver');
});

test("wasmCloud's kvredis id keeps the keyvalue provider's synchronous path", async () => {
  const p = await builtinSource.open('VAZVC4RX54J2NVCMCW7BPCAHGGG5XZXDBXFUMDUXGESTMQEJLC3YVZWB', 'default');
  assert.equal(handlesSync(p), true);
  assert.equal(p.name, 'keyvalue (as wasmcloud.azurecr.io/kvredis)');
});
