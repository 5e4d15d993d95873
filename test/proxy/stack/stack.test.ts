// stack: the assembly (stack/stack.ts) over a fake upstream, time on a manual clock — the layers of a
// rule run in their order (request filters before any try, one mirror copy for two tries, retries under
// the whole-request deadline, answer-side filters on the relayed answer), the telemetry around them
// (forwarded vs answered counts, refusals rescued once and counted), and a config's stacks composed once.
import { describe, expect, it } from "vitest";
import type { RuleIR } from "../../../pkg/ir/types.ts";
import { EndpointChooser } from "../../../pkg/proxy/balance/endpoint-chooser.ts";
import type { EngineState, RouteContext } from "../../../pkg/proxy/engine-types.ts";
import { defaultLimits } from "../../../pkg/proxy/limits.ts";
import { ProxyMetrics } from "../../../pkg/proxy/metrics.ts";
import { compileRoutes } from "../../../pkg/proxy/router-bridge.ts";
import { Mirror } from "../../../pkg/proxy/stack/mirror.ts";
import { RetryBudget } from "../../../pkg/proxy/stack/retry-budget.ts";
import { compileStacks, requestPath, type StackDeps } from "../../../pkg/proxy/stack/stack.ts";
import { BackendGates } from "../../../pkg/proxy/upstream/backend-gate.ts";
import type { Upstream } from "../../../pkg/proxy/upstream/upstream.ts";
import type { UpstreamRequest, UpstreamTarget } from "../../../pkg/proxy/upstream/upstream-types.ts";
import type { Tracing } from "../../../pkg/telemetry/index.ts";
import { backend, prefix, tables } from "../fixtures.ts";
import { ManualClock } from "../manual-clock.ts";
import { clusterOf, FakeAttempt, FakeDownstream, gatewayCtx, responseOf, settle, stateOf } from "./fakes.ts";

/** An upstream that records every send (port, request) and hands out attempts the test settles. */
function fakeUpstream() {
  const sends: { port: number; req: UpstreamRequest; attempt: FakeAttempt }[] = [];
  const upstream = {
    target: (_c: unknown, ep: { address: string; port: number }): UpstreamTarget => ({ address: ep.address, port: ep.port, protocol: "http1" }),
    send: (t: UpstreamTarget, req: UpstreamRequest) => {
      const attempt = new FakeAttempt();
      sends.push({ port: t.port, req, attempt });
      return attempt;
    },
  } as unknown as Upstream;
  return { upstream, sends };
}

function depsWith(upstream: Upstream, clock: ManualClock, state: () => EngineState | undefined): StackDeps & { metrics: ProxyMetrics; done: number[] } {
  const chooser = new EndpointChooser("round-robin", () => 0);
  const metrics = new ProxyMetrics();
  const done: number[] = [];
  return {
    limits: defaultLimits,
    random: () => 0,
    chooser,
    upstream,
    clock,
    metrics,
    state,
    done,
    gates: new BackendGates({ maxConnections: 100, maxPendingRequests: 100, maxRequests: 100 }),
    budget: new RetryBudget({ floorPerSecond: 100 }, clock.now()),
    mirror: new Mirror(chooser, upstream, metrics, () => 0),
    telemetry: undefined,
    accessLog: undefined,
    tracing: undefined,
    log: () => {},
    onDone: () => {
      done.push(1);
    },
  };
}

/** Tracing whose every span is `sampled` or not, recording nothing. */
function fakeTracing(sampled: boolean): Tracing {
  const span = { sampled, traceId: "0af7651916cd43dd8448eb211c80319c", setAttributes() {}, setRoute() {}, recordReason() {}, end() {} };
  return { startServerSpan: () => span, startClientSpan: () => span, inject() {} } as unknown as Tracing;
}

/** A downstream that records whether it was asked to stamp its answer's end. */
class StampingDownstream extends FakeDownstream {
  stamped = false;
  stampEnd(): void {
    this.stamped = true;
  }
}

const a = clusterOf("ns/a:80", [1001]);
const m = clusterOf("ns/m:80", [2001]);

describe("the assembled stack", () => {
  it("runs a rule's layers in order: filters, one mirror copy, retries, the answer-side filters on the relayed answer", async () => {
    const clock = new ManualClock();
    const { upstream, sends } = fakeUpstream();
    const state = stateOf([a, m]);
    const t = tables([{
      matches: [prefix("/")],
      backends: [backend("ns/a:80")],
      timeouts: { requestMs: 1000 },
      retry: { attempts: 1, codes: [503], backoffMs: 10 },
      filters: [
        { type: "RequestHeaderModifier", set: [{ name: "x-a", value: "1" }], add: [], remove: [] },
        { type: "RequestMirror", cluster: "ns/m:80", numerator: 1, denominator: 1 },
        { type: "ResponseHeaderModifier", set: [{ name: "x-answer", value: "edited" }], add: [], remove: [] },
      ],
    }]);
    const deps = depsWith(upstream, clock, () => state);
    const path = requestPath(deps);
    const down = new FakeDownstream();
    path.serve(down, { ...gatewayCtx, routes: compileRoutes(t) });
    await settle();
    expect(sends.map((s) => s.port)).toEqual([2001, 1001]);
    expect(sends.every((s) => s.req.headers["x-a"] === "1")).toBe(true);
    expect(clock.timersPending()).toEqual([1000]);
    sends[0]!.attempt.resolve(responseOf(200));
    sends[1]!.attempt.resolve(responseOf(503));
    await settle();
    expect(clock.pending()).toEqual([10]);
    clock.advance(10);
    await settle();
    expect(sends.map((s) => s.port)).toEqual([2001, 1001, 1001]);
    const answer = responseOf(200, { "x-answer": "raw" });
    sends[2]!.attempt.resolve(answer);
    await settle();
    answer.body.end("ok");
    await settle();
    expect(down.events).toEqual(["head 200", "ok", "end"]);
    expect(down.sentHeaders?.["x-answer"]).toBe("edited");
    expect(clock.timersPending()).toEqual([]);
    expect([deps.metrics.retries.get(), deps.metrics.mirrors.get({ cluster: "ns/m:80" }), deps.metrics.requests.get({ face: "gateway", class: "forwarded" })]).toEqual([1, 1, 1]);
  });

  it("a sampled request has its downstream stamp the answer's end (its server span ends then); an unsampled one does not", async () => {
    for (const sampled of [true, false]) {
      const clock = new ManualClock();
      const { upstream, sends } = fakeUpstream();
      const state = stateOf([a]);
      const t = tables([{ matches: [prefix("/")], backends: [backend("ns/a:80")] }]);
      const path = requestPath({ ...depsWith(upstream, clock, () => state), tracing: fakeTracing(sampled) });
      const down = new StampingDownstream();
      path.serve(down, { ...gatewayCtx, routes: compileRoutes(t) });
      await settle();
      expect(sends.length).toBe(1);
      expect(down.stamped).toBe(sampled);
    }
  });

  it("the whole-request deadline bounds the tries: it answers 504 and stops the attempt under way", async () => {
    const clock = new ManualClock();
    const { upstream, sends } = fakeUpstream();
    const state = stateOf([a]);
    const t = tables([{ matches: [prefix("/")], backends: [backend("ns/a:80")], timeouts: { requestMs: 100 }, retry: { attempts: 3, codes: [], backoffMs: 10 } }]);
    const path = requestPath(depsWith(upstream, clock, () => state));
    const down = new FakeDownstream();
    path.serve(down, { ...gatewayCtx, routes: compileRoutes(t) });
    await settle();
    clock.advance(100);
    expect(down.events[0]).toBe("head 504");
    expect(sends[0]!.attempt.aborted).toBeGreaterThan(0);
  });

  it("telemetry: a filter's answer is sent and counted by its class, a refusal is rescued once and counted by its code", async () => {
    const clock = new ManualClock();
    const { upstream } = fakeUpstream();
    const state = stateOf([a]);
    const t = tables([
      { matches: [prefix("/old")], filters: [{ type: "RequestRedirect", statusCode: 302, path: { type: "ReplaceFullPath", value: "/new" } }] },
      { matches: [prefix("/")], backends: [backend("ns/gone:80")] },
    ]);
    const deps = depsWith(upstream, clock, () => state);
    const path = requestPath(deps);
    const ctx: RouteContext = { ...gatewayCtx, routes: compileRoutes(t) };
    const moved = Object.assign(new FakeDownstream(), { target: "/old/x" });
    path.serve(moved, ctx);
    expect(moved.events).toEqual(["head 302", "end"]);
    expect(moved.sentHeaders?.location).toBe("http://example.test/new");
    const gone = new FakeDownstream();
    path.serve(gone, ctx);
    expect(gone.events).toEqual(["head 500", "backend cluster unknown\n", "end"]);
    const bad = Object.assign(new FakeDownstream(), { target: "/../x" });
    path.serve(bad, ctx);
    expect(bad.events[0]).toBe("head 400");
    expect(deps.metrics.requests.get({ face: "gateway", class: "3xx" })).toBe(1);
    expect(deps.metrics.failures.get({ face: "gateway", code: "unknown_cluster" })).toBe(1);
    expect(deps.metrics.failures.get({ face: "gateway", code: "bad_path" })).toBe(1);
    for (const d of [moved, gone, bad]) d.close();
    expect(deps.done).toHaveLength(3);
  });

  it("a config's stacks are composed once per rule (and per destination without routes)", () => {
    const state = stateOf([a]);
    const t = tables([{ matches: [prefix("/")], backends: [backend("ns/a:80")] }]);
    const withRoutes: EngineState = { ...state,
      ir: { ...state.ir, gateways: [{ namespace: "g", name: "g", ports: [{ port: 80, protocol: "HTTP", listeners: [{ id: "l", name: "l", protocol: "HTTP", certificates: [], routes: t }] }] }] } };
    const stacks = compileStacks(withRoutes, depsWith(fakeUpstream().upstream, new ManualClock(), () => withRoutes));
    const rule: RuleIR = t.http.rules[0]!;
    const first = stacks.rule(rule);
    expect(stacks.rule(rule)).toBe(first);
    expect(stacks.defaultDestination(a, undefined)).toBe(stacks.defaultDestination(a, undefined));
  });
});
