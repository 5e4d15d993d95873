// manual-clock: a Clock (pkg/proxy/clock.ts) whose time moves only when a test calls advance(): sleeps
// resolve and timers fire once the clock passes their due time, so a test can see a backoff or a
// deadline pending and how long it is.
import type { Clock } from "../../pkg/proxy/clock.ts";

interface Sleeper {
  readonly due: number;
  readonly ms: number;
  readonly wake: () => void;
}
interface Timer {
  readonly due: number;
  readonly ms: number;
  readonly fire: () => void;
}

export class ManualClock implements Clock {
  private t = 1_000_000;
  private sleepers: Sleeper[] = [];
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => {
      this.sleepers.push({ due: this.t + ms, ms, wake });
    });
  }

  after(ms: number, fn: () => void): () => void {
    const timer: Timer = { due: this.t + ms, ms, fire: fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Durations (ms) of the sleeps not yet over. */
  pending(): number[] {
    return this.sleepers.map((s) => s.ms);
  }

  /** Durations (ms) of the timers neither fired nor cancelled. */
  timersPending(): number[] {
    return this.timers.map((x) => x.ms);
  }

  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.due <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.due > this.t);
    const fired = this.timers.filter((x) => x.due <= this.t);
    this.timers = this.timers.filter((x) => x.due > this.t);
    for (const s of due) s.wake();
    for (const x of fired) x.fire();
  }
}
