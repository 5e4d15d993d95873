// gateway-listeners: listener selection by Host and by SNI (spec §6, §7), listener isolation.
import { describe, expect, it } from "vitest";
import type { GatewayIR, ListenerIR } from "../../pkg/ir/types.ts";
import { compileGateway, listenerForSni, matchRoute, selectListener } from "../../pkg/router/index.ts";
import { httpTables, request } from "./builders.ts";

function listener(name: string, hostname: string | undefined, paths: readonly string[] = ["/"]): ListenerIR {
  return {
    id: `ns/gw/${name}`,
    name,
    ...(hostname !== undefined ? { hostname } : {}),
    protocol: "HTTPS",
    certificates: [`ns/${name}-cert`],
    routes: httpTables(
      paths.map((p) => ({ path: { type: "PathPrefix" as const, value: p } })),
      paths.map((p) => `${name}${p}`),
    ),
  };
}

// Deliberately NOT sorted by specificity: compileGateway must order them itself.
const gw: GatewayIR = {
  namespace: "ns",
  name: "gw",
  ports: [
    {
      port: 443,
      protocol: "HTTPS",
      listeners: [
        listener("any", undefined, ["/", "/only-any"]),
        listener("wild", "*.example.com", ["/"]),
        listener("exact", "foo.example.com", ["/api"]),
        listener("deepwild", "*.foo.example.com", ["/"]),
      ],
    },
    { port: 80, protocol: "HTTP", listeners: [listener("plain", "foo.example.com", ["/"])] },
  ],
};
const compiled = compileGateway(gw);
const pick = (port: number, host: string): string | undefined => selectListener(compiled, port, host)?.listener.name;

describe("selectListener (spec §7: exact > longer wildcard > none)", () => {
  it("picks the most specific listener whose hostname matches", () => {
    expect(pick(443, "foo.example.com")).toBe("exact");
    expect(pick(443, "a.foo.example.com")).toBe("deepwild");
    expect(pick(443, "bar.example.com")).toBe("wild");
    expect(pick(443, "example.com")).toBe("any");
    expect(pick(443, "other.org")).toBe("any");
  });

  it("only considers listeners on the requested port", () => {
    expect(pick(80, "foo.example.com")).toBe("plain");
    expect(pick(80, "bar.example.com")).toBeUndefined();
    expect(pick(8080, "foo.example.com")).toBeUndefined();
  });

  it("compares hosts case-insensitively", () => {
    expect(pick(443, "FOO.Example.com")).toBe("exact");
  });

  it("isolates listeners: no fall-through to a less specific listener's routes", () => {
    const exact = selectListener(compiled, 443, "foo.example.com");
    expect(exact).toBeDefined();
    expect(matchRoute(exact!.routes, request({ host: "foo.example.com", path: "/api/x" }))?.rule.id).toBe("exact/api");
    // "/only-any" exists only on the hostname-less listener: the exact listener must answer 404.
    expect(matchRoute(exact!.routes, request({ host: "foo.example.com", path: "/only-any" }))).toBeUndefined();
  });

  it("prefers the IR order between equally specific listeners", () => {
    const twin: GatewayIR = {
      namespace: "ns",
      name: "gw",
      ports: [{ port: 1, protocol: "HTTP", listeners: [listener("first", "*.a.test"), listener("second", "*.b.test"), listener("third", "*.a.test")] }],
    };
    expect(selectListener(compileGateway(twin), 1, "x.a.test")?.listener.name).toBe("first");
  });
});

describe("listenerForSni", () => {
  it("selects the HTTPS listener for a server name like selectListener does for Host", () => {
    expect(listenerForSni(compiled, 443, "foo.example.com")?.name).toBe("exact");
    expect(listenerForSni(compiled, 443, "x.foo.example.com")?.name).toBe("deepwild");
    expect(listenerForSni(compiled, 443, "zzz.example.com")?.certificates).toEqual(["ns/wild-cert"]);
  });

  it("without SNI only a hostname-less listener serves", () => {
    expect(listenerForSni(compiled, 443, undefined)?.name).toBe("any");
    expect(listenerForSni(compiled, 443, "")?.name).toBe("any");
    expect(listenerForSni(compiled, 80, undefined)).toBeUndefined();
    expect(listenerForSni(compiled, 8443, undefined)).toBeUndefined();
  });

  it('a listener hostname "" is no hostname: it takes any Host and the handshake without SNI', () => {
    const blank = compileGateway({ namespace: "ns", name: "gw", ports: [{ port: 443, protocol: "HTTPS", listeners: [listener("exact", "foo.example.com"), listener("blank", "")] }] });
    expect(selectListener(blank, 443, "other.example.com")?.listener.name).toBe("blank");
    expect(listenerForSni(blank, 443, undefined)?.name).toBe("blank");
  });

  it("lets the proxy detect a misdirected request (SNI listener ≠ Host listener)", () => {
    const bySni = listenerForSni(compiled, 443, "bar.example.com");
    const byHost = selectListener(compiled, 443, "foo.example.com")?.listener;
    expect(bySni?.id).not.toBe(byHost?.id);
  });
});
