// programmed-condition: the weft.dev/Programmed decoration of route statuses (pure).
import { describe, expect, it } from "vitest";
import type { Condition, StatusUpdate } from "../../pkg/api/index.ts";
import { PROGRAMMED_CONDITION, withProgrammedConditions } from "../../pkg/status/programmed.ts";
import { acceptedConditions, parents, routeStatus } from "./route-status-fixture.ts";

const { accepted, rejected } = acceptedConditions(3, "NoMatchingParent");
const route = (conditions: Condition[][]) => routeStatus(conditions, 3);

describe("weft.dev/Programmed", () => {
  it("says how many proxies applied the route's generation, per accepted parent", () => {
    const calls: string[] = [];
    const [out] = withProgrammedConditions([route([[accepted], [rejected]])], (key, gen) => {
      calls.push(`${key}@${gen}`);
      return { programmed: 47, total: 50 };
    });
    const [a, b] = parents(out!);
    expect(a!.conditions.find((c) => c.type === PROGRAMMED_CONDITION)).toEqual({
      type: PROGRAMMED_CONDITION,
      status: "False",
      reason: "Pending",
      message: "applied by 47/50 proxies at generation 3",
      observedGeneration: 3,
    });
    expect(b!.conditions.map((c) => c.type)).toEqual(["Accepted"]);
    expect(calls).toEqual(["HTTPRoute/shop/cart@3"]);
  });

  it("is True when every proxy that needs it has it, Unknown when none is connected", () => {
    const all = withProgrammedConditions([route([[accepted]])], () => ({ programmed: 2, total: 2 }));
    expect(parents(all[0]!)[0]!.conditions[1]).toMatchObject({ status: "True", reason: "Programmed", message: "applied by 2/2 proxies at generation 3" });
    const none = withProgrammedConditions([route([[accepted]])], () => ({ programmed: 0, total: 0 }));
    expect(parents(none[0]!)[0]!.conditions[1]).toMatchObject({ status: "Unknown", reason: "NoProxies" });
  });

  it("replaces an older Programmed condition and leaves other kinds untouched", () => {
    const stale = route([[accepted, { type: PROGRAMMED_CONDITION, status: "False", reason: "Pending", message: "applied by 0/1 proxies at generation 2", observedGeneration: 2 }]]);
    const gw: StatusUpdate = { target: { kind: "Gateway", namespace: "shop", name: "gw", generation: 1 }, conditions: [], listeners: [] };
    const out = withProgrammedConditions([stale, gw], () => ({ programmed: 1, total: 1 }));
    expect(parents(out[0]!)[0]!.conditions.filter((c) => c.type === PROGRAMMED_CONDITION)).toHaveLength(1);
    expect(out[1]).toBe(gw);
    expect(parents(stale)[0]!.conditions).toHaveLength(2);
  });
});
