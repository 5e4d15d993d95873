// The span clock follows wall-clock steps (two processes started on either side of one must agree) and
// otherwise keeps its precise anchor: Date.now()'s truncation never moves it.
import { describe, expect, it } from "vitest";
import { CHECK_EVERY_MS, MAX_SPIN_MS, SpanClock, spanClockMs, type ClockSources } from "../../pkg/telemetry/span-clock.ts";

/** A machine: monotonic time advances by `tick` per read; the wall clock is monotonic + offset, truncated. */
class FakeMachine implements ClockSources {
  mono = 1_000;
  offset: number;
  tick: number;
  wallReads = 0;
  frozenWall: number | undefined;
  /** Monotonic time lost to preemption right after the next wall-clock read. */
  preemptNextWallMs = 0;
  constructor(offset: number, tick = 0.0003) {
    this.offset = offset;
    this.tick = tick;
  }
  monoMs(): number {
    this.mono += this.tick;
    return this.mono;
  }
  wallMs(): number {
    this.wallReads++;
    this.mono += this.tick;
    const wall = this.frozenWall ?? Math.floor(this.mono + this.offset);
    this.mono += this.preemptNextWallMs;
    this.preemptNextWallMs = 0;
    return wall;
  }
  /** Advances monotonic time (a request's worth of work). */
  pass(ms: number): void {
    this.mono += ms;
  }
}

/** The clock's error against the machine's true wall clock at the reading's start (a reading stamps the
 *  moment it was called; its check may take monotonic time after that). */
function error(clock: SpanClock, m: FakeMachine): number {
  const called = m.mono;
  const at = clock.now();
  return at - (called + m.offset);
}

describe("span clock", () => {
  it("keeps its precise anchor while the wall clock is not stepped, whatever the truncation", () => {
    const m = new FakeMachine(1_765_000_000_000.4321);
    const clock = new SpanClock(m, m.offset);
    for (let i = 0; i < 2_000; i++) {
      m.pass(Math.random() * 40);
      expect(Math.abs(error(clock, m))).toBeLessThan(0.001);
    }
    expect(m.wallReads).toBeGreaterThan(100);
  });

  it("re-anchors within one check after a step, to the reads' precision", () => {
    const m = new FakeMachine(1_765_000_000_000.25);
    const clock = new SpanClock(m, m.offset);
    m.pass(CHECK_EVERY_MS + 1);
    expect(Math.abs(error(clock, m))).toBeLessThan(0.01);
    m.offset += 4.153;
    m.pass(CHECK_EVERY_MS + 1);
    expect(Math.abs(error(clock, m))).toBeLessThan(0.01);
    m.offset -= 17.9;
    m.pass(CHECK_EVERY_MS + 1);
    expect(Math.abs(error(clock, m))).toBeLessThan(0.01);
  });

  it("reads the wall clock at most once per check interval outside a step", () => {
    const m = new FakeMachine(1_765_000_000_000.5);
    const clock = new SpanClock(m, m.offset);
    for (let i = 0; i < 1_000; i++) clock.now();
    expect(m.wallReads).toBe(0);
    m.pass(CHECK_EVERY_MS);
    clock.now();
    clock.now();
    expect(m.wallReads).toBe(1);
  });

  it("two processes started on either side of a step agree after one check", () => {
    const m = new FakeMachine(1_765_000_000_000.125);
    const before = new SpanClock(m, m.offset);
    m.offset += 4.32;
    const after = new SpanClock(m, m.offset);
    m.pass(CHECK_EVERY_MS + 1);
    expect(Math.abs(error(before, m))).toBeLessThan(0.01);
    expect(Math.abs(error(after, m))).toBeLessThan(0.01);
  });

  it("does not move its anchor on a reading interrupted by preemption", () => {
    const m = new FakeMachine(1_765_000_000_000.75);
    const clock = new SpanClock(m, m.offset);
    m.pass(CHECK_EVERY_MS + 1);
    m.preemptNextWallMs = 3;
    expect(Math.abs(error(clock, m))).toBeLessThan(0.001);
    m.pass(CHECK_EVERY_MS + 1);
    expect(Math.abs(error(clock, m))).toBeLessThan(0.001);
    expect(m.wallReads).toBe(2);
  });

  it("gives up waiting for a frozen wall clock after MAX_SPIN_MS and takes the bracket's middle", () => {
    const m = new FakeMachine(1_765_000_000_000, 0.01);
    const clock = new SpanClock(m, m.offset);
    m.frozenWall = 1_765_000_000_000 + 50_000;
    m.pass(CHECK_EVERY_MS + 1);
    const start = m.mono;
    const at = clock.now();
    expect(m.mono - start).toBeLessThanOrEqual(MAX_SPIN_MS + 0.1);
    expect(Math.abs(at - (m.frozenWall + 0.5))).toBeLessThan(0.6);
  });

  it("the process clock agrees with Date.now() within its truncation", () => {
    const d0 = Date.now();
    const s = spanClockMs();
    const d1 = Date.now();
    expect(s).toBeGreaterThanOrEqual(d0 - 0.1);
    expect(s).toBeLessThan(d1 + 1.1);
  });
});
