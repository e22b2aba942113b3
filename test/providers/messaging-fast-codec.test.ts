// The Messaging.Publish hot-path decoder must read exactly what the generated codec reads, and leave
// everything else to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Packr } from 'msgpackr';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { fastPubMessage } from '../../src/providers/messaging/fast-codec.js';
import { MessagingCodec, type PubMessage } from '../../src/codec/interfaces/messaging.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
const bodies = [new Uint8Array(0), new Uint8Array(64).fill(0x61), new Uint8Array(300).fill(7), new Uint8Array(70_000).fill(1)];

/** The AssemblyScript SDK's bytes: fixmap, subject, replyTo only when set, body as bin. */
function asSdkBytes(m: PubMessage): Uint8Array {
  return msgpackEncode(m.replyTo === undefined ? { subject: m.subject, body: m.body } : { subject: m.subject, replyTo: m.replyTo, body: m.body });
}

/** Bodies compared by content (a view of a Buffer is a Buffer). */
const plain = (m: PubMessage) => ({ ...m, body: [...m.body] });

test('fastPubMessage agrees with the generated codec: any key order, replyTo absent, nil or set, from three encoders', () => {
  let hits = 0;
  for (const body of bodies) {
    for (const subject of ['echo.noreply', 'a', 's'.repeat(31), 's.'.repeat(100) + 'x']) {
      for (const replyTo of [undefined, '', '_INBOX.abc.1']) {
        const m: PubMessage = replyTo === undefined ? { subject, body } : { subject, replyTo, body };
        const forms = [
          MessagingCodec.Publish.encodeInput(m), asSdkBytes(m),
          packr.pack({ body, subject, ...(replyTo !== undefined ? { replyTo } : {}) }),
          msgpackEncode({ replyTo: replyTo ?? null, body, subject }),
        ];
        for (const bytes of forms) {
          const general = MessagingCodec.Publish.decodeInput(bytes);
          const fast = fastPubMessage(bytes);
          if (fast) { hits++; assert.deepEqual(plain(fast), plain(general), `${subject} ${replyTo}`); }
        }
      }
    }
  }
  assert.ok(hits >= bodies.length * 4 * 3 * 4 - 16, `fast path hits: ${hits}`);
});

test('anything else is left to the general decoder, which names the problem', () => {
  const body = new Uint8Array([1, 2, 3]);
  const unusual: unknown[] = [
    { subject: 'ü.x', body },                 // non-ASCII subject
    { subject: 'a', body: 'text' },            // str body
    { subject: 'a', body, extra: 1 },          // a key it does not know
    { subject: 'a' },                          // no body
    { body },                                  // no subject
    { subject: 1, body },
    [1, 2],
  ];
  for (const v of unusual) assert.equal(fastPubMessage(msgpackEncode(v)), undefined, JSON.stringify(v));
  assert.throws(() => MessagingCodec.Publish.decodeInput(msgpackEncode({ subject: 'a' })), /body/);
  // truncated: the body's length runs past the end
  const whole = asSdkBytes({ subject: 'a.b', body: new Uint8Array(40) });
  for (let cut = 1; cut < whole.length; cut++) assert.equal(fastPubMessage(whole.subarray(0, cut)), undefined, `cut at ${cut}`);
  // a repeated key is not read twice
  assert.equal(fastPubMessage(Uint8Array.from([0x82, 0xa7, ...Buffer.from('subject'), 0xa1, 0x61, 0xa7, ...Buffer.from('subject'), 0xa1, 0x62])), undefined);
});

test('a known subject is returned as is when the payload spells it, and only then', () => {
  const body = new Uint8Array([1]);
  for (const [subject, known] of [['echo.noreply', 'echo.noreply'], ['echo.noreplz', 'echo.noreply'], ['echo', 'echo.noreply'], ['', ''], ['a.b', undefined]] as const) {
    const m = fastPubMessage(asSdkBytes({ subject, body }), known)!;
    assert.equal(m.subject, subject);
    assert.deepEqual([...m.body], [1]);
  }
  // a non-ASCII subject is still left to the general decoder
  assert.equal(fastPubMessage(msgpackEncode({ subject: 'ü', body }), 'ü'), undefined);
});

test('the body is a view of the payload (no copy): the host call payload is already the host\'s own copy', () => {
  const bytes = asSdkBytes({ subject: 'x', body: new Uint8Array([9, 8, 7]) });
  const m = fastPubMessage(bytes)!;
  assert.equal(m.body.buffer, bytes.buffer);
  assert.deepEqual([...m.body], [9, 8, 7]);
});

test('a repeated publish read by its prefix: the body the generated codec reads, or undefined for anything else', async () => {
  const { publishPrefix, bodyAfter } = await import('../../src/providers/messaging/fast-codec.js');
  let hits = 0;
  for (const subject of ['echo.noreply', 'a', 's'.repeat(31), 's'.repeat(32), 's.'.repeat(100) + 'x']) {
    const prefix = publishPrefix(subject)!;
    assert.equal(prefix.subject, subject);
    for (const body of [...bodies, new Uint8Array(255).fill(2), new Uint8Array(256).fill(3), new Uint8Array(65_535).fill(4), new Uint8Array(65_536).fill(5)]) {
      const bytes = asSdkBytes({ subject, body });
      const got = bodyAfter(bytes, prefix.bytes);
      assert.ok(got, `${subject.length} ${body.length}`);
      hits++;
      assert.deepEqual([...got], [...MessagingCodec.Publish.decodeInput(bytes).body]);
      // another subject, a reply subject, another key order, a byte more or less: not this prefix
      assert.equal(bodyAfter(asSdkBytes({ subject: subject + 'x', body }), prefix.bytes), undefined);
      assert.equal(bodyAfter(asSdkBytes({ subject, replyTo: 'r', body }), prefix.bytes), undefined);
      assert.equal(bodyAfter(packr.pack({ body, subject }), prefix.bytes), undefined);
      assert.equal(bodyAfter(Uint8Array.from([...bytes, 0]), prefix.bytes), undefined);
      for (const cut of [1, 2, 3, 5, bytes.length - prefix.bytes.length]) if (cut <= bytes.length) assert.equal(bodyAfter(bytes.subarray(0, bytes.length - cut), prefix.bytes), undefined, `cut ${cut}`);
    }
  }
  assert.ok(hits > 0);
  assert.equal(publishPrefix('ü.x'), undefined, 'non-ASCII subjects are decoded every time');
  assert.equal(publishPrefix('s'.repeat(256)), undefined);
});
