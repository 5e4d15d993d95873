// validation-edges: translate's checks at their exact limits, written against mutants that survived
// the golden corpus and the properties: hostname length (253) and label length (63), a Gateway
// parentRef needs both the Gateway API group and kind Gateway, a core-group backendRef of another kind
// is InvalidKind, and `kubernetes.io/grpc` is a gRPC appProtocol.
import { describe, expect, it } from "vitest";
import { checkHostname } from "../../pkg/translate/hostnames.ts";
import { parentTarget } from "../../pkg/translate/parent-refs.ts";
import { protocolOf } from "../../pkg/ir/app-protocol.ts";
import { resolveBackendRef } from "../../pkg/translate/backend-refs.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, cond, gwRef, httpRoute, service } from "./builders.ts";

const label = (n: number): string => "a".repeat(n);

describe("hostname limits", () => {
  it("accepts 253 characters and 63-character labels, refuses one more of either, and the empty name", () => {
    const name253 = [label(63), label(63), label(63), label(61)].join(".");
    expect(name253).toHaveLength(253);
    expect(checkHostname(name253)).toBeUndefined();
    expect(checkHostname(`a${name253}`)).toMatch(/must be 1-253 characters/);
    expect(checkHostname("")).toMatch(/must be 1-253 characters/);
    expect(checkHostname(`${label(63)}.example.com`)).toBeUndefined();
    expect(checkHostname(`${label(64)}.example.com`)).toMatch(/is not a valid lower-case DNS name/);
    expect(checkHostname(`*.${label(64)}.com`)).toMatch(/is not a valid lower-case DNS name/);
  });
  it("an over-long route hostname refuses the route (UnsupportedValue), it does not crash or match", () => {
    const r = translate(
      baseGateway({ services: [service("foo")],
        httpRoutes: [httpRoute("r", { parentRefs: [gwRef()], hostnames: [`${label(64)}.example.com`], rules: [{ backendRefs: [{ name: "foo", port: 80 }] }] })] }),
    );
    expect(cond(r, "r", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedValue" });
  });
});

describe("references by group and kind", () => {
  it("a parentRef is a Gateway only with the Gateway API group and kind Gateway; a Service only in the core group", () => {
    expect(parentTarget({ name: "gw" })).toBe("Gateway");
    expect(parentTarget({ name: "gw", group: "example.com", kind: "Gateway" })).toBe("Other");
    expect(parentTarget({ name: "gw", group: "gateway.networking.k8s.io", kind: "Service" })).toBe("Other");
    expect(parentTarget({ name: "svc", group: "", kind: "Service" })).toBe("Service");
    expect(parentTarget({ name: "svc", group: "", kind: "Gateway" })).toBe("Other");
  });
  it("a backendRef in the core group of another kind, or of kind Service in another group, is InvalidKind", () => {
    const ctx = { index: undefined as never, routeKind: "HTTPRoute" as const, routeNamespace: "default", mesh: false };
    expect(resolveBackendRef({ name: "foo", kind: "ConfigMap", port: 80 }, ctx, "b")).toMatchObject({ ok: false, reason: "InvalidKind" });
    expect(resolveBackendRef({ name: "foo", group: "example.com", kind: "Service", port: 80 }, ctx, "b")).toMatchObject({ ok: false, reason: "InvalidKind" });
  });
  it("kubernetes.io/grpc and grpc are gRPC; an empty appProtocol is undeclared", () => {
    expect(protocolOf("kubernetes.io/grpc")).toBe("grpc");
    expect(protocolOf("GRPC")).toBe("grpc");
    expect(protocolOf("")).toBeUndefined();
    expect(protocolOf(undefined)).toBeUndefined();
  });
});
