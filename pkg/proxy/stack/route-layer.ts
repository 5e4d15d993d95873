// route-layer: the top of the decide part. The routes that apply are the gateway listener's chosen by
// Host (spec §7: none ⇒ 404, an HTTPS Host better served by another listener ⇒ 421) or the connection's
// own (a sidecar's Service port); without routes the request goes to the connection's default cluster
// (GAMMA route presence, spec §1.8) or, on an inbound sidecar, to the local app. With routes, the first
// entry that matches (spec §8/§9; none ⇒ 404 / UNIMPLEMENTED) names the rule whose compiled stack
// decides the rest. Takes the compiled stacks of the request's config; gives a Decide.
// Must not: do I/O, or decide anything a rule's own layers decide.
import type { ClusterIR, RuleIR } from "../../ir/types.ts";
import type { RequestView } from "../../router/index.ts";
import { endpointKey } from "../endpoint-key.ts";
import { failure } from "../rescue.ts";
import { matchRoute } from "../router-bridge.ts";
import type { Decide, Destination, ProxyRequest } from "./request.ts";

/** The compiled stacks of one config (stack.ts): per rule, and the destinations used without routes. */
export interface CompiledStacks {
  /** The decide stack of `rule`, composed once per rule and config. */
  rule(rule: RuleIR): Decide;
  /** Without routes: the local app (with its cluster's protocol, when known) or the default cluster. */
  defaultDestination(cluster: ClusterIR | undefined, localAppPort: number | undefined): Destination;
}

/** A request field by name, as the router reads it: first value; a field the proxy drops is not there. */
function headerOf(req: ProxyRequest, dropUnderscored: boolean): (name: string) => string | undefined {
  const h = req.down.headers;
  return (name) => {
    if (dropUnderscored && name.includes("_")) return undefined;
    const v = h[name];
    // Own fields only: a header object's inherited members (e.g. "constructor") are never strings.
    return typeof v === "string" ? v : Array.isArray(v) ? v[0] : undefined;
  };
}

/** The `route` label of metrics, logs and spans: "<kind>/<ns>/<name>", made once per rule of a config. */
const routeLabels = new WeakMap<RuleIR, string>();
export function routeLabelOf(rule: RuleIR): string {
  let label = routeLabels.get(rule);
  if (label === undefined) {
    label = `${rule.route.kind}/${rule.route.namespace}/${rule.route.name}`;
    routeLabels.set(rule, label);
  }
  return label;
}

export function routeLayer(stacksOf: (req: ProxyRequest) => CompiledStacks, dropUnderscored: boolean): Decide {
  return (req) => {
    const ctx = req.ctx;
    let routes = ctx.routes;
    if (ctx.resolveRoutes !== undefined) {
      const r = ctx.resolveRoutes(req.host);
      if (r.kind === "none") throw failure("no_listener", "no listener for this host");
      if (r.kind === "misdirected") throw failure("misdirected", "misdirected request");
      routes = r.routes;
    }
    const state = req.state;
    if (state === undefined) throw failure("draining", "no configuration in force");
    if (routes === undefined) {
      // Read once: a sidecar's context may look it up per read (outbound.ts).
      const defaultCluster = ctx.defaultCluster;
      if (ctx.localAppPort !== undefined) {
        // The app's protocol: the binding's cluster, else the Service port targeting the dialled pod port.
        const cluster = defaultCluster !== undefined
          ? state.clusters.get(defaultCluster)
          : ctx.localAppAddress !== undefined
          ? state.endpointClusters?.get(endpointKey(ctx.localAppAddress, ctx.localAppPort))
          : undefined;
        return stacksOf(req).defaultDestination(cluster, ctx.localAppPort);
      }
      if (defaultCluster === undefined) throw failure("no_route", "no route");
      const cluster = state.clusters.get(defaultCluster);
      if (cluster === undefined) throw failure("unknown_cluster", "unknown cluster");
      return stacksOf(req).defaultDestination(cluster, undefined);
    }
    const view: RequestView = { method: req.method, path: req.path, query: req.query, host: req.host, header: headerOf(req, dropUnderscored), grpc: req.grpc };
    const match = matchRoute(routes, view);
    if (match === undefined) throw failure("no_route", "no matching route");
    const rule = match.rule;
    // From here on a refusal still names its route (metrics, access log, span).
    req.rule = rule;
    req.entry = match.entry;
    req.routeLabel = routeLabelOf(rule);
    return stacksOf(req).rule(rule)(req);
  };
}
