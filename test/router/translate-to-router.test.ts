// translate-to-router: end to end over the real translate — manifests (fixtures/translate-to-router.yaml)
// → translate (sorts by precedence) → compileGateway / compileMesh → matchRoute → backend cluster.
// Proves translate's order and the router's first-wins agree on the spec §8 consequences, hostname
// selection (§7), gRPC (§9) and producer/consumer routes (GAMMA §2).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildSnapshot, parseManifests } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { compileGateway, compileMesh, lookupMeshDestination, matchRoute, selectListener } from "../../pkg/router/index.ts";
import { request, type RequestSpec } from "./builders.ts";

const parsed = parseManifests(readFileSync(join(import.meta.dirname, "fixtures/translate-to-router.yaml"), "utf8"), "fixture");
const result = translate(buildSnapshot(parsed.objects));
const gwIR = result.ir.gateways.find((g) => g.name === "gw");

function clusterOf(routes: Parameters<typeof matchRoute>[0], spec: RequestSpec): string | undefined {
  const hit = matchRoute(routes, request(spec));
  const b = hit?.rule.backends[0];
  return b === undefined ? (hit === undefined ? undefined : "(no backend)") : b.kind === "cluster" ? b.cluster : `invalid:${b.reason}`;
}

describe("translate → router, gateway", () => {
  it("the fixture parses and translates without errors", () => {
    expect(parsed.errors).toEqual([]);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(gwIR).toBeDefined();
  });

  const at = (spec: RequestSpec): string | undefined => {
    const sel = selectListener(compileGateway(gwIR!), 80, spec.host ?? "example.com");
    return sel === undefined ? undefined : clusterOf(sel.routes, { host: "example.com", ...spec });
  };

  it.each<[string, RequestSpec, string | undefined]>([
    ["longer prefix beats a method match", { method: "PATCH", path: "/path5" }, "default/prefix:80"],
    ["method beats headers", { method: "PATCH", path: "/", headers: { version: "four" } }, "default/method:80"],
    ["headers beat query params", { path: "/", headers: { version: "four" }, query: "animal=hydra" }, "default/header:80"],
    ["query param match", { path: "/", query: "animal=hydra" }, "default/query:80"],
    ["/ with a header beats plain /", { path: "/", headers: { version: "two" } }, "default/two:80"],
    ["oldest route wins a full tie", { path: "/anything" }, "default/root:80"],
    ["exact beats any prefix, across routes", { path: "/path5/exact" }, "default/exact:80"],
    ["wildcard hostname route", { host: "foo.example.com", path: "/x" }, "default/wild:80"],
    ["no route for the host ⇒ 404", { host: "other.org", path: "/" }, undefined],
    ["gRPC method match", { host: "grpc.example.org", path: "/echo.Echo/Say", method: "POST", grpc: true }, "default/grpc:80"],
    ["unmatched gRPC method ⇒ UNIMPLEMENTED", { host: "grpc.example.org", path: "/echo.Echo/Other", method: "POST", grpc: true }, undefined],
  ])("%s", (_name, spec, want) => {
    expect(at(spec)).toBe(want);
  });
});

describe("translate → router, mesh (GAMMA)", () => {
  const routeFor = (clientNs: string, spec: RequestSpec): string | undefined => {
    const dest = lookupMeshDestination(compileMesh(result.ir.services, clientNs), "10.96.1.1", 9080);
    if (dest === undefined) return "(not a mesh destination)";
    return dest.routes === undefined ? `default:${dest.port.cluster}` : clusterOf(dest.routes, spec);
  };

  it("a client in the consumer route's namespace gets the consumer route only", () => {
    expect(routeFor("frontend", { headers: { "x-canary": "1" } })).toBe("frontend/reviews-canary:9080");
    // Consumer routes replace producer routes for that namespace: no canary header ⇒ no match.
    expect(routeFor("frontend", { path: "/v2" })).toBeUndefined();
  });

  it("other clients get the producer routes", () => {
    expect(routeFor("shop", { path: "/v2/x" })).toBe("shop/reviews-v2:9080");
    expect(routeFor("elsewhere", { path: "/other" })).toBe("shop/reviews:9080");
  });

  it("a Service port without routes forwards to its own cluster", () => {
    const dest = lookupMeshDestination(compileMesh(result.ir.services, "shop"), "10.96.1.2", 9080);
    expect(dest?.routes).toBeUndefined();
    expect(dest?.port.cluster).toBe("shop/reviews-v2:9080");
  });
});
