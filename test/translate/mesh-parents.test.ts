// mesh-parents: which ports of a Service parent a route attaches to (spec §1.7) and why it does not,
// message by message — port, port name, both, neither (only non-TCP ports); SCTP and UDP ports carry
// no HTTP; the table group: "" for a producer route, the route's namespace for a consumer route (§2).
import { describe, expect, it } from "vitest";
import type { ParentReference } from "../../pkg/api/index.ts";
import { attachToService, meshGroup } from "../../pkg/translate/mesh-parents.ts";
import { service, svcRef } from "./builders.ts";

const svc = service("reviews", "default", [{ name: "http", port: 80 }, { name: "admin", port: 9090, protocol: "TCP" }, { name: "sctp", port: 7000, protocol: "SCTP" }]);
const portsOf = (p: ParentReference, ns = "default") => {
  const a = attachToService(svc, p, ns);
  return a.ok ? { ports: a.ports.map((sp) => sp.port), group: a.group } : a.problem;
};

describe("attachToService (spec §1.7)", () => {
  it("neither port nor name: every TCP port (the protocol defaults to TCP), no SCTP port", () => {
    expect(portsOf(svcRef("reviews"))).toStrictEqual({ ports: [80, 9090], group: "" });
  });
  it("port, name, or both naming one port select it", () => {
    expect(portsOf(svcRef("reviews", { port: 9090 }))).toStrictEqual({ ports: [9090], group: "" });
    expect(portsOf(svcRef("reviews", { sectionName: "http" }))).toStrictEqual({ ports: [80], group: "" });
    expect(portsOf(svcRef("reviews", { port: 80, sectionName: "http" }))).toStrictEqual({ ports: [80], group: "" });
  });
  it.each([
    [{ port: 81 }, "Service default/reviews has no port 81"],
    [{ sectionName: "web" }, 'Service default/reviews has no port named "web"'],
    [{ port: 80, sectionName: "admin" }, 'Service default/reviews has no port 80 named "admin"'],
    [{ port: 7000 }, "Service default/reviews has no port 7000"],
  ])("%j ⇒ NoMatchingParent: %s", (extra, message) => {
    expect(portsOf(svcRef("reviews", extra))).toStrictEqual({ reason: "NoMatchingParent", message });
  });
  it("a Service with only UDP ports has no ports to attach to", () => {
    const dns = service("dns", "kube-system", [{ name: "dns", port: 53, protocol: "UDP" }]);
    const a = attachToService(dns, svcRef("dns"), "kube-system");
    expect(a.ok ? a.ports : a.problem).toStrictEqual({ reason: "NoMatchingParent", message: "Service kube-system/dns has no ports" });
  });
  it("a consumer route's group is its own namespace; a producer route's is empty", () => {
    expect(portsOf(svcRef("reviews", { port: 80 }), "client")).toStrictEqual({ ports: [80], group: "client" });
    expect(meshGroup("default", "default")).toBe("");
    expect(meshGroup("default", "client")).toBe("client");
  });
});
