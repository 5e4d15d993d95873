// span-clock: the clock every span starts and ends on, `spanClockMs()` — epoch milliseconds with
// sub-millisecond precision, monotonic between wall-clock steps.
// Takes: the wall clock (Date.now, whole milliseconds) and the monotonic clock (performance.now).
// Gives: anchor + monotonic now. The anchor starts at the process's start (performance.timeOrigin,
// µs-precise) and follows the wall clock: at most every CHECK_EVERY_MS a now() compares one Date.now()
// reading with the anchor (a truncated reading brackets the true offset within one millisecond); when the
// wall clock was stepped since (NTP, the hypervisor), the anchor is measured again at the next tick of
// Date.now(). Without this, two processes started on either side of a step disagree by the step for
// their whole lives, and a server span in one ends after its client span in the other (seen: 4 ms).
// Must not: spin more than MAX_SPIN_MS (only after a step), allocate, or go backwards between steps.

/** How often a reading checks the wall clock for a step (monotonic milliseconds). */
export const CHECK_EVERY_MS = 100;
/** The longest a re-measure waits for Date.now() to tick. */
export const MAX_SPIN_MS = 2;
/** What a reading's two clock reads may be apart (they are not simultaneous). */
const SLACK_MS = 0.05;

export interface ClockSources {
  /** Wall clock, epoch milliseconds (whole, truncated). */
  wallMs(): number;
  /** Monotonic milliseconds since some origin. */
  monoMs(): number;
}

export class SpanClock {
  private readonly src: ClockSources;
  /** Epoch milliseconds at monotonic zero. */
  private anchor: number;
  private nextCheck: number;

  constructor(src: ClockSources, anchor: number) {
    this.src = src;
    this.anchor = anchor;
    this.nextCheck = src.monoMs() + CHECK_EVERY_MS;
  }

  /** Now, in epoch milliseconds. */
  now(): number {
    const mono = this.src.monoMs();
    if (mono >= this.nextCheck) {
      this.nextCheck = mono + CHECK_EVERY_MS;
      this.check();
    }
    return this.anchor + mono;
  }

  /** Re-measures the anchor when a reading of the wall clock disagrees with it. Date.now() truncating,
   *  the true offset lies in [wall - after, wall + 1 - before): preemption between the reads only widens
   *  that bracket, never moves it off the truth. */
  private check(): void {
    const before = this.src.monoMs();
    const wall = this.src.wallMs();
    const after = this.src.monoMs();
    const lo = wall - after;
    const hi = wall + 1 - before;
    if (this.anchor >= lo - SLACK_MS && this.anchor <= hi + SLACK_MS) return;
    this.anchor = this.measure() ?? (lo + hi) / 2;
  }

  /** The wall clock's offset read at a tick of Date.now(), precise to one loop turn; undefined when no
   *  clean tick came within MAX_SPIN_MS (preempted across it, or a frozen or mocked Date). */
  private measure(): number | undefined {
    let last = this.src.wallMs();
    let lastMono = this.src.monoMs();
    const limit = lastMono + MAX_SPIN_MS;
    while (lastMono < limit) {
      const wall = this.src.wallMs();
      const mono = this.src.monoMs();
      if (wall !== last && mono - lastMono <= SLACK_MS) return wall - mono;
      last = wall;
      lastMono = mono;
    }
    return undefined;
  }
}

const PROCESS_CLOCK = new SpanClock({ wallMs: Date.now, monoMs: () => performance.now() }, performance.timeOrigin);

/** Now in epoch milliseconds with sub-millisecond precision (the process's span clock). */
export function spanClockMs(): number {
  return PROCESS_CLOCK.now();
}
