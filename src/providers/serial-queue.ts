// Runs link changes one after another, so two concurrent puts (say, for one port) cannot both pass
// their checks before either applies. A failed task does not block the ones after it.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
