// Publishes that leave in one socket write per event-loop turn, for the host's calls to provider
// processes (a performance measure; bench/providers (a) measures it).
//
// Why: nats.js writes its outbound buffer in a microtask after the first publish of a turn. A host
// serving HTTP gets each request in its own socket callback, and Node drains microtasks after
// every callback, so every actor's host call to a provider process left in its own write(2): one
// syscall on the host, one read wakeup on nats-server, and one message per read on the provider,
// which then answered each one in its own write too (bench/providers (a): 2.0 write calls per
// request on the host, 0.35 on the provider). Deferring the publishes of a turn to one
// setImmediate callback, which runs after the poll phase has handled every ready socket, lets the
// calls of one turn share one write, and the provider read them, verify them and answer them as a
// batch. The cost is one setImmediate per turn and no added wait (it runs in the same turn).
//
// What stays as nats.js does it: every publish that nats.js would refuse (closed or draining
// connection, a bad subject, a payload over the server's max_payload) is handed to nats.js at once,
// so the caller gets nats.js's own error synchronously. Order is kept among the publishes that go
// through this wrapper; `flush()`, `drain()` and `close()` send what is queued first.
import type { NatsConnection, PublishOptions } from '@nats-io/nats-core';

interface Queued {
  subject: string;
  data: Uint8Array | string | undefined;
  options: PublishOptions | undefined;
}

const BAD_SUBJECT = /^$|\s/;

/**
 * A view of `nc` whose `publish` is deferred to the end of the event-loop turn (see above).
 * `onError` hears of a queued publish nats.js refused when it was sent (the connection closed in
 * between: the requests waiting on it fail when the connection's close is seen).
 */
export function coalescePublishes(nc: NatsConnection, onError: (subject: string, e: unknown) => void): NatsConnection {
  let queue: Queued[] = [];
  let scheduled = false;

  const send = (): void => {
    scheduled = false;
    const q = queue;
    queue = [];
    for (const m of q) {
      try {
        nc.publish(m.subject, m.data, m.options);
      } catch (e) {
        onError(m.subject, e);
      }
    }
  };

  const publish = (subject: string, data?: Uint8Array | string, options?: PublishOptions): void => {
    const size = typeof data === 'string' ? data.length * 3 : data?.length ?? 0;
    if (nc.isClosed() || nc.isDraining() || BAD_SUBJECT.test(subject) || (options?.reply !== undefined && BAD_SUBJECT.test(options.reply))
      || size > (nc.info?.max_payload ?? 0) - 4096) {
      // nats.js decides (and throws its own error) now; what is queued goes first to keep the order
      if (queue.length > 0) send();
      nc.publish(subject, data, options);
      return;
    }
    queue.push({ subject, data, options });
    if (!scheduled) {
      scheduled = true;
      setImmediate(send);
    }
  };

  const sendingFirst = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
    if (queue.length > 0) send();
    return f(...a);
  };
  const overrides: Partial<Record<keyof NatsConnection, unknown>> = {
    publish,
    flush: sendingFirst(() => nc.flush()),
    drain: sendingFirst(() => nc.drain()),
    close: sendingFirst(() => nc.close()),
  };
  return new Proxy(nc, {
    get(target, prop) {
      if (Object.hasOwn(overrides, prop)) return overrides[prop as keyof NatsConnection];
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
