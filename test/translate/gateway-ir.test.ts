// gateway-ir: the IR of a Gateway (spec §6, §7) — ports ascending whatever the listeners' order,
// listeners on a port most specific hostname first and then by name of hostname, no hostname key for
// a listener without one, and no TLS secret from a Gateway that is refused as a whole.
import { describe, expect, it } from "vitest";
import type { Gateway, Listener } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { selfSigned } from "../support/certs.ts";
import { baseGateway, gateway, gatewayClass, listener, snap, tlsSecret } from "./builders.ts";

const pair = selfSigned();
const https = (name: string, cert: string, port = 443): Listener => ({ name, port, protocol: "HTTPS", tls: { mode: "Terminate", certificateRefs: [{ name: cert }] } });

describe("GatewayIR", () => {
  it("ports ascending although the listeners are declared in the other order", () => {
    const r = translate(baseGateway({}, [listener("high", 8080), listener("low", 80)]));
    expect(r.ir.gateways[0]?.ports.map((p) => [p.port, p.listeners.map((l) => l.name)])).toStrictEqual([[80, ["low"]], [8080, ["high"]]]);
  });
  it("listeners of equal specificity on one port are ordered by hostname; a listener without hostname has no hostname key", () => {
    const r = translate(baseGateway({}, [listener("b", 80, { hostname: "b.example.com" }), listener("a", 80, { hostname: "a.example.com" }), listener("any", 80)]));
    const ls = r.ir.gateways[0]?.ports[0]?.listeners ?? [];
    expect(ls.map((l) => l.hostname)).toStrictEqual(["a.example.com", "b.example.com", undefined]);
    expect("hostname" in ls[2]!).toBe(false);
  });
  it("secrets: those of served listeners, sorted by id; none from a Gateway refused for its spec.addresses", () => {
    const secrets = [tlsSecret("zcert", "default", pair.certPem, pair.keyPem), tlsSecret("acert", "default", pair.certPem, pair.keyPem)];
    const served = translate(baseGateway({ secrets }, [https("z", "zcert", 443), https("a", "acert", 8443)]));
    expect(served.ir.secrets.map((s) => s.id)).toStrictEqual(["default/acert", "default/zcert"]);
    const gw: Gateway = { ...gateway("gw", [https("z", "zcert")]), spec: { gatewayClassName: "weft", listeners: [https("z", "zcert")], addresses: [{ type: "IPAddress", value: "10.0.0.9" }] } };
    const refused = translate(snap({ gatewayClasses: [gatewayClass()], gateways: [gw], secrets }));
    expect(refused.ir.gateways[0]?.ports).toStrictEqual([]);
    expect(refused.ir.secrets).toStrictEqual([]);
  });
});
