// The drain delay: at least its minimum, on while connections keep arriving, never past its maximum.
import { describe, expect, it } from "vitest";
import { drainDelayEnd, waitDrainDelay, type DrainClock } from "../../pkg/proxy/runtime/drain-delay.ts";

const D = { minMs: 5_000, maxMs: 12_000, quietMs: 1_000 };

/** A clock that only moves when slept on; `arrivals` are connection times (ms after start) that become known as time passes. */
function fakeClock(arrivals: number[]): { clock: DrainClock; last: () => number | undefined; sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    clock: {
      now: () => t,
      sleep: async (ms) => {
        sleeps.push(ms);
        t += ms;
      },
    },
    last: () => arrivals.filter((a) => a <= t).at(-1),
    sleeps,
  };
}

describe("drain delay", () => {
  it("ends at the minimum when no connection came, or the last came early", () => {
    expect(drainDelayEnd(D, 100, undefined)).toBe(5_100);
    expect(drainDelayEnd(D, 100, 3_000)).toBe(5_100);
  });

  it("ends a quiet period after the last connection when that is later than the minimum", () => {
    expect(drainDelayEnd(D, 0, 4_500)).toBe(5_500);
    expect(drainDelayEnd(D, 0, 9_000)).toBe(10_000);
  });

  it("never ends after the maximum, nor before the minimum when the maximum is smaller", () => {
    expect(drainDelayEnd(D, 0, 11_900)).toBe(12_000);
    expect(drainDelayEnd({ minMs: 5_000, maxMs: 0, quietMs: 1_000 }, 0, 4_900)).toBe(5_000);
  });

  it("waits the minimum when idle", async () => {
    const f = fakeClock([]);
    expect(await waitDrainDelay(D, f.last, f.clock)).toBe(5_000);
  });

  it("keeps serving while connections still arrive, then stops a quiet period after the last", async () => {
    const f = fakeClock([200, 4_800, 5_600, 6_400, 7_000, 7_900, 9_500]);
    // 9,500 comes after a quiet second: the listeners were closed by then.
    expect(await waitDrainDelay(D, f.last, f.clock)).toBe(8_900);
  });

  it("stops at the maximum under a steady stream of connections", async () => {
    const f = fakeClock(Array.from({ length: 200 }, (_, i) => i * 100));
    expect(await waitDrainDelay(D, f.last, f.clock)).toBe(12_000);
  });
});
