// Replies ready at once: the first of an event-loop turn is written at once, the ones after it in
// the same turn go out together at the turn's end, in order; none is lost when a writer throws or
// when a reply arrives while a batch is being written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndOfTurnReplies, type ReplyWriter } from '../../src/providers/httpserver/reply-batch.js';

const turnEnd = () => new Promise((r) => setImmediate(r));
const bytes = (n: number) => new Uint8Array([n]);

function recorder(): ReplyWriter<string> & { written: string[] } {
  const written: string[] = [];
  return { written, writeReply: (res, reply) => { written.push(`${res}:${reply[0]}`); } };
}

test('the first reply of a turn is written at once; the rest wait for the end of the turn, then all go out in order', async () => {
  const errors: unknown[] = [];
  const batch = new EndOfTurnReplies<string>((e) => errors.push(e));
  const a = recorder(), b = recorder();
  batch.submit(a, 'r1', bytes(1));
  assert.deepEqual(a.written, ['r1:1'], 'an idle host adds no delay');
  batch.submit(b, 'r2', bytes(2));
  batch.submit(a, 'r3', bytes(3));
  assert.deepEqual(b.written, [], 'later replies of the turn are held');
  assert.equal(batch.size, 2);
  await turnEnd();
  assert.deepEqual(a.written, ['r1:1', 'r3:3']);
  assert.deepEqual(b.written, ['r2:2']);
  assert.equal(batch.size, 0);
  // a new turn starts over: its first reply is written at once again
  batch.submit(b, 'r4', bytes(4));
  assert.deepEqual(b.written, ['r2:2', 'r4:4']);
  assert.deepEqual(errors, []);
});

test('one flush per turn: the batch schedules itself once however many replies it holds', () => {
  const scheduled: (() => void)[] = [];
  const batch = new EndOfTurnReplies<string>(() => {}, (fn) => scheduled.push(fn));
  const w = recorder();
  for (let i = 0; i < 5; i++) batch.submit(w, `r${i}`, bytes(i));
  assert.equal(scheduled.length, 1);
  assert.equal(w.written.length, 1);
  scheduled[0]!();
  assert.equal(w.written.length, 5);
  batch.submit(w, 'next', bytes(9));
  assert.equal(scheduled.length, 2, 'a new turn schedules a new flush');
});

test('a writer that throws is reported with its response; the rest of the batch is still written', async () => {
  const errors: [string, string][] = [];
  const batch = new EndOfTurnReplies<string>((e, res) => errors.push([res, (e as Error).message]));
  const ok = recorder();
  const broken: ReplyWriter<string> = { writeReply: () => { throw new Error('socket gone'); } };
  batch.submit(broken, 'r0', bytes(0)); // the turn's first, written at once
  batch.submit(ok, 'r1', bytes(1));
  batch.submit(broken, 'r2', bytes(2));
  batch.submit(ok, 'r3', bytes(3));
  await turnEnd();
  assert.deepEqual(ok.written, ['r1:1', 'r3:3']);
  assert.deepEqual(errors, [['r0', 'socket gone'], ['r2', 'socket gone']]);
});

test('a reply submitted while a batch is being written is written too, not lost', async () => {
  const batch = new EndOfTurnReplies<string>(() => {});
  const late = recorder();
  const first = recorder();
  const chaining: ReplyWriter<string> = { writeReply: (res) => { batch.submit(late, `${res}-late`, bytes(7)); } };
  batch.submit(first, 'r0', bytes(0));
  batch.submit(chaining, 'r1', bytes(1));
  batch.submit(chaining, 'r2', bytes(2));
  await turnEnd();
  await turnEnd();
  assert.deepEqual(late.written, ['r1-late:7', 'r2-late:7']);
  assert.equal(batch.size, 0);
});
