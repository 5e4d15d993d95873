// status-merge: property and example tests for pkg/status merges and the write plan.
// Proves: merge is idempotent (also at a later clock), other controllers' entries are never dropped
// or edited, ≤32 parents, lastTransitionTime moves only on a status/reason change, and the plan
// says "no write" once the merged status is stored and "stale" for an older generation.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Condition, RouteParentStatus, RouteStatus, StatusUpdate } from "../../pkg/api/index.ts";
import { MAX_PARENTS, mergeConditions, mergeGatewayStatus, mergeRouteStatus, planStatus } from "../../pkg/status/index.ts";

const ME = "weft.dev/gateway-controller";
const T1 = "2026-01-01T00:00:00Z";
const T2 = "2026-01-02T00:00:00Z";

const arbCondition: fc.Arbitrary<Condition> = fc.record({
  type: fc.constantFrom("Accepted", "ResolvedRefs", "PartiallyInvalid", "Programmed"),
  status: fc.constantFrom("True", "False", "Unknown"),
  reason: fc.constantFrom("Accepted", "RefNotPermitted", "BackendNotFound", "Pending"),
  message: fc.constantFrom("", "ok", "backend missing"),
  observedGeneration: fc.integer({ min: 1, max: 5 }),
  lastTransitionTime: fc.constantFrom("2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z"),
});
const arbParentRef = fc.record(
  { name: fc.constantFrom("gw", "gw2", "reviews"), sectionName: fc.constantFrom("http", "https"), namespace: fc.constantFrom("a", "b") },
  { requiredKeys: ["name"] },
);
const arbParent = (controller: fc.Arbitrary<string>): fc.Arbitrary<RouteParentStatus> =>
  fc.record({ parentRef: arbParentRef, controllerName: controller, conditions: fc.array(arbCondition, { maxLength: 4 }) });
const arbLive: fc.Arbitrary<RouteStatus> = fc.record({
  parents: fc.array(arbParent(fc.constantFrom(ME, "example.com/other", "istio.io/x")), { maxLength: 40 }),
});
const arbOurs = fc.array(arbParent(fc.constant(ME)), { maxLength: 40 });
const ctx = (now: string, generation = 3) => ({ controllerName: ME, namespace: "a", generation, now });

describe("mergeRouteStatus (spec §4)", () => {
  it("is idempotent, also when applied again later", () => {
    fc.assert(fc.property(arbLive, arbOurs, (live, ours) => {
      const once = mergeRouteStatus(live, ours, ctx(T1));
      expect(mergeRouteStatus(once, ours, ctx(T1))).toEqual(once);
      expect(mergeRouteStatus(once, ours, ctx(T2))).toEqual(once);
    }));
  });

  it("never drops, edits or reorders other controllers' entries, and keeps ≤32 parents", () => {
    fc.assert(fc.property(arbLive, arbOurs, (live, ours) => {
      const merged = mergeRouteStatus(live, ours, ctx(T1));
      const othersBefore = live.parents.filter((p) => p.controllerName !== ME);
      const othersAfter = merged.parents.filter((p) => p.controllerName !== ME);
      expect(othersAfter).toEqual(othersBefore);
      if (othersBefore.length <= MAX_PARENTS) expect(merged.parents.length).toBeLessThanOrEqual(MAX_PARENTS);
      for (const p of merged.parents.filter((q) => q.controllerName === ME)) {
        expect(p.conditions.length).toBeLessThanOrEqual(8);
        for (const c of p.conditions) expect(c.observedGeneration).toBe(3);
      }
    }));
  });

  it("replaces our entry per parentRef and removes entries for parentRefs we no longer report", () => {
    const live: RouteStatus = {
      parents: [
        { parentRef: { name: "old" }, controllerName: ME, conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "" }] },
        { parentRef: { name: "gw" }, controllerName: "example.com/other", conditions: [] },
      ],
    };
    const merged = mergeRouteStatus(live, [{ parentRef: { name: "gw" }, controllerName: ME, conditions: [] }], ctx(T1));
    expect(merged.parents.map((p) => [p.parentRef.name, p.controllerName])).toEqual([
      ["gw", "example.com/other"],
      ["gw", ME],
    ]);
  });

  it("treats a parentRef with defaults spelled out as the same parent", () => {
    const cond: Condition = { type: "Accepted", status: "True", reason: "Accepted", message: "" };
    const live: RouteStatus = {
      parents: [{ parentRef: { name: "gw" }, controllerName: ME, conditions: [{ ...cond, lastTransitionTime: T1, observedGeneration: 1 }] }],
    };
    const spelled = { group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "a", name: "gw" };
    const merged = mergeRouteStatus(live, [{ parentRef: spelled, controllerName: ME, conditions: [cond] }], ctx(T2));
    expect(merged.parents[0]?.conditions[0]?.lastTransitionTime).toBe(T1);
  });
});

describe("mergeConditions", () => {
  it("keeps lastTransitionTime only when status and reason are unchanged", () => {
    fc.assert(fc.property(arbCondition, fc.constantFrom("True", "False", "Unknown"), fc.constantFrom("Accepted", "Pending"), (prev, status, reason) => {
      const [out] = mergeConditions([prev], [{ type: prev.type, status, reason, message: "m" }], 7, T2);
      const same = prev.status === status && prev.reason === reason;
      expect(out?.lastTransitionTime).toBe(same ? prev.lastTransitionTime : T2);
      expect(out?.observedGeneration).toBe(7);
    }));
  });
});

describe("planStatus", () => {
  const route = (parents: readonly unknown[], generation = 2) => ({ metadata: { namespace: "a", generation }, status: { parents } });
  const update = (generation: number): StatusUpdate => ({
    target: { kind: "HTTPRoute", namespace: "a", name: "r", generation },
    parents: [{ parentRef: { name: "gw" }, controllerName: ME, conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "" }] }],
  });

  it("writes once, then reports unchanged for the stored result, even later", () => {
    fc.assert(fc.property(arbLive, (live) => {
      const first = planStatus(route(live.parents), update(2), ME, T1);
      const stored = first.write ? first.status : { parents: live.parents };
      const second = planStatus({ metadata: { namespace: "a", generation: 2 }, status: stored }, update(2), ME, T2);
      expect(second.write).toBe(false);
    }));
  });

  it("does not overwrite a status written for a newer generation", () => {
    const newer = [{ parentRef: { name: "gw" }, controllerName: ME, conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "", observedGeneration: 5 }] }];
    expect(planStatus(route(newer, 5), update(4), ME, T1)).toEqual({ write: false, reason: "stale" });
    expect(planStatus(route(newer, 6), update(6), ME, T1).write).toBe(true);
  });

  it("merges gateway listener conditions per listener and keeps unchanged transition times", () => {
    const gw: Extract<StatusUpdate, { target: { kind: "Gateway" } }> = {
      target: { kind: "Gateway", namespace: "a", name: "g", generation: 1 },
      conditions: [{ type: "Programmed", status: "True", reason: "Programmed", message: "" }],
      listeners: [{ name: "http", supportedKinds: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute" }], attachedRoutes: 2,
        conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "" }] }],
    };
    const once = mergeGatewayStatus(undefined, gw, T1);
    const again = mergeGatewayStatus(once, gw, T2);
    expect(again).toEqual(once);
    const plan = planStatus({ status: once }, gw, ME, T2);
    expect(plan.write).toBe(false);
    const moved = planStatus({ status: once }, { ...gw, listeners: [{ ...gw.listeners[0]!, attachedRoutes: 3 }] }, ME, T2);
    expect(moved.write).toBe(true);
  });
});

describe("parentRef spelling", () => {
  it("keeps the server-defaulted spelling of our parentRef so nothing is rewritten", () => {
    const cond: Condition = { type: "Accepted", status: "True", reason: "Accepted", message: "", observedGeneration: 3, lastTransitionTime: T1 };
    const stored = { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" };
    const live = { metadata: { namespace: "a", generation: 3 }, status: { parents: [{ parentRef: stored, controllerName: ME, conditions: [cond] }] } };
    const plan = planStatus(live, { target: { kind: "HTTPRoute", namespace: "a", name: "r", generation: 3 }, parents: [{ parentRef: { name: "gw" }, controllerName: ME, conditions: [cond] }] }, ME,
      T2);
    expect(plan).toEqual({ write: false, reason: "unchanged" });
  });
});
