// drain-delay: how long a terminating proxy keeps serving after it announced its drain.
// Takes: the minimum and maximum delay, the quiet period, when the engine last accepted a connection,
// a monotonic clock and a sleep.
// Gives: drainDelayEnd (pure: when serving may stop, given what is known now) and waitDrainDelay (waits
// until then, re-reading the last connection's time as it goes). Serving stops once minMs passed and no
// connection came for quietMs — clients still being sent here mean some node's Service rules still list
// this pod (kube-proxy on a loaded node can take longer than the minimum) — and at maxMs in any case.
// Must not: wait past maxMs, or less than minMs.

/** No new connection for this long, once the minimum passed: the Service rules no longer send clients here. */
export const DRAIN_QUIET_MS = 1_000;

export interface DrainDelay {
  readonly minMs: number;
  readonly maxMs: number;
  readonly quietMs: number;
}

export interface DrainClock {
  /** Monotonic milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: DrainClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** When serving may stop: after minMs, and quietMs after the last connection, but never after maxMs. */
export function drainDelayEnd(d: DrainDelay, startedAt: number, lastConnectionAt: number | undefined): number {
  const quietFrom = lastConnectionAt === undefined ? -Infinity : lastConnectionAt + d.quietMs;
  return Math.min(startedAt + Math.max(d.minMs, d.maxMs), Math.max(startedAt + d.minMs, quietFrom));
}

/** Waits out the drain delay; gives how long it served (ms). */
export async function waitDrainDelay(d: DrainDelay, lastConnectionAt: () => number | undefined, clock: DrainClock = REAL_CLOCK): Promise<number> {
  const started = clock.now();
  for (;;) {
    const left = drainDelayEnd(d, started, lastConnectionAt()) - clock.now();
    if (left <= 0) return clock.now() - started;
    await clock.sleep(left);
  }
}
