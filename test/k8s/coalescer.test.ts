// coalescer: proves the 100 ms window / extension / 500 ms cap rule with a fake clock, that a batch
// carries every kind touched, and that the endpoints-only flag is set exactly when only
// EndpointSlices/Pods changed.
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SnapshotKind } from "../../pkg/api/index.ts";
import { createCoalescer, type Batch } from "../../pkg/k8s/coalescer.ts";
import { createBackoff } from "../../pkg/k8s/backoff.ts";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("createCoalescer", () => {
  it("emits once 100 ms after a single event", () => {
    const got: Batch[] = [];
    const c = createCoalescer((b) => got.push(b));
    c.touch("httpRoutes");
    vi.advanceTimersByTime(99);
    expect(got).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(got).toHaveLength(1);
    expect([...got[0]!.kinds]).toEqual(["httpRoutes"]);
    expect(got[0]!.endpointsOnly).toBe(false);
  });

  it("extends the window with each event but never beyond 500 ms after the first", () => {
    const got: Batch[] = [];
    const c = createCoalescer((b) => got.push(b));
    c.touch("services");
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(50);
      if (got.length === 0) c.touch("endpointSlices");
    }
    expect(got).toHaveLength(1);
    expect(got[0]!.events).toBe(10);
  });

  it("property: every touched kind is delivered exactly once, in batches no longer than the cap", () => {
    const kinds: SnapshotKind[] = ["gateways", "httpRoutes", "endpointSlices", "pods", "services"];
    fc.assert(fc.property(fc.array(fc.record({ kind: fc.constantFrom(...kinds), gap: fc.integer({ min: 0, max: 300 }) }), { minLength: 1, maxLength: 40 }), (steps) => {
      const got: { batch: Batch; at: number }[] = [];
      const start = Date.now();
      const c = createCoalescer((batch) => got.push({ batch, at: Date.now() - start }));
      let firstOfBatch: number | undefined;
      const spans: number[] = [];
      for (const s of steps) {
        const before = got.length;
        vi.advanceTimersByTime(s.gap);
        if (got.length > before && firstOfBatch !== undefined) {
          spans.push(got[got.length - 1]!.at - firstOfBatch);
          firstOfBatch = undefined;
        }
        firstOfBatch ??= Date.now() - start;
        c.touch(s.kind);
      }
      vi.advanceTimersByTime(1000);
      const total = got.reduce((n, g) => n + g.batch.events, 0);
      expect(total).toBe(steps.length);
      for (const g of got) {
        const only = [...g.batch.kinds].every((k) => k === "endpointSlices" || k === "pods");
        expect(g.batch.endpointsOnly).toBe(only);
      }
      for (const span of spans) expect(span).toBeLessThanOrEqual(500);
      c.close();
    }));
  });

  it("does not emit after close and survives a throwing consumer", () => {
    const errors: unknown[] = [];
    let calls = 0;
    const c = createCoalescer(() => {
      calls++;
      throw new Error("boom");
    }, { onError: (e) => errors.push(e) });
    c.touch("pods");
    vi.advanceTimersByTime(100);
    expect(calls).toBe(1);
    expect(errors).toHaveLength(1);
    c.touch("pods");
    c.close();
    vi.advanceTimersByTime(1000);
    expect(calls).toBe(1);
  });
});

describe("createBackoff", () => {
  it("grows, stays within [cap/2, cap] and resets", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 1, maxLength: 30 }), (rs) => {
      let i = 0;
      const b = createBackoff({ baseMs: 100, maxMs: 5000, random: () => rs[i++ % rs.length]! });
      for (let n = 0; n < rs.length; n++) {
        const cap = Math.min(5000, 100 * 2 ** n);
        const d = b.next();
        expect(d).toBeGreaterThanOrEqual(Math.floor(cap / 2));
        expect(d).toBeLessThanOrEqual(cap);
      }
      b.reset();
      expect(b.next()).toBeLessThanOrEqual(100);
    }));
  });
});
