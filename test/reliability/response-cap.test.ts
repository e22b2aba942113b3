// Issue 11 fault 5 (sizes): an actor answering 60 MiB held the host thread 0.67 s and lifted RSS to
// 715 MB. The caller's limit (the httpserver link's max_response_len) reaches the guest ABI through
// the lanes and the answer is refused before it is copied, on both lanes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { isStratusError } from '../../src/core/errors.js';
import { signedFixture, testHost, text, utf8 } from '../support/fixtures.js';

const inline = testHost();
const worker = testHost({ isolation: 'worker' });
after(async () => { await inline.host.shutdown(); await worker.host.shutdown(); });

for (const [lane, { host }] of [['inline', inline], ['worker', worker]] as const) {
  test(`${lane} lane: an answer over the caller's maxResponseBytes is refused with the sizes and the fix; a smaller one passes`, async () => {
    const echo = await host.startActor(await signedFixture('echo', { name: `cap-${lane}` }));
    assert.equal(echo.lane, lane);
    const big = utf8('x'.repeat(4096));
    await assert.rejects(host.call(echo.id, 'Echo.Say', big, undefined, { maxResponseBytes: 1024 }),
      (e) => isStratusError(e, 'GUEST_ERROR') && /answered Echo\.Say with 4096 bytes, over the limit of 1024 bytes/.test(e.message)
        && e.message.includes(`cap-${lane}`) && /max_response_len/.test(e.message));
    assert.equal(text(await host.call(echo.id, 'Echo.Say', big, undefined, { maxResponseBytes: 4096 })).length, 4096);
    // the default limit (16 MiB) lets ordinary answers through
    assert.equal(text(await host.call(echo.id, 'Echo.Say', utf8('hi'))), 'hi');
    await host.stopActor(echo.id);
  });
}
