// flush-queue: the connections (server and client) with frames written this event-loop turn, flushed
// together by one setImmediate, so everything a connection writes in one turn leaves in one socket write.
// Takes a connection that has something to write (each queues itself once per turn: it keeps its own
// dirty flag); gives the flush call. The queue's array keeps its slots from turn to turn (emptied by
// count and cleared entries, not `length = 0`, which gives its backing store up: a new one every turn).
// Must not: hold a connection past the flush.

export interface Flushable {
  flush(): void;
}

const dirty: (Flushable | undefined)[] = [];
let count = 0;
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  // A connection queued while these flush (count grows) is flushed in this pass too.
  for (let i = 0; i < count; i++) {
    const c = dirty[i]!;
    dirty[i] = undefined;
    c.flush();
  }
  count = 0;
}

/** c.flush() runs at the end of this turn (c calls this at most once per turn). */
export function queueFlush(c: Flushable): void {
  dirty[count++] = c;
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}
