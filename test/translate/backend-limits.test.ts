// backend-limits: a Service's weft.dev/max-connections / max-pending-requests / max-requests annotations
// become its clusters' limits (the same through the endpoint fast path); a bad value is ignored with an
// InvalidBackendLimit diagnostic naming the annotation; a proxy refuses a slice whose limits are out of
// bounds.
import { describe, expect, it } from "vitest";
import type { Service } from "../../pkg/api/index.ts";
import { validateIr } from "../../pkg/ir/index.ts";
import { backendLimitsOf } from "../../pkg/translate/backend-limits.ts";
import { translate, translateEndpoints } from "../../pkg/translate/index.ts";
import { httpRoute, service, snap, svcRef } from "./builders.ts";

function annotated(annotations: Record<string, string>): Service {
  const s = service("web");
  return { ...s, metadata: { ...s.metadata, annotations } };
}

const route = httpRoute("r", { parentRefs: [svcRef("web", { port: 80 })], rules: [{ backendRefs: [{ name: "web", port: 80 }] }] });

describe("backend limits from Service annotations", () => {
  it("become the cluster's limits, also through the endpoint fast path", () => {
    const s = snap({ services: [annotated({ "weft.dev/max-connections": "8", "weft.dev/max-pending-requests": "16", "weft.dev/max-requests": "100" })], httpRoutes: [route] });
    const r = translate(s);
    const c = r.ir.clusters.find((x) => x.id === "default/web:80");
    expect(c?.limits).toEqual({ maxConnections: 8, maxPendingRequests: 16, maxRequests: 100 });
    expect(translateEndpoints(r, s).ir.clusters).toEqual(r.ir.clusters);
    expect(r.diagnostics.filter((d) => d.code === "InvalidBackendLimit")).toEqual([]);
  });
  it("a Service without them gives a cluster without limits (the proxy's defaults apply)", () => {
    const r = translate(snap({ services: [service("web")], httpRoutes: [route] }));
    expect(r.ir.clusters.find((x) => x.id === "default/web:80")).not.toHaveProperty("limits");
  });
  it("a bad value is ignored and reported; the good ones stay", () => {
    const r = translate(snap({ services: [annotated({ "weft.dev/max-connections": "0", "weft.dev/max-requests": "lots", "weft.dev/max-pending-requests": "5" })], httpRoutes: [route] }));
    expect(r.ir.clusters.find((x) => x.id === "default/web:80")?.limits).toEqual({ maxPendingRequests: 5 });
    const d = r.diagnostics.filter((x) => x.code === "InvalidBackendLimit");
    expect(d.map((x) => [x.object, x.path])).toEqual([
      ["Service/default/web", 'metadata.annotations["weft.dev/max-connections"]'],
      ["Service/default/web", 'metadata.annotations["weft.dev/max-requests"]'],
    ]);
    expect(d[0]!.message).toContain("is not an integer 1-1000000");
  });
  it("a proxy refuses a slice whose limits are out of bounds", () => {
    const r = translate(snap({ services: [annotated({ "weft.dev/max-connections": "8" })], httpRoutes: [route] }));
    expect(validateIr(r.ir).ok).toBe(true);
    const bad = { ...r.ir, clusters: r.ir.clusters.map((c) => ({ ...c, limits: { maxConnections: 0 } })) };
    const v = validateIr(bad);
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.reason).toMatch(/limits\.maxConnections: expected integer in \[1, 1000000\]/);
  });
});

describe("backendLimitsOf at its bounds", () => {
  const one = (v: string) => backendLimitsOf(annotated({ "weft.dev/max-requests": v }));
  it("1 and 1000000 are read, surrounding spaces ignored", () => {
    expect(one("1")).toStrictEqual({ limits: { maxRequests: 1 }, problems: [] });
    expect(one(" 1000000 ")).toStrictEqual({ limits: { maxRequests: 1_000_000 }, problems: [] });
  });
  it.each(["0", "1000001", "99999999", "-5", "1.5", "1e3", "0x10", "", " "])("%j is ignored and named", (v) => {
    expect(one(v)).toStrictEqual({
      limits: undefined,
      problems: [{ annotation: "weft.dev/max-requests", message: `weft.dev/max-requests: ${JSON.stringify(v)} is not an integer 1-1000000; the proxy's default applies` }],
    });
  });
  it("a long bad value is quoted by its first 40 characters; no annotations or none of ours give no limits", () => {
    expect(one("9".repeat(100)).problems[0]?.message).toContain(JSON.stringify("9".repeat(40)) + " is not");
    expect(backendLimitsOf(service("web"))).toStrictEqual({ limits: undefined, problems: [] });
    expect(backendLimitsOf(annotated({ "example.com/other": "1" }))).toStrictEqual({ limits: undefined, problems: [] });
    expect(backendLimitsOf(undefined)).toStrictEqual({ limits: undefined, problems: [] });
  });
});
