// coalescer: batches bursts of resource events into one emission.
// Takes touch(kind) calls; the first starts a window of `windowMs` (100 ms), each further event
// extends it by `windowMs`, never past `maxMs` (500 ms) after the first; then it calls emit(batch).
// The batch says which snapshot kinds changed and whether only EndpointSlices/Pods did (so the
// controller may take the translate fast path).
// Must not: emit an empty batch, emit after close(), or let emit errors escape into timers.
import type { SnapshotKind } from "../api/index.ts";

export interface Batch {
  readonly kinds: ReadonlySet<SnapshotKind>;
  readonly events: number;
  /** True when every event was for endpointSlices or pods. */
  readonly endpointsOnly: boolean;
}

export interface CoalescerOptions {
  readonly windowMs?: number;
  readonly maxMs?: number;
  readonly now?: () => number;
  readonly onError?: (err: unknown) => void;
}

export interface Coalescer {
  touch(kind: SnapshotKind): void;
  /** Emits the pending batch now, if any. */
  flush(): void;
  close(): void;
}

const ENDPOINT_KINDS: ReadonlySet<SnapshotKind> = new Set<SnapshotKind>(["endpointSlices", "pods"]);

export function createCoalescer(emit: (batch: Batch) => void, opts: CoalescerOptions = {}): Coalescer {
  const windowMs = opts.windowMs ?? 100;
  const maxMs = opts.maxMs ?? 500;
  const now = opts.now ?? Date.now;
  let kinds = new Set<SnapshotKind>();
  let events = 0;
  let firstAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const fire = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (events === 0 || closed) return;
    const batch: Batch = { kinds, events, endpointsOnly: [...kinds].every((k) => ENDPOINT_KINDS.has(k)) };
    kinds = new Set();
    events = 0;
    try {
      emit(batch);
    } catch (err) {
      opts.onError?.(err);
    }
  };

  return {
    touch(kind: SnapshotKind): void {
      if (closed) return;
      const t = now();
      if (events === 0) firstAt = t;
      kinds.add(kind);
      events += 1;
      if (timer !== undefined) clearTimeout(timer);
      const delay = Math.max(0, Math.min(windowMs, firstAt + maxMs - t));
      timer = setTimeout(fire, delay);
    },
    flush: fire,
    close(): void {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
