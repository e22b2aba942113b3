import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inboundLast } from '../../src/control/link-order.js';

test('inbound links (httpserver, messaging) are put after outbound ones, order otherwise kept', () => {
  const links = [
    { n: 'http', c: 'wasmcloud:httpserver' },
    { n: 'kv', c: 'wasmcloud:keyvalue' },
    { n: 'msg', c: 'wasmcloud:messaging' },
    { n: 'custom', c: 'acme:thing' },
  ];
  assert.deepEqual(inboundLast(links, (l) => l.c).map((l) => l.n), ['kv', 'custom', 'http', 'msg']);
  assert.deepEqual(links.map((l) => l.n), ['http', 'kv', 'msg', 'custom'], 'input is not mutated');
});
