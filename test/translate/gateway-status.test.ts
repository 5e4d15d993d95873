// gateway-status: the Gateway's own conditions and each listener's (spec §6) — ListenersNotValid True
// while a listener still serves, False when none does or there are none; a listener with a reference
// problem is invalid yet served; Programmed counts the served listeners.
import { describe, expect, it } from "vitest";
import type { Condition } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { baseGateway, gatewayStatusOf, gwRef, httpRoute, listener } from "./builders.ts";

const all = { namespaces: { from: "All" as const } };
const brief = (cs: readonly Condition[] | undefined) => cs?.map((c) => [c.type, c.status, c.reason, c.message]);

describe("Gateway conditions (spec §6)", () => {
  it("every listener valid: Accepted and Programmed, counting the served listeners", () => {
    const r = translate(baseGateway({}, [listener("a", 80, { allowedRoutes: all }), listener("b", 8080, { allowedRoutes: all })]));
    expect(brief(gatewayStatusOf(r)?.conditions)).toStrictEqual([
      ["Accepted", "True", "Accepted", "Gateway is accepted"],
      ["Programmed", "True", "Programmed", "2 of 2 listeners are programmed"],
    ]);
  });
  it("a listener with invalid route kinds is not valid but still served: Accepted=True/ListenersNotValid naming it", () => {
    const r = translate(baseGateway({}, [listener("good", 80, { allowedRoutes: all }), listener("kinds", 8080, { allowedRoutes: { ...all, kinds: [{ kind: "TCPRoute" }] } })]));
    const st = gatewayStatusOf(r);
    expect(brief(st?.conditions)).toStrictEqual([
      ["Accepted", "True", "ListenersNotValid", "Listeners kinds are not valid"],
      ["Programmed", "True", "Programmed", "2 of 2 listeners are programmed"],
    ]);
    expect(brief(st?.listeners[1]?.conditions)).toStrictEqual([
      ["Accepted", "True", "Accepted", "Listener is accepted"],
      ["Conflicted", "False", "NoConflicts", "No conflicts"],
      ["ResolvedRefs", "False", "InvalidRouteKinds", "allowedRoutes.kinds gateway.networking.k8s.io/TCPRoute not supported (HTTPRoute, GRPCRoute)"],
      ["Programmed", "True", "Programmed", "Listener is programmed"],
    ]);
  });
  it("no listener served: Accepted=False/ListenersNotValid and Programmed=False", () => {
    const r = translate(baseGateway({}, [listener("tcp", 80, { protocol: "TCP" }), listener("udp", 81, { protocol: "UDP" })]));
    expect(brief(gatewayStatusOf(r)?.conditions)).toStrictEqual([
      ["Accepted", "False", "ListenersNotValid", "Listeners tcp, udp are not valid"],
      ["Programmed", "False", "Invalid", "No listener can be served"],
    ]);
    expect(gatewayStatusOf(r)?.listeners[0]?.conditions.find((c) => c.type === "Programmed")).toMatchObject({ status: "False", reason: "Invalid" });
  });
  it("a Gateway without listeners says so", () => {
    const r = translate(baseGateway({}, []));
    expect(brief(gatewayStatusOf(r)?.conditions)).toStrictEqual([
      ["Accepted", "False", "ListenersNotValid", "Gateway has no listeners"],
      ["Programmed", "False", "Invalid", "No listener can be served"],
    ]);
    expect(gatewayStatusOf(r)?.listeners).toStrictEqual([]);
  });
  it("attachedRoutes counts the routes Accepted on each listener; status carries the Gateway's generation", () => {
    const r = translate(baseGateway({ httpRoutes: [httpRoute("r1", { parentRefs: [gwRef("gw", { sectionName: "b" })] }), httpRoute("r2", { parentRefs: [gwRef()] })] }, [
      listener("a", 80, { allowedRoutes: all }),
      listener("b", 8080, { allowedRoutes: all }),
    ]));
    const st = gatewayStatusOf(r);
    expect(st?.listeners.map((l) => [l.name, l.attachedRoutes])).toStrictEqual([["a", 1], ["b", 2]]);
    expect(st?.target.generation).toBe(1);
    expect(st?.conditions.every((c) => c.observedGeneration === 1)).toBe(true);
  });
});
