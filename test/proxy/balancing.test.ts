// balancing: the proxy's endpoint choice, unit by unit, with injected clocks and random sources —
// which endpoints are usable (ready and not terminating; else serving), round robin and P2C/EWMA
// with a failed attempt's endpoint avoided, the peak-EWMA cost, stats kept across swaps and dropped
// for endpoints that left, and the retry budget's ratio, floor and cap.
import { describe, expect, it } from "vitest";
import type { ClusterIR, EndpointIR } from "../../pkg/ir/types.ts";
import { EndpointChooser } from "../../pkg/proxy/balance/endpoint-chooser.ts";
import { pickP2cEwma } from "../../pkg/proxy/balance/p2c-ewma.ts";
import { RoundRobinCursor } from "../../pkg/proxy/balance/round-robin.ts";
import { endpointKey } from "../../pkg/proxy/endpoint-key.ts";
import { EndpointStats, EndpointStatsTable } from "../../pkg/proxy/balance/endpoint-stats.ts";
import { RetryBudget } from "../../pkg/proxy/stack/retry-budget.ts";

const ep = (n: number, extra: Partial<EndpointIR> = {}): EndpointIR => ({ address: `10.0.0.${n}`, port: 8080, ready: true, serving: true, terminating: false, ...extra });
const clusterOf = (endpoints: EndpointIR[]): ClusterIR => ({ id: "ns/svc:80", namespace: "ns", service: "svc", port: 80, protocol: "http1", endpoints });
/** A random source that returns the given values in turn. */
const seq = (...xs: number[]): () => number => {
  let i = 0;
  return () => xs[i++ % xs.length]!;
};

describe("usable endpoints", () => {
  it("are the ready, non-terminating ones; when none is, the serving ones; else none", () => {
    const ready = ep(1);
    const readyTerminating = ep(2, { terminating: true });
    const notReady = ep(3, { ready: false, serving: false });
    const servingTerminating = ep(4, { ready: false, terminating: true });
    const rr = new EndpointChooser("round-robin", Math.random);
    const c = clusterOf([ready, readyTerminating, notReady, servingTerminating]);
    expect(rr.usableCount(c)).toBe(1);
    expect([1, 2, 3].map(() => rr.choose(c)?.endpoint)).toEqual([ready, ready, ready]);
    const fallback = clusterOf([readyTerminating, notReady, servingTerminating]);
    expect(rr.usableCount(fallback)).toBe(2);
    expect(new Set([1, 2, 3, 4].map(() => rr.choose(fallback)?.endpoint))).toEqual(new Set([readyTerminating, servingTerminating]));
    expect(rr.choose(clusterOf([notReady]))).toBeUndefined();
    expect(new EndpointChooser("p2c-ewma", Math.random).choose(clusterOf([notReady]))).toBeUndefined();
  });

  it("are computed once per cluster object: a swapped-in cluster object is looked at anew", () => {
    const a = ep(1);
    const b = ep(2);
    const chooser = new EndpointChooser("round-robin", Math.random);
    const first = clusterOf([a]);
    expect(chooser.choose(first)?.endpoint).toBe(a);
    expect(chooser.choose(clusterOf([b]))?.endpoint).toBe(b);
    // The cursor lives with the cluster object: rotation continues on the same object.
    const both = clusterOf([a, b]);
    expect([1, 2, 3, 4].map(() => chooser.choose(both)?.endpoint)).toEqual([a, b, a, b]);
  });

  it("find gives a usable endpoint by its address:port key (IPv6 in brackets), never an unusable one", () => {
    const v6 = ep(0, { address: "fd00::1" });
    const down = ep(9, { ready: false, serving: false });
    const chooser = new EndpointChooser("p2c-ewma", () => 0);
    const c = clusterOf([ep(1), v6, down]);
    expect(endpointKey("fd00::1", 8080)).toBe("[fd00::1]:8080");
    expect(chooser.find(c, "[fd00::1]:8080")?.endpoint).toBe(v6);
    expect(chooser.find(c, "10.0.0.1:8080")?.endpoint).toEqual(ep(1));
    expect(chooser.find(c, "10.0.0.9:8080")).toBeUndefined();
    expect(chooser.find(c, "10.0.0.1:8081")).toBeUndefined();
    expect(chooser.find(c, "10.0.0.1:8080")?.stats).toBe(chooser.stats.get("10.0.0.1:8080"));
  });
});

describe("round robin", () => {
  it("rotates, and skips the avoided endpoint when there is another", () => {
    const [a, b, c] = [ep(1), ep(2), ep(3)];
    const cur = new RoundRobinCursor();
    expect([0, 1, 2, 3].map(() => cur.pick([a, b, c], undefined))).toEqual([0, 1, 2, 0]);
    expect(cur.pick([a, b, c], b)).toBe(2); // next was b (index 1): moved on to c
    expect(cur.pick([a, b, c], b)).toBe(0);
    expect(cur.pick([a], a)).toBe(0); // the only one is used even when avoided
    expect(new RoundRobinCursor().pick([], undefined)).toBe(-1);
  });

  it("the chooser uses round robin when asked, P2C otherwise", () => {
    const [a, b] = [ep(1), ep(2)];
    const c = clusterOf([a, b]);
    const rr = new EndpointChooser("round-robin", () => 0);
    expect([1, 2, 3].map(() => rr.choose(c)?.endpoint)).toEqual([a, b, a]);
    // P2C with random() = 0 always compares (a, b); equal costs pick a.
    const p2c = new EndpointChooser("p2c-ewma", () => 0);
    expect([1, 2, 3].map(() => p2c.choose(c)?.endpoint)).toEqual([a, a, a]);
    expect(p2c.choose(c, a)?.endpoint).toBe(b);
  });
});

describe("P2C over peak-EWMA cost", () => {
  const stats = (...costs: number[]): EndpointStats[] =>
    costs.map((ms) => {
      const s = new EndpointStats();
      s.ewmaMs = ms;
      return s;
    });
  it("draws two distinct candidates and takes the cheaper (ties to the first)", () => {
    const eps = [ep(1), ep(2), ep(3)];
    // random 0.5 → a = 1; random 0.5 → b = floor(0.5 × 2) = 1 ≥ a ⇒ 2.
    expect(pickP2cEwma(eps, stats(0, 10, 5), seq(0.5, 0.5), undefined)).toBe(2);
    expect(pickP2cEwma(eps, stats(0, 5, 10), seq(0.5, 0.5), undefined)).toBe(1);
    expect(pickP2cEwma(eps, stats(0, 5, 5), seq(0.5, 0.5), undefined)).toBe(1);
    // random 0.9 → a = 2; random 0.2 → b = 0 (< a, kept).
    expect(pickP2cEwma(eps, stats(7, 0, 3), seq(0.9, 0.2), undefined)).toBe(2);
    expect(pickP2cEwma(eps, stats(3, 0, 7), seq(0.9, 0.2), undefined)).toBe(0);
  });
  it("the second draw covers the other n-1 candidates: it never equals the first", () => {
    const eps = [ep(1), ep(2), ep(3)];
    // random 0.9 → a = 2; random 0.9 → b = floor(0.9 × 2) = 1 (< a): candidates 2 and 1, 1 is cheaper.
    expect(pickP2cEwma(eps, stats(0, 1, 9), seq(0.9, 0.9), undefined)).toBe(1);
  });
  it("an avoided endpoint that was not drawn changes nothing: the cheaper of the two still wins", () => {
    const eps = [ep(1), ep(2), ep(3)];
    expect(pickP2cEwma(eps, stats(0, 9, 1), seq(0.5, 0.5), eps[0])).toBe(2);
  });
  it("a random source returning 1 (out of contract) still yields a candidate", () => {
    const eps = [ep(1), ep(2), ep(3)];
    expect(pickP2cEwma(eps, stats(5, 0, 5), () => 1, undefined)).toBe(2);
    expect(pickP2cEwma(eps, stats(5, 9, 0), seq(0.5, 1), undefined)).toBe(2);
  });
  it("returns the avoided endpoint's rival whichever side it was drawn on", () => {
    const eps = [ep(1), ep(2), ep(3)];
    expect(pickP2cEwma(eps, stats(0, 0, 99), seq(0.5, 0.5), eps[1])).toBe(2);
    expect(pickP2cEwma(eps, stats(0, 0, 99), seq(0.5, 0.5), eps[2])).toBe(1);
    expect(pickP2cEwma(eps, stats(0, 0, 0), seq(0.5, 0.5), eps[0])).toBe(1);
  });
  it("with one candidate gives it, with none gives -1", () => {
    expect(pickP2cEwma([ep(1)], stats(5), Math.random, ep(1))).toBe(0);
    expect(pickP2cEwma([], [], Math.random, undefined)).toBe(-1);
  });
  it("never leaves the candidates, for random() up to just below 1", () => {
    const eps = [ep(1), ep(2), ep(3), ep(4)];
    for (const r of [0, 0.25, 0.5, 0.75, 0.999999])
      for (const r2 of [0, 0.5, 0.999999]) {
        const i = pickP2cEwma(eps, stats(1, 2, 3, 4), seq(r, r2), undefined);
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThan(4);
      }
  });
});

describe("peak-EWMA stats", () => {
  it("jump up at once, decay toward lower observations with a 10 s time constant", () => {
    const s = new EndpointStats();
    s.observe(100, 0);
    expect(s.ewmaMs).toBe(100);
    s.observe(200, 1_000);
    expect(s.ewmaMs).toBe(200); // a peak is taken as is
    s.observe(0, 11_000); // 10 s later: weight e^-1 on the old value
    expect(s.ewmaMs).toBeCloseTo(200 * Math.exp(-1), 6);
    const before = s.ewmaMs;
    s.observe(50, 11_000); // no time passed: the old value keeps all its weight
    expect(s.ewmaMs).toBeCloseTo(before, 9);
    s.observe(before, 10_000); // equal observation (a clock step back counts as no time): unchanged
    expect(s.ewmaMs).toBeCloseTo(before, 9);
    const t = new EndpointStats();
    t.observe(200, 0);
    t.observe(100, 10_000); // a lower latency pulls the average down by weight 1 - e^-1
    expect(t.ewmaMs).toBeCloseTo(200 * Math.exp(-1) + 100 * (1 - Math.exp(-1)), 6);
  });
  it("a failure counts as max(250 ms, twice the current EWMA)", () => {
    const s = new EndpointStats();
    s.observeFailure(0);
    expect(s.ewmaMs).toBe(250);
    s.observeFailure(0);
    expect(s.ewmaMs).toBe(500);
  });
  it("cost is (EWMA + 1) × (in-flight + 1)", () => {
    const s = new EndpointStats();
    expect(s.cost()).toBe(1);
    s.ewmaMs = 9;
    s.inflight = 3;
    expect(s.cost()).toBe(40);
  });
  it("the table keeps one stats object per key and forgets keys that left", () => {
    const t = new EndpointStatsTable();
    const a = t.get("a:1");
    expect(t.get("a:1")).toBe(a);
    t.get("b:1");
    t.retain(new Set(["a:1"]));
    expect(t.get("a:1")).toBe(a);
    const chooser = new EndpointChooser("p2c-ewma", () => 0);
    const kept = chooser.stats.get(endpointKey("10.0.0.1", 8080));
    const gone = chooser.stats.get(endpointKey("10.0.0.2", 8080));
    chooser.retain([clusterOf([ep(1)])]);
    expect(chooser.stats.get(endpointKey("10.0.0.1", 8080))).toBe(kept);
    expect(chooser.stats.get(endpointKey("10.0.0.2", 8080))).not.toBe(gone);
  });
});

describe("retry budget", () => {
  it("starts with one second of floor, then each retry spends a token", () => {
    const b = new RetryBudget({ floorPerSecond: 2, ratio: 0.5 }, 0);
    expect([b.tryRetry(0), b.tryRetry(0), b.tryRetry(0)]).toEqual([true, true, false]);
  });
  it("every request deposits `ratio` tokens (default 20%), capped at `max` (default 1000)", () => {
    const b = new RetryBudget({ floorPerSecond: 0 }, 0);
    for (let i = 0; i < 9; i++) b.onRequest();
    expect([b.tryRetry(0), b.tryRetry(0)]).toEqual([true, false]); // 9 × 0.2 = 1.8 tokens: one retry, not two
    b.onRequest(); // 0.8 + 0.2 = 1 token (floating point): one more
    expect([b.tryRetry(0), b.tryRetry(0)]).toEqual([true, false]);
    const capped = new RetryBudget({ floorPerSecond: 0, ratio: 1, max: 3 }, 0);
    for (let i = 0; i < 10; i++) capped.onRequest();
    expect([1, 2, 3, 4].map(() => capped.tryRetry(0))).toEqual([true, true, true, false]);
    const big = new RetryBudget({ floorPerSecond: 0, ratio: 1 }, 0);
    for (let i = 0; i < 1500; i++) big.onRequest();
    let n = 0;
    while (big.tryRetry(0)) n++;
    expect(n).toBe(1000);
  });
  it("the floor refills with time, at most one second's worth, never while time stands still", () => {
    const b = new RetryBudget({ floorPerSecond: 4, ratio: 0 }, 0);
    for (let i = 0; i < 4; i++) expect(b.tryRetry(0)).toBe(true);
    expect(b.tryRetry(0)).toBe(false);
    expect(b.tryRetry(250)).toBe(true); // 0.25 s × 4/s = 1 token
    expect(b.tryRetry(250)).toBe(false);
    expect(b.tryRetry(100)).toBe(false); // the clock going back refills nothing
    expect([1, 2, 3, 4, 5].map(() => b.tryRetry(60_000))).toEqual([true, true, true, true, false]); // idle time does not bank more than the floor
  });
  it("the floor does not top up a budget that traffic filled above it", () => {
    const b = new RetryBudget({ floorPerSecond: 1, ratio: 1 }, 0);
    for (let i = 0; i < 5; i++) b.onRequest(); // 1 + 5 = 6 tokens
    let n = 0;
    while (b.tryRetry(10_000)) n++;
    expect(n).toBe(6);
  });
});
