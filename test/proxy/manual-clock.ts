// manual-clock: a Clock (pkg/proxy/clock.ts) whose time moves only when a test calls advance(): sleeps
// resolve once the clock passes their due time, so a test can see a backoff pending and how long it is.
import type { Clock } from "../../pkg/proxy/clock.ts";

interface Sleeper { readonly due: number; readonly ms: number; readonly wake: () => void }

export class ManualClock implements Clock {
  private t = 1_000_000;
  private sleepers: Sleeper[] = [];

  now(): number { return this.t; }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => { this.sleepers.push({ due: this.t + ms, ms, wake }); });
  }

  /** Durations (ms) of the sleeps not yet over. */
  pending(): number[] { return this.sleepers.map((s) => s.ms); }

  advance(ms: number): void {
    this.t += ms;
    const due = this.sleepers.filter((s) => s.due <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.due > this.t);
    for (const s of due) s.wake();
  }
}
