// listeners: protocol support, ports at their edges, conflicts (a refused listener takes no port), the
// 64-listener bound, HTTPS certificates (same-ns, cross-ns grant, invalid PEM, wrong type), Gateway
// Accepted/Programmed, spec.addresses and secrets in the IR (spec §5, §6; task rules).
import { describe, expect, it } from "vitest";
import type { Listener } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, gatewayStatusOf, grant, listenerCond, tlsSecret } from "./builders.ts";
import { selfSigned } from "../support/certs.ts";

const pair = selfSigned();
const other = selfSigned("other.com");
const https = (name: string, refs: { name: string; namespace?: string; group?: string; kind?: string }[], extra: Partial<Listener> = {}): Listener => ({ name, port: 443, protocol: "HTTPS",
  tls: { mode: "Terminate", certificateRefs: refs }, ...extra });

describe("listener protocols", () => {
  it.each(["TLS", "TCP", "UDP", "QUIC"])("%s ⇒ Accepted=False/UnsupportedProtocol, not programmed, no supportedKinds", (protocol) => {
    const r = translate(baseGateway({}, [{ name: "l", port: 9000, protocol }]));
    expect(listenerCond(r, "l", "Accepted")).toMatchObject({ status: "False", reason: "UnsupportedProtocol" });
    expect(listenerCond(r, "l", "Programmed").status).toBe("False");
    expect(gatewayStatusOf(r)?.listeners[0]?.supportedKinds).toEqual([]);
    expect(gatewayStatusOf(r)?.conditions.find((c) => c.type === "Accepted")).toMatchObject({ status: "False", reason: "ListenersNotValid" });
    expect(r.ir.gateways[0]?.ports).toEqual([]);
  });
});

describe("listener ports", () => {
  it.each([0, 70000, 1.5])("port %s (a snapshot not from the parser) ⇒ Accepted=False/PortUnavailable, not served", (port) => {
    const r = translate(baseGateway({}, [{ name: "l", port, protocol: "HTTP" }, { name: "ok", port: 80, protocol: "HTTP" }]));
    expect(listenerCond(r, "l", "Accepted")).toMatchObject({ status: "False", reason: "PortUnavailable", message: `port ${port} is not a valid port` });
    expect(listenerCond(r, "l", "Programmed").status).toBe("False");
    expect(r.ir.gateways[0]?.ports.map((p) => p.port)).toEqual([80]);
  });
});

describe("listener edges", () => {
  it("ports 1 and 65535 are served; an HTTPS listener without tls.mode terminates", () => {
    const secrets = [tlsSecret("cert", "default", pair.certPem, pair.keyPem)];
    const r = translate(baseGateway({ secrets }, [
      { name: "low", port: 1, protocol: "HTTP" },
      { name: "high", port: 65535, protocol: "HTTP" },
      { name: "tls", port: 443, protocol: "HTTPS", tls: { certificateRefs: [{ name: "cert" }] } },
    ]));
    for (const l of ["low", "high", "tls"]) expect(listenerCond(r, l, "Programmed").status, l).toBe("True");
    expect(r.ir.gateways[0]?.ports.map((p) => p.port).sort((a, b) => a - b)).toEqual([1, 443, 65535]);
  });
  it("a listener that is not accepted takes no port: the next one on it is neither conflicted nor refused", () => {
    const r = translate(baseGateway({}, [{ name: "tcp", port: 80, protocol: "TCP" }, { name: "http", port: 80, protocol: "HTTP", hostname: "a.com" }, {
      name: "http2",
      port: 80,
      protocol: "HTTP",
      hostname: "b.com",
    }]));
    expect(listenerCond(r, "http", "Conflicted").status).toBe("False");
    expect(listenerCond(r, "http2", "Conflicted").status).toBe("False");
    expect(r.ir.gateways[0]?.ports[0]?.listeners.map((l) => l.name)).toEqual(["http", "http2"]);
  });
  it("the first 64 listeners are read, the rest ignored", () => {
    const many = Array.from({ length: 65 }, (_, i): Listener => ({ name: `l${i}`, port: 1000 + i, protocol: "HTTP" }));
    const r = translate(baseGateway({}, many));
    expect(gatewayStatusOf(r)?.listeners.map((l) => l.name)).toEqual(many.slice(0, 64).map((l) => l.name));
  });
});

describe("listener conflicts (spec §6)", () => {
  it("same port, different protocol ⇒ later listener ProtocolConflict; Gateway ListenersNotValid but Accepted", () => {
    const r = translate(baseGateway({ secrets: [tlsSecret("cert", "default", pair.certPem, pair.keyPem)] }, [
      { name: "a", port: 8000, protocol: "HTTP" },
      https("b", [{ name: "cert" }], { port: 8000 }),
    ]));
    expect(listenerCond(r, "a", "Conflicted").status).toBe("False");
    expect(listenerCond(r, "b", "Conflicted")).toMatchObject({ status: "True", reason: "ProtocolConflict" });
    expect(gatewayStatusOf(r)?.conditions.find((c) => c.type === "Accepted")).toMatchObject({ status: "True", reason: "ListenersNotValid" });
    expect(r.ir.gateways[0]?.ports[0]?.listeners.map((l) => l.name)).toEqual(["a"]);
  });
  it("same port and protocol, same hostname ⇒ HostnameConflict; different hostnames share the port", () => {
    const r = translate(baseGateway({}, [
      { name: "a", port: 80, protocol: "HTTP", hostname: "a.com" },
      { name: "b", port: 80, protocol: "HTTP", hostname: "a.com" },
      { name: "c", port: 80, protocol: "HTTP" },
    ]));
    expect(listenerCond(r, "b", "Conflicted")).toMatchObject({ status: "True", reason: "HostnameConflict" });
    expect(listenerCond(r, "c", "Conflicted").status).toBe("False");
    expect(r.ir.gateways[0]?.ports[0]?.listeners.map((l) => l.name)).toEqual(["a", "c"]);
  });
});

describe("HTTPS certificates", () => {
  it("a valid same-namespace kubernetes.io/tls Secret is served and put in ir.secrets", () => {
    const r = translate(baseGateway({ secrets: [tlsSecret("cert", "default", pair.certPem, pair.keyPem)] }, [https("tls", [{ name: "cert" }])]));
    expect(listenerCond(r, "tls", "ResolvedRefs").status).toBe("True");
    expect(listenerCond(r, "tls", "Programmed").status).toBe("True");
    expect(r.ir.gateways[0]?.ports[0]).toMatchObject({ port: 443, protocol: "HTTPS", listeners: [{ certificates: ["default/cert"] }] });
    expect(r.ir.secrets).toEqual([{ id: "default/cert", certPem: pair.certPem, keyPem: pair.keyPem }]);
  });
  it("cross-namespace Secret needs a ReferenceGrant from Gateway to Secret", () => {
    const secrets = [tlsSecret("cert", "certs", pair.certPem, pair.keyPem)];
    const denied = translate(baseGateway({ secrets }, [https("tls", [{ name: "cert", namespace: "certs" }])]));
    expect(listenerCond(denied, "tls", "ResolvedRefs")).toMatchObject({ status: "False", reason: "RefNotPermitted" });
    expect(denied.ir.secrets).toEqual([]);
    const wrongKind = translate(
      baseGateway({ secrets, referenceGrants: [grant("certs", [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "default" }], [{ group: "", kind: "Secret" }])] }, [
        https("tls", [{ name: "cert", namespace: "certs" }]),
      ]),
    );
    expect(listenerCond(wrongKind, "tls", "ResolvedRefs").reason).toBe("RefNotPermitted");
    const ok = translate(
      baseGateway({ secrets, referenceGrants: [grant("certs", [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "default" }], [{ group: "", kind: "Secret", name: "cert" }])] }, [
        https("tls", [{ name: "cert", namespace: "certs" }]),
      ]),
    );
    expect(listenerCond(ok, "tls", "ResolvedRefs").status).toBe("True");
    expect(ok.ir.secrets.map((s) => s.id)).toEqual(["certs/cert"]);
  });
  it.each([
    ["missing Secret", [], "not found"],
    ["wrong type", [tlsSecret("cert", "default", pair.certPem, pair.keyPem, "Opaque")], "not kubernetes.io/tls"],
    ["garbage PEM", [tlsSecret("cert", "default", "not a cert", "not a key")], "not a valid PEM"],
    ["key of another certificate", [tlsSecret("cert", "default", pair.certPem, other.keyPem)], "does not match"],
    ["no tls.key", [tlsSecret("cert", "default", pair.certPem, "")], "lacks tls.crt or tls.key"],
    ["no tls.crt", [tlsSecret("cert", "default", "", pair.keyPem)], "lacks tls.crt or tls.key"],
    ["tls.crt over 1 MiB", [tlsSecret("cert", "default", pair.certPem + " ".repeat(1_100_000), pair.keyPem)], "lacks tls.crt or tls.key"],
  ])("%s ⇒ ResolvedRefs=False/InvalidCertificateRef, listener not served", (_n, secrets, msg) => {
    const r = translate(baseGateway({ secrets }, [https("tls", [{ name: "cert" }])]));
    expect(listenerCond(r, "tls", "ResolvedRefs")).toMatchObject({ status: "False", reason: "InvalidCertificateRef", message: expect.stringContaining(msg) });
    expect(listenerCond(r, "tls", "Programmed").status).toBe("False");
    expect(r.ir.gateways[0]?.ports).toEqual([]);
    expect(JSON.stringify(r.statuses)).not.toContain("PRIVATE KEY");
  });
  it("a certificateRef to anything but a core Secret ⇒ InvalidCertificateRef naming the kind, listener not served", () => {
    const secrets = [tlsSecret("cert", "default", pair.certPem, pair.keyPem)];
    for (const [ref, shown] of [[{ name: "cert", kind: "ConfigMap" }, "ConfigMap"], [{ name: "cert", group: "example.com", kind: "Secret" }, "example.com/Secret"]] as const) {
      const r = translate(baseGateway({ secrets }, [https("tls", [ref])]));
      expect(listenerCond(r, "tls", "ResolvedRefs")).toMatchObject({ status: "False", reason: "InvalidCertificateRef", message: expect.stringContaining(`kind ${shown} is not supported`) });
      expect(r.ir.gateways[0]?.ports).toEqual([]);
    }
    expect(listenerCond(translate(baseGateway({ secrets }, [https("tls", [{ name: "cert", group: "", kind: "Secret" }])])), "tls", "ResolvedRefs").status).toBe("True");
  });
  it("HTTPS without certificateRefs ⇒ InvalidCertificateRef; Passthrough ⇒ UnsupportedProtocol", () => {
    const r = translate(baseGateway({}, [https("a", []), https("b", [], { port: 444, tls: { mode: "Passthrough" } })]));
    expect(listenerCond(r, "a", "ResolvedRefs").reason).toBe("InvalidCertificateRef");
    expect(listenerCond(r, "b", "Accepted").reason).toBe("UnsupportedProtocol");
  });
});

describe("Gateway spec.addresses", () => {
  it("unsupported: Accepted=False/UnsupportedAddress, Programmed=False, nothing served", () => {
    const base = baseGateway();
    const gw = base.gateways[0]!;
    const r = translate({ ...base, gateways: [{ ...gw, spec: { ...gw.spec, addresses: [{ type: "test/fake-invalid-type", value: "x" }] } }] });
    expect(gatewayStatusOf(r)?.conditions).toMatchObject([
      { type: "Accepted", status: "False", reason: "UnsupportedAddress", message: expect.stringContaining("test/fake-invalid-type x") },
      { type: "Programmed", status: "False" },
    ]);
    expect(r.ir.gateways[0]?.ports).toEqual([]);
  });
  it("an IPAddress entry without a value asks for any address: accepted and served (GatewayAddressEmpty)", () => {
    const base = baseGateway();
    const gw = base.gateways[0]!;
    const r = translate({ ...base, gateways: [{ ...gw, spec: { ...gw.spec, addresses: [{ type: "IPAddress" }, {}] } }] });
    expect(gatewayStatusOf(r)?.conditions).toMatchObject([{ type: "Accepted", status: "True" }, { type: "Programmed", status: "True" }]);
    expect(r.ir.gateways[0]?.ports).not.toEqual([]);
    const withValue = translate({ ...base, gateways: [{ ...gw, spec: { ...gw.spec, addresses: [{ type: "IPAddress" }, { type: "IPAddress", value: "10.0.0.1" }] } }] });
    expect(gatewayStatusOf(withValue)?.conditions[0]).toMatchObject({ status: "False", reason: "UnsupportedAddress", message: expect.stringContaining("IPAddress 10.0.0.1") });
    const hostname = translate({ ...base, gateways: [{ ...gw, spec: { ...gw.spec, addresses: [{ type: "Hostname" }] } }] });
    expect(gatewayStatusOf(hostname)?.conditions[0]).toMatchObject({ status: "False", reason: "UnsupportedAddress" });
  });
});
