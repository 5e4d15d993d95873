// flush-queue: the connections (server and client) with frames written this event-loop turn, flushed
// together by one setImmediate, so everything a connection writes in one turn leaves in one socket write.
// Takes a connection that has something to write (each queues itself once per turn: it keeps its own
// dirty flag); gives the flush call. Must not: hold a connection past the flush.

export interface Flushable {
  flush(): void;
}

const dirty: Flushable[] = [];
let scheduled = false;

function flushAll(): void {
  scheduled = false;
  for (let i = 0; i < dirty.length; i++) dirty[i]!.flush();
  dirty.length = 0;
}

/** c.flush() runs at the end of this turn (c calls this at most once per turn). */
export function queueFlush(c: Flushable): void {
  dirty.push(c);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}
