// pick-backend: weighted backend choice (spec §3): weight 0 never chosen, all-zero ⇒ undefined, and
// over many seeded draws each backend's share stays within tolerance of weight / sum.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../support/seeded-random.ts";
import type { BackendIR } from "../../pkg/ir/types.ts";
import { pickBackend } from "../../pkg/router/index.ts";
import { fcParams } from "../support/fast-check-env.ts";

const cluster = (name: string, weight: number): BackendIR => ({ kind: "cluster", weight, cluster: name, filters: [] });
const invalid = (weight: number): BackendIR => ({ kind: "invalid", weight, status: 500, reason: "BackendNotFound", message: "no svc" });

const nameOf = (b: BackendIR | undefined): string | undefined => (b === undefined ? undefined : b.kind === "cluster" ? b.cluster : "invalid");

describe("pickBackend", () => {
  it("empty or all-zero weights ⇒ undefined", () => {
    expect(pickBackend([], Math.random)).toBeUndefined();
    expect(pickBackend([cluster("a", 0), invalid(0)], Math.random)).toBeUndefined();
  });

  it("ends of the random range pick the first and last positive-weight backends", () => {
    const bs = [cluster("z", 0), cluster("a", 1), cluster("m", 0), cluster("b", 1), cluster("y", 0)];
    expect(nameOf(pickBackend(bs, () => 0))).toBe("a");
    expect(nameOf(pickBackend(bs, () => 0.999999999))).toBe("b");
    expect(nameOf(pickBackend(bs, () => 1))).toBe("b");
    expect(nameOf(pickBackend(bs, () => Number.NaN))).toBe("a");
  });

  it("property: a weight-0 (or negative) backend is never chosen", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -2, max: 5 }), { minLength: 1, maxLength: 8 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (weights, r) => {
        const bs = weights.map((w, i) => cluster(`c${i}`, w));
        const got = pickBackend(bs, () => r);
        if (weights.every((w) => w <= 0)) expect(got).toBeUndefined();
        else expect(got !== undefined && got.weight > 0).toBe(true);
      }),
      fcParams(2000),
    );
  });

  it("shares stay within tolerance of weight / sum over many seeded draws, invalid share included", () => {
    const bs = [cluster("a", 70), cluster("b", 20), cluster("zero", 0), invalid(10)];
    const random = seededRandom(7);
    const counts = new Map<string, number>();
    const draws = 100_000;
    for (let i = 0; i < draws; i++) {
      const n = nameOf(pickBackend(bs, random))!;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect(counts.get("zero")).toBeUndefined();
    expect(Math.abs((counts.get("a") ?? 0) / draws - 0.7)).toBeLessThan(0.01);
    expect(Math.abs((counts.get("b") ?? 0) / draws - 0.2)).toBeLessThan(0.01);
    expect(Math.abs((counts.get("invalid") ?? 0) / draws - 0.1)).toBeLessThan(0.01);
  });

  it("property: shares follow the weights for random weight sets", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 5 }), fc.integer(), (weights, seed) => {
        const total = weights.reduce((a, b) => a + b, 0);
        const bs = weights.map((w, i) => cluster(`c${i}`, w));
        const random = seededRandom(seed);
        const counts = weights.map(() => 0);
        const draws = 20_000;
        for (let i = 0; i < draws; i++) {
          const b = pickBackend(bs, random);
          if (b !== undefined) counts[bs.indexOf(b)]!++;
        }
        weights.forEach((w, i) => {
          const want = total === 0 ? 0 : w / total;
          expect(Math.abs(counts[i]! / draws - want)).toBeLessThan(0.03);
        });
      }),
      fcParams(30),
    );
  });
});
