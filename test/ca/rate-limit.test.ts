// rate-limit: per-identity token buckets with an injected clock; bounded key count.
import { describe, expect, it } from "vitest";
import { createRateLimiter } from "../../pkg/ca/rate-limit.ts";

describe("createRateLimiter", () => {
  it("allows the burst, refuses beyond it, refills at the sustained rate, per key", () => {
    let now = 0;
    const rl = createRateLimiter({ burst: 2, perMinute: 6 }, () => now);
    expect([rl.take("a"), rl.take("a"), rl.take("a")]).toEqual([true, true, false]);
    expect(rl.take("b")).toBe(true);
    now += 9_999;
    expect(rl.take("a")).toBe(false);
    now += 1;
    expect(rl.take("a")).toBe(true);
    now += 3_600_000;
    expect([rl.take("a"), rl.take("a"), rl.take("a")]).toEqual([true, true, false]);
  });

  it("keeps at most maxKeys buckets; an evicted key starts again with a full bucket", () => {
    const rl = createRateLimiter({ burst: 1, perMinute: 0, maxKeys: 2 }, () => 0);
    expect(rl.take("a")).toBe(true);
    expect(rl.take("a")).toBe(false);
    rl.take("b");
    rl.take("c");
    expect(rl.take("a")).toBe(true);
  });
});
