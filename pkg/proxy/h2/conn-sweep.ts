// conn-sweep: the timeouts of the own HTTP/2 connections (server-conn.ts and client-conn.ts) by one coarse
// sweep every SWEEP_MS over the live ones, not a timer per connection or stream: a connection notes
// sweepClock when it goes idle or starts a header block (a number store per request), and the sweep calls
// its checkTimeouts with the clock. Takes connections to watch; gives the clock. Must not: keep the process
// alive (the timer is unref'd, and stops while no connection is live) or hold a connection past untrack.

export interface Swept {
  checkTimeouts(now: number): void;
}

const SWEEP_MS = 250;
const live = new Set<Swept>();
let sweepTimer: NodeJS.Timeout | undefined;
/** performance.now() at the last sweep (current while a connection is live; stands still otherwise). */
export let sweepClock = performance.now();

function sweep(): void {
  sweepClock = performance.now();
  for (const c of live) c.checkTimeouts(sweepClock);
  if (live.size === 0 && sweepTimer !== undefined) {
    clearInterval(sweepTimer);
    sweepTimer = undefined;
  }
}

/** c is swept from now on; sweepClock is current when this returns. */
export function track(c: Swept): void {
  live.add(c);
  if (sweepTimer === undefined) {
    sweepClock = performance.now();
    sweepTimer = setInterval(sweep, SWEEP_MS);
    sweepTimer.unref();
  }
}

export function untrack(c: Swept): void {
  live.delete(c);
}
