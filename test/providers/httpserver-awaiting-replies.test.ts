// Requests waiting on the actor: each is answered once (by its reply or by the sweeper, never both),
// the sweeper takes only the overdue ones, and an answered request keeps no link to the others
// (a finished request must not hold later ones alive; see awaiting-replies.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AwaitingReplies } from '../../src/providers/httpserver/awaiting-replies.js';

function overdueAt(list: AwaitingReplies<string>, now: number): string[] {
  const out: string[] = [];
  list.expire(now, (res) => out.push(res));
  return out;
}

test('a request is answered once: by its reply, or by the sweeper when overdue, never both', () => {
  const list = new AwaitingReplies<string>();
  const a = list.add('a', 100);
  const b = list.add('b', 200);
  assert.equal(list.size, 2);
  assert.equal(list.settle(a), true, 'the reply comes first');
  assert.equal(list.settle(a), false, 'a second outcome is dropped');
  assert.deepEqual(overdueAt(list, 250), ['b']);
  assert.equal(list.settle(b), false, 'the actor answering after the sweeper is dropped');
  assert.equal(list.size, 0);
});

test('the sweeper answers only requests past their deadline, in any order of deadlines', () => {
  const list = new AwaitingReplies<string>();
  list.add('late', 500);
  list.add('early', 100); // the link's timeout was lowered between the two requests
  list.add('mid', 300);
  assert.deepEqual(overdueAt(list, 99), []);
  assert.deepEqual(overdueAt(list, 300), ['early', 'mid']);
  assert.equal(list.size, 1);
  assert.deepEqual(overdueAt(list, 1000), ['late']);
  assert.deepEqual(overdueAt(list, 2000), [], 'nothing is answered twice');
});

test('an answered request is unlinked from its neighbours, from the head, the middle and the tail', () => {
  const list = new AwaitingReplies<string>();
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((r, i) => list.add(r, i));
  for (const n of [b, a, d]) {
    list.settle(n!);
    assert.equal(n!.prev, null);
    assert.equal(n!.next, null);
  }
  assert.equal(c!.prev, null, 'the survivor is now the head');
  assert.equal(c!.next, null, 'and the tail');
  assert.deepEqual(overdueAt(list, 10), ['c']);
  const e = list.add('e', 0);
  assert.equal(e.prev, null, 'an emptied list starts over');
  assert.deepEqual(overdueAt(list, 10), ['e']);
});

test('clear (the listener closing) drops every request; replies arriving later are dropped too', () => {
  const list = new AwaitingReplies<string>();
  const a = list.add('a', 100);
  const b = list.add('b', 100);
  list.clear();
  assert.equal(list.size, 0);
  assert.equal(a.next, null);
  assert.equal(b.prev, null);
  assert.equal(list.settle(a), false);
  assert.deepEqual(overdueAt(list, 1000), []);
});
