// decide-layers: the stack's deciding layers alone, each over a fake next — route (routes by Host or by
// connection, the default destination without routes, the match naming its rule), filters (edits in
// listed order, answers that stop the stack, Unsupported refused, nothing per request ⇒ no layer) and the
// weighted backend (weights, session pins over weights, invalid and empty shares refused).
import { describe, expect, it } from "vitest";
import type { ClusterIR, FilterIR, RuleIR } from "../../../pkg/ir/types.ts";
import { ProxyFailureError } from "../../../pkg/proxy/rescue.ts";
import { compileRoutes } from "../../../pkg/proxy/router-bridge.ts";
import { filtersLayer } from "../../../pkg/proxy/stack/filters-layer.ts";
import type { Decide, Destination, ProxyRequest } from "../../../pkg/proxy/stack/request.ts";
import { routeLayer, type CompiledStacks } from "../../../pkg/proxy/stack/route-layer.ts";
import { encodeToken } from "../../../pkg/proxy/stack/session-persistence.ts";
import { weightedBackendLayer } from "../../../pkg/proxy/stack/weighted-backend-layer.ts";
import { backend, invalidBackend, prefix, tables } from "../fixtures.ts";
import { clusterOf, requestOf, stateOf } from "./fakes.ts";

const destination = (label: string): Destination => ({ cluster: undefined, localAppPort: undefined, label, forward: (_req, to) => to.done() });

/** A next Decide that records its requests and gives `label`'s destination. */
function nextDecide(label = "next"): Decide & { calls: ProxyRequest[] } {
  const calls: ProxyRequest[] = [];
  return Object.assign((req: ProxyRequest) => {
    calls.push(req);
    return destination(label);
  }, { calls });
}

function refusal(f: () => unknown): ProxyFailureError {
  try {
    f();
  } catch (e) {
    if (e instanceof ProxyFailureError) return e;
    throw e;
  }
  throw new Error("no refusal");
}

describe("route layer", () => {
  const a = clusterOf("ns/a:80", [1000]);
  const state = stateOf([a]);
  const routes = compileRoutes(tables([{ matches: [prefix("/x")], backends: [backend("ns/a:80")] }]));
  const rule = routes === undefined ? undefined : tables([{ matches: [prefix("/x")], backends: [backend("ns/a:80")] }]).http.rules[0];
  const seen: { rule?: RuleIR; cluster?: ClusterIR | undefined; port?: number | undefined }[] = [];
  const stacks: CompiledStacks = {
    rule: (r) => (req) => {
      seen.push({ rule: r });
      return destination(`rule ${req.rule?.id}`);
    },
    defaultDestination: (cluster, port) => {
      seen.push({ cluster, port });
      return destination("default");
    },
  };
  const route = routeLayer(() => stacks, true);

  it("a match hands the request to its rule's stack, naming the route", () => {
    const req = requestOf({ target: "/x/1" }, { ctx: { routes }, state });
    expect(route(req)?.label).toBe(`rule ${req.rule?.id}`);
    expect(req.routeLabel).toBe("HTTPRoute/default/r0");
    expect(req.entry?.match).toEqual(prefix("/x"));
    expect(rule).toBeDefined();
  });

  it("no match ⇒ no_route; no config ⇒ draining (after the listener is chosen)", () => {
    expect(refusal(() => route(requestOf({ target: "/y" }, { ctx: { routes }, state }))).kind).toBe("no_route");
    expect(refusal(() => route(requestOf({ target: "/x" }, { ctx: { routes }, state: undefined }))).kind).toBe("draining");
    const none = { resolveRoutes: () => ({ kind: "none" as const }) };
    expect(refusal(() => route(requestOf({ target: "/x" }, { ctx: none, state: undefined }))).kind).toBe("no_listener");
  });

  it("listener routes by Host: none ⇒ no_listener, misdirected ⇒ misdirected, routes ⇒ matched", () => {
    const hosts: string[] = [];
    const ctx = (kind: "none" | "misdirected" | "routes") => ({
      resolveRoutes: (host: string) => {
        hosts.push(host);
        return kind === "routes" ? { kind, routes: routes, label: "l" } : { kind };
      },
    });
    expect(refusal(() => route(requestOf({ target: "/x", headers: { host: "A.Example:8080" } }, { ctx: ctx("none"), state }))).kind).toBe("no_listener");
    expect(refusal(() => route(requestOf({ target: "/x" }, { ctx: ctx("misdirected"), state }))).kind).toBe("misdirected");
    expect(route(requestOf({ target: "/x" }, { ctx: ctx("routes"), state }))?.label).toMatch(/^rule /);
    expect(hosts[0]).toBe("a.example");
  });

  it("without routes: the default cluster, the local app, or a refusal", () => {
    seen.length = 0;
    expect(route(requestOf({}, { ctx: { defaultCluster: "ns/a:80" }, state }))?.label).toBe("default");
    expect(route(requestOf({}, { ctx: { localAppPort: 8080, defaultCluster: "ns/a:80" }, state }))?.label).toBe("default");
    expect(route(requestOf({}, { ctx: { localAppPort: 8080 }, state }))?.label).toBe("default");
    expect(seen).toEqual([{ cluster: a, port: undefined }, { cluster: a, port: 8080 }, { cluster: undefined, port: 8080 }]);
    expect(refusal(() => route(requestOf({}, { ctx: {}, state }))).kind).toBe("no_route");
    expect(refusal(() => route(requestOf({}, { ctx: { defaultCluster: "ns/gone:80" }, state }))).kind).toBe("unknown_cluster");
  });
});

describe("filters layer", () => {
  const mod = (set: Record<string, string>): FilterIR => ({ type: "RequestHeaderModifier", set: Object.entries(set).map(([name, value]) => ({ name, value })), add: [], remove: [] });

  it("a filter list with nothing to do per request is no layer at all", () => {
    const next = nextDecide();
    const mirror: FilterIR = { type: "RequestMirror", cluster: "m", numerator: 1, denominator: 1 };
    expect(filtersLayer([], next)).toBe(next);
    expect(filtersLayer([mirror, { type: "ResponseHeaderModifier", set: [], add: [], remove: [] }], next)).toBe(next);
  });

  it("edits the request in listed order, then goes on", () => {
    const next = nextDecide();
    const layer = filtersLayer([mod({ "x-a": "1" }), { type: "URLRewrite", hostname: "up.test", path: { type: "ReplacePrefixMatch", value: "/new", prefix: "/old" } }, mod({ "x-a": "2" })], next);
    const req = requestOf({ target: "/old/p?q=1" });
    expect(layer(req)?.label).toBe("next");
    expect(req.headers["x-a"]).toBe("2");
    expect(req.authority).toBe("up.test");
    expect(req.path).toBe("/new/p");
    expect(req.query).toBe("q=1");
  });

  it("a redirect answers and stops the stack (later filters and next never run)", () => {
    const next = nextDecide();
    const layer = filtersLayer([{ type: "RequestRedirect", scheme: "https", statusCode: 301 }, mod({ "x-late": "1" })], next);
    const req = requestOf({ target: "/p?q" });
    expect(layer(req)).toBeUndefined();
    expect(req.answer).toEqual({ status: 301, headers: { location: "https://example.test/p?q", "content-length": 0 } });
    expect(req.headers["x-late"]).toBeUndefined();
    expect(next.calls).toHaveLength(0);
  });

  it("CORS: a preflight is answered here, an actual request gets the answer's headers and goes on", () => {
    const cors: FilterIR = { type: "CORS", allowOrigins: ["https://app.test"], allowMethods: ["GET"], allowHeaders: [], exposeHeaders: [], allowCredentials: false, maxAgeSeconds: 5 };
    const next = nextDecide();
    const layer = filtersLayer([cors], next);
    const pre = requestOf({ method: "OPTIONS", headers: { host: "h", origin: "https://app.test", "access-control-request-method": "GET" } });
    expect(layer(pre)).toBeUndefined();
    expect(pre.answer?.headers["access-control-allow-origin"]).toBe("https://app.test");
    const actual = requestOf({ headers: { host: "h", origin: "https://app.test" } });
    expect(layer(actual)?.label).toBe("next");
    expect(actual.corsHeaders?.["access-control-allow-origin"]).toBe("https://app.test");
  });

  it("an Unsupported filter refuses with its status", () => {
    const e = refusal(() => filtersLayer([{ type: "Unsupported", status: 500, reason: "x" }], nextDecide())(requestOf()));
    expect([e.kind, e.status]).toEqual(["unsupported_filter", 500]);
  });
});

describe("weighted backend layer", () => {
  const ruleWith = (backends: RuleIR["backends"], sp?: RuleIR["sessionPersistence"]): RuleIR => ({
    id: "HTTPRoute/ns/r/0",
    route: { kind: "HTTPRoute", namespace: "ns", name: "r", generation: 1 },
    ruleIndex: 0,
    filters: [],
    backends,
    timeouts: {},
    ...(sp !== undefined ? { sessionPersistence: sp } : {}),
  });
  const stacksFor = (rule: RuleIR) => new Map(rule.backends.filter((b) => b.kind === "cluster").map((b) => [b, nextDecide(b.kind === "cluster" ? b.cluster : "")]));

  it("chooses by weight: the random point falls in one backend's share", () => {
    const rule = ruleWith([backend("a", 1), backend("b", 3)]);
    const pick = (r: number) => weightedBackendLayer(rule, stacksFor(rule), () => r)(requestOf())?.label;
    expect([pick(0), pick(0.24), pick(0.25), pick(0.99)]).toEqual(["a", "a", "b", "b"]);
  });

  it("refuses no backends, no positive weight, and an invalid backend's share", () => {
    const layer = (rule: RuleIR, r = 0) => weightedBackendLayer(rule, stacksFor(rule), () => r);
    expect(refusal(() => layer(ruleWith([]))(requestOf())).message).toBe("route rule has no backends");
    expect(refusal(() => layer(ruleWith([backend("a", 0)]))(requestOf())).message).toBe("route rule has no backends with weight");
    const e = refusal(() => layer(ruleWith([invalidBackend(1), backend("a", 1)]), 0)(requestOf()));
    expect([e.kind, e.message]).toEqual(["invalid_backend", "invalid backend: BackendNotFound"]);
  });

  it("a session pin naming one of the rule's backends overrides the weights, even weight 0; a foreign pin does not", () => {
    const sp = { type: "Header" as const, name: "x-session", lifetimeType: "Session" as const };
    const rule = ruleWith([backend("a", 1), backend("z", 0)], sp);
    const layer = weightedBackendLayer(rule, stacksFor(rule), () => 0);
    const pinned = requestOf({ headers: { host: "h", "x-session": encodeToken({ cluster: "z", endpoint: "127.0.0.1:9" }, Date.now()) } });
    expect(layer(pinned)?.label).toBe("z");
    expect(pinned.session?.pin).toEqual({ cluster: "z", endpoint: "127.0.0.1:9" });
    const foreign = requestOf({ headers: { host: "h", "x-session": encodeToken({ cluster: "elsewhere", endpoint: "127.0.0.1:9" }, Date.now()) } });
    expect(layer(foreign)?.label).toBe("a");
    expect(foreign.session).toEqual({ sp, pin: undefined });
  });
});
