// stack: the proxy's request path, assembled here and only here, top to bottom. Every face (gateway,
// sidecar outbound, sidecar inbound) and both protocols (h1, h2/gRPC) run it:
//
//   telemetry           span, metrics, access log; the rescue boundary           telemetry-layer.ts
//   admit               request hygiene at the boundary                          admit.ts
//   route               listener / connection routes, match ⇒ the rule's stack   route-layer.ts
//   ── per rule ──
//   filters             the rule's request-side filters; may answer              filters-layer.ts
//   weighted backend    by weight, or a session pin; invalid ⇒ 500               weighted-backend-layer.ts
//   ── per backend ──
//   filters             the backend's own filters                                filters-layer.ts
//   deadline            request timeout / grpc-timeout; a leaving client         deadline-layer.ts
//   request body        buffered for replay when a retry or mirror needs it      request-body-layer.ts
//   mirror              copies to mirror clusters, once per request              mirror.ts
//   relay               the answer back: answer-side filters, trailers, body     relay-layer.ts
//   retry               the rule's policy, or one stale-connection replay        retry-layer.ts
//   balancer            one endpoint per try (or the local app)                  balancer-layer.ts
//   backend caps        a place on the backend, held until the answer is let go  backend-caps-layer.ts
//   endpoint attempt    one try upstream, its span and load figures              attempt-layer.ts
//
// Layers are composed when a config is compiled (compileStacks, once per rule and backend per config):
// a rule without retries, mirrors or filters gets no such layer at all. Every layer takes its next one,
// so each can be tested alone with a fake next and a manual clock.
// Takes the engine's parts (pools, balancer, gates, budget, clock, metrics); gives the request path and
// the compiled stacks of a config. Must not: hold per-request state (ProxyRequest does) or policy of its own.
import type { BackendIR, ClusterIR, FilterIR, RouteTablesIR, RuleIR } from "../../ir/types.ts";
import type { AccessLog, ProxyMetrics as TelemetryProxyMetrics, SpanHandle, Tracing } from "../../telemetry/index.ts";
import type { EndpointChooser } from "../balance/endpoint-chooser.ts";
import type { Clock } from "../clock.ts";
import type { Downstream } from "../downstream.ts";
import type { EngineState, RouteContext } from "../engine-types.ts";
import type { Limits } from "../limits.ts";
import type { ProxyMetrics } from "../metrics.ts";
import { failure } from "../rescue.ts";
import type { BackendGates } from "../upstream/backend-gate.ts";
import type { Upstream } from "../upstream/upstream.ts";
import { admitRequest } from "./admit.ts";
import { attemptLayer } from "./attempt-layer.ts";
import { backendCapsLayer } from "./backend-caps-layer.ts";
import { balancerLayer, localAppLayer } from "./balancer-layer.ts";
import { deadlineLayer } from "./deadline-layer.ts";
import { filtersLayer, mirrorsOf, responseModifiersOf } from "./filters-layer.ts";
import { type Mirror, mirrorLayer } from "./mirror.ts";
import { relayLayer } from "./relay-layer.ts";
import type { Decide, Destination, Dispatch, Exchange, ProxyRequest } from "./request.ts";
import { requestBodyLayer } from "./request-body-layer.ts";
import { retryLayer, staleReplayLayer } from "./retry-layer.ts";
import type { RetryBudget } from "./retry-budget.ts";
import { routeLayer, type CompiledStacks } from "./route-layer.ts";
import { requestTimedOut, telemetryLayer } from "./telemetry-layer.ts";
import { weightedBackendLayer } from "./weighted-backend-layer.ts";

export interface StackDeps {
  readonly limits: Limits;
  /** Random source for weights, P2C and mirror fractions. */
  readonly random: () => number;
  readonly chooser: EndpointChooser;
  readonly upstream: Upstream;
  readonly gates: BackendGates;
  readonly budget: RetryBudget;
  readonly mirror: Mirror;
  /** Time of the retry path: backoff, attempt latencies, the retry budget. */
  readonly clock: Clock;
  readonly metrics: ProxyMetrics;
  readonly telemetry: TelemetryProxyMetrics | undefined;
  readonly accessLog: AccessLog | undefined;
  /** Enabled tracing, or undefined. */
  readonly tracing: Tracing | undefined;
  readonly log: (event: string, fields: Record<string, unknown>) => void;
  /** The config in force now (a request keeps the one it arrived under). */
  readonly state: () => EngineState | undefined;
  /** A request's exchange closed (requests in flight, for drain). */
  readonly onDone: () => void;
}

export interface RequestPath {
  /** Serve one request from its downstream to its end. */
  serve(down: Downstream, ctx: RouteContext | undefined): void;
  /** Admit and route a request without serving it (a WebSocket upgrade): where it would go, or undefined when a filter answered. */
  decide(down: Downstream, ctx: RouteContext): { req: ProxyRequest; destination: Destination | undefined };
  /** Compile the stacks of a config now (when it is set), so its first requests do not. */
  compile(state: EngineState): void;
}

/** The request path above the rules: telemetry around admission and routing, then the rule's compiled stack. */
export function requestPath(deps: StackDeps): RequestPath {
  const compiled = new WeakMap<EngineState, Stacks>();
  // Nearly every request runs under the newest config: its stacks are kept at hand.
  let lastState: EngineState | undefined;
  let lastStacks: Stacks | undefined;
  const stacksOf = (state: EngineState): Stacks => {
    if (state === lastState) return lastStacks!;
    let c = compiled.get(state);
    if (c === undefined) {
      c = compileStacks(state, deps);
      compiled.set(state, c);
    }
    lastState = state;
    lastStacks = c;
    return c;
  };
  const admit = (down: Downstream, ctx: RouteContext, span: SpanHandle | undefined): ProxyRequest => admitRequest(down, ctx, deps.state(), deps.limits, span);
  const route = routeLayer((req) => stacksOf(req.state!), deps.limits.headersWithUnderscores === "drop");
  return {
    serve: telemetryLayer(deps, admit, route),
    decide: (down, ctx) => {
      const req = admit(down, ctx, undefined);
      return { req, destination: route(req) };
    },
    compile: (state) => {
      stacksOf(state).warm();
    },
  };
}

interface Stacks extends CompiledStacks {
  /** Compose the stacks of every rule the config's route tables hold. */
  warm(): void;
}

/** The stacks of one config: per rule, per backend, and the destinations used without routes. */
export function compileStacks(state: EngineState, deps: StackDeps): Stacks {
  const rules = new WeakMap<RuleIR, Decide>();
  const defaults = new Map<ClusterIR | undefined, Map<number | undefined, Destination>>();

  /** route ⇒ filters ⇒ weighted backend ⇒ (the chosen backend's stack). */
  const ruleStack = (rule: RuleIR): Decide => {
    const backends = new Map<BackendIR, Decide>();
    for (const b of rule.backends) if (b.kind === "cluster") backends.set(b, backendStack(rule, b));
    return filtersLayer(rule.filters, weightedBackendLayer(rule, backends, deps.random));
  };

  /** A backend's filters, then its destination (a cluster this config does not hold ⇒ 500). */
  const backendStack = (rule: RuleIR, backend: Extract<BackendIR, { kind: "cluster" }>): Decide => {
    const cluster = state.clusters.get(backend.cluster);
    const destination: Destination | undefined = cluster === undefined ? undefined : {
      cluster,
      localAppPort: undefined,
      label: cluster.id,
      forward: exchangeStack(rule, [...rule.filters, ...backend.filters], cluster, undefined),
    };
    return filtersLayer(backend.filters, () => {
      if (destination === undefined) throw failure("unknown_cluster", "backend cluster unknown");
      return destination;
    });
  };

  /**
   * deadline ⇒ request body ⇒ mirror ⇒ relay ⇒ retry ⇒ balancer ⇒ backend caps ⇒ endpoint attempt.
   * `filters`: every filter the request passed (rule's, then backend's): their answer-side and mirror parts.
   */
  const exchangeStack = (rule: RuleIR | undefined, filters: readonly FilterIR[], cluster: ClusterIR | undefined, localAppPort: number | undefined): Exchange => {
    const mirrors = mirrorsOf(filters);
    const retry = rule?.retry;
    const replay = (retry !== undefined && retry.attempts > 0) || mirrors.length > 0;
    // The rule's retry policy, or without one the stale-connection replay; a cluster's balancer, or the local app.
    const tries = (next: Dispatch): Dispatch => (retry !== undefined ? retryLayer(retryDeps, retry, next) : staleReplayLayer(deps, next));
    const endpoint = (next: Dispatch): Dispatch => (localAppPort !== undefined
      ? localAppLayer(localAppPort, cluster, next)
      : balancerLayer(deps.chooser, deps.upstream, cluster!, next));
    // dprint-ignore: one layer per line, top to bottom, each taking the next.
    return deadlineLayer(deps.clock, rule?.timeouts.requestMs, (req) => requestTimedOut(deps.telemetry, req),
      requestBodyLayer(deps.limits, replay,
        mirrorLayer(deps.mirror, mirrors, (req, c) => deps.telemetry?.mirrorRequests.inc({ route: req.routeLabel, backend: c }),
          relayLayer(responseModifiersOf(filters), deps.metrics.trailersDropped,
            tries(
              endpoint(
                backendCapsLayer(deps.gates, cluster?.id ?? `local:${localAppPort}`, cluster?.limits,
                  attemptLayer(deps, rule?.timeouts.backendRequestMs, cluster?.id))))))));
  };

  const retryDeps = {
    budget: deps.budget,
    clock: deps.clock,
    onRetry: (req: ProxyRequest) => {
      deps.metrics.retries.inc();
      deps.telemetry?.upstreamRetries.inc({ route: req.routeLabel, backend: req.backendLabel });
    },
    onBudgetExhausted: () => deps.metrics.retryBudgetExhausted.inc(),
  };

  const stacks: Stacks = {
    rule: (rule) => {
      let s = rules.get(rule);
      if (s === undefined) {
        s = ruleStack(rule);
        rules.set(rule, s);
      }
      return s;
    },
    defaultDestination: (cluster, localAppPort) => {
      // Looked up by the cluster object and the port, as they come: no key string made per request.
      let byPort = defaults.get(cluster);
      if (byPort === undefined) {
        byPort = new Map();
        defaults.set(cluster, byPort);
      }
      let d = byPort.get(localAppPort);
      if (d === undefined) {
        const label = cluster?.id ?? (localAppPort !== undefined ? "local-app" : "none");
        d = { cluster, localAppPort, label, forward: exchangeStack(undefined, [], cluster, localAppPort) };
        byPort.set(localAppPort, d);
      }
      return d;
    },
    warm: () => {
      const tables = (t: RouteTablesIR | undefined) => {
        if (t !== undefined) { for (const r of [...t.http.rules, ...t.grpc.rules]) stacks.rule(r); }
      };
      for (const g of state.ir.gateways) for (const p of g.ports) for (const l of p.listeners) tables(l.routes);
      for (const s of state.ir.services)
        for (const p of s.ports) {
          tables(p.producer);
          for (const t of Object.values(p.consumers)) tables(t);
        }
    },
  };
  return stacks;
}
