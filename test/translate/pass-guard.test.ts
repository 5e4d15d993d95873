// pass-guard: what a bug inside translate leaves behind — one object's failure becomes an
// ObjectInternalError diagnostic naming the object and the error (pass-context.ts guard), a failure of
// the whole pass an empty IR, no status and one InternalError (index.ts); the fast endpoint path falls
// back to a full translate when it cannot run.
import { describe, expect, it } from "vitest";
import type { ResourceSnapshot } from "../../pkg/api/index.ts";
import { translate, translateEndpoints } from "../../pkg/translate/index.ts";
import { guard, startPass } from "../../pkg/translate/pass-context.ts";
import { baseGateway } from "./builders.ts";

describe("guard (one object)", () => {
  it("a throw becomes undefined and one ObjectInternalError naming the object, the step and the error", () => {
    const ctx = startPass(baseGateway(), {});
    expect(guard(ctx, "Gateway/default/gw", "status", () => {
      throw new RangeError("boom");
    })).toBeUndefined();
    expect(guard(ctx, "Service/default/foo", "translation", () => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown non-Error is what this case is about
      throw "x".repeat(400);
    })).toBeUndefined();
    expect(guard(ctx, "Service/default/ok", "translation", () => 7)).toBe(7);
    expect(ctx.diags.sorted()).toStrictEqual([
      { severity: "error", code: "ObjectInternalError", object: "Gateway/default/gw", message: "status failed: RangeError: boom" },
      { severity: "error", code: "ObjectInternalError", object: "Service/default/foo", message: `translation failed: ${"x".repeat(300)}` },
    ]);
  });
});

describe("a failed pass", () => {
  it("gives an empty IR, no status and one InternalError naming the error", () => {
    const r = translate(null as unknown as ResourceSnapshot);
    expect(r.statuses).toStrictEqual([]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]?.message).toMatch(/^translate failed: TypeError: /);
  });
  it("the endpoint fast path falls back to a full translate when the snapshot breaks it", () => {
    const prev = translate(baseGateway());
    const broken = { ...baseGateway(), services: 5 } as unknown as ResourceSnapshot;
    expect(translateEndpoints(prev, broken)).toStrictEqual(translate(broken));
  });
});
