// label-selector: Kubernetes label selector semantics as allowedRoutes from: Selector uses them
// (spec §6) — matchLabels AND matchExpressions, each operator on a present and an absent key, and a
// malformed selector named precisely (it then matches nothing: allowed-routes.test.ts).
import { describe, expect, it } from "vitest";
import type { LabelSelector } from "../../pkg/api/index.ts";
import { checkSelector, selectorMatches } from "../../pkg/translate/label-selector.ts";

const labels = { team: "a", env: "dev" };
const expr = (operator: string, values?: string[], key = "env"): LabelSelector => ({ matchExpressions: [{ key, operator, ...(values === undefined ? {} : { values }) }] });

describe("checkSelector", () => {
  it("In and NotIn need values; Exists and DoesNotExist take none; other operators are unknown", () => {
    expect(checkSelector(expr("In", ["dev"]))).toStrictEqual({ ok: true });
    expect(checkSelector(expr("NotIn", ["dev"]))).toStrictEqual({ ok: true });
    expect(checkSelector(expr("Exists"))).toStrictEqual({ ok: true });
    expect(checkSelector(expr("DoesNotExist", []))).toStrictEqual({ ok: true });
    expect(checkSelector(expr("In", []))).toStrictEqual({ ok: false, message: "matchExpressions[0]: operator In needs values" });
    expect(checkSelector(expr("NotIn"))).toStrictEqual({ ok: false, message: "matchExpressions[0]: operator NotIn needs values" });
    expect(checkSelector(expr("Exists", ["x"]))).toStrictEqual({ ok: false, message: "matchExpressions[0]: operator Exists takes no values" });
    expect(checkSelector(expr("DoesNotExist", ["x"]))).toStrictEqual({ ok: false, message: "matchExpressions[0]: operator DoesNotExist takes no values" });
    expect(checkSelector(expr("in", ["dev"]))).toStrictEqual({ ok: false, message: 'matchExpressions[0]: unknown operator "in"' });
  });
  it("names the first bad expression by its index", () => {
    const sel = { matchExpressions: [{ key: "a", operator: "Exists" }, { key: "b", operator: "Near" }] };
    expect(checkSelector(sel)).toStrictEqual({ ok: false, message: 'matchExpressions[1]: unknown operator "Near"' });
    expect(checkSelector({})).toStrictEqual({ ok: true });
  });
});

describe("selectorMatches", () => {
  it("an empty selector matches everything; matchLabels need every pair", () => {
    expect(selectorMatches({}, {})).toBe(true);
    expect(selectorMatches({ matchLabels: { team: "a" } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { team: "a", env: "prod" } }, labels)).toBe(false);
    expect(selectorMatches({ matchLabels: { zone: "" } }, labels)).toBe(false);
  });
  it.each([
    ["In", ["dev", "qa"], "env", true],
    ["In", ["prod"], "env", false],
    ["In", ["dev"], "absent", false],
    ["NotIn", ["prod"], "env", true],
    ["NotIn", ["dev"], "env", false],
    ["NotIn", ["dev"], "absent", true],
    ["Exists", undefined, "env", true],
    ["Exists", undefined, "absent", false],
    ["DoesNotExist", undefined, "env", false],
    ["DoesNotExist", undefined, "absent", true],
  ] as const)("%s %j on key %s ⇒ %s", (op, values, key, want) => {
    expect(selectorMatches(expr(op, values === undefined ? undefined : [...values], key), labels)).toBe(want);
  });
  it("an unknown operator that skipped checkSelector matches nothing", () => {
    expect(selectorMatches(expr("Near", ["dev"]), labels)).toBe(false);
  });
  it("every expression must hold, together with matchLabels", () => {
    const sel = { matchLabels: { team: "a" }, matchExpressions: [{ key: "env", operator: "Exists" }, { key: "env", operator: "NotIn", values: ["dev"] }] };
    expect(selectorMatches(sel, labels)).toBe(false);
    expect(selectorMatches(sel, { team: "a", env: "qa" })).toBe(true);
    expect(selectorMatches(sel, { team: "b", env: "qa" })).toBe(false);
  });
});
