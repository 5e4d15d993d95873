// dispatch-layers: the layers that obtain one upstream answer, each alone over a fake next, time on a
// manual clock — retry (a listed status or a try failure retried after backoff on another endpoint, within
// attempts and the budget; never a refusal before any try, an identity failure or a streamed body; nothing
// more once the exchange is over), the stale-connection replay without a policy, the balancer (avoidance,
// session pins and tokens, the local app), backend caps (a place held until the answer is let go, a
// queue, overflow) and the endpoint attempt (what is sent, per-try timeout, load figures, a mesh peer's
// connection-error mark).
import { describe, expect, it } from "vitest";
import { EndpointChooser } from "../../../pkg/proxy/balance/endpoint-chooser.ts";
import { EndpointStats } from "../../../pkg/proxy/balance/endpoint-stats.ts";
import { failure, type ProxyFailureError } from "../../../pkg/proxy/rescue.ts";
import { attemptLayer as attemptDispatch } from "../../../pkg/proxy/stack/attempt-layer.ts";
import { backendCapsLayer as backendCapsDispatch } from "../../../pkg/proxy/stack/backend-caps-layer.ts";
import { balancerLayer as balancerDispatch, localAppLayer as localAppDispatch } from "../../../pkg/proxy/stack/balancer-layer.ts";
import type { DispatchReport, ProxyRequest } from "../../../pkg/proxy/stack/request.ts";
import { retryLayer as retryDispatch, staleReplayLayer as staleReplayDispatch } from "../../../pkg/proxy/stack/retry-layer.ts";
import { RetryBudget } from "../../../pkg/proxy/stack/retry-budget.ts";
import { decodeToken } from "../../../pkg/proxy/stack/session-persistence.ts";
import { BackendGates } from "../../../pkg/proxy/upstream/backend-gate.ts";
import { H1Answer } from "../../../pkg/proxy/upstream/h1-answer.ts";
import type { Upstream } from "../../../pkg/proxy/upstream/upstream.ts";
import type { UpstreamRequest, UpstreamResponse, UpstreamTarget } from "../../../pkg/proxy/upstream/upstream-types.ts";
import { ManualClock } from "../manual-clock.ts";
import { answerOf, clusterOf, dispatched, endpointOf, FakeAttempt, fakeOf, requestOf, responseOf, scripted, settle } from "./fakes.ts";

// Each layer as a promise of what it reports (its answer, or its failure as a rejection).
const retryLayer = (...a: Parameters<typeof retryDispatch>) => dispatched(retryDispatch(...a));
const staleReplayLayer = (...a: Parameters<typeof staleReplayDispatch>) => dispatched(staleReplayDispatch(...a));
const balancerLayer = (...a: Parameters<typeof balancerDispatch>) => dispatched(balancerDispatch(...a));
const localAppLayer = (...a: Parameters<typeof localAppDispatch>) => dispatched(localAppDispatch(...a));
const backendCapsLayer = (...a: Parameters<typeof backendCapsDispatch>) => dispatched(backendCapsDispatch(...a));
const attemptLayer = (...a: Parameters<typeof attemptDispatch>) => dispatched(attemptDispatch(...a));

const stale = (): ProxyFailureError => {
  const f = failure("upstream_reset", "upstream connection reset");
  f.staleConnection = true;
  return f;
};

/** Retry deps on a manual clock with a generous budget; counts what the layer reported. */
function retryDeps(clock = new ManualClock(), budget = new RetryBudget({ floorPerSecond: 100 }, clock.now())) {
  const counts = { retries: 0, exhausted: 0, deposits: 0 };
  const b = Object.assign(Object.create(budget) as RetryBudget, { onRequest: () => {
    counts.deposits++;
    budget.onRequest();
  } });
  return { clock, counts, deps: { budget: b, clock, onRetry: () => {
    counts.retries++;
  }, onBudgetExhausted: () => {
    counts.exhausted++;
  } } };
}

/** Runs the backoff sleeps the layer waits on, as they come. */
async function runBackoffs(clock: ManualClock, until: Promise<unknown>): Promise<number[]> {
  const waited: number[] = [];
  let done = false;
  until.then(() => {
    done = true;
  }, () => {
    done = true;
  });
  while (!done) {
    await settle();
    for (const ms of clock.pending()) {
      waited.push(ms);
      clock.advance(ms);
    }
  }
  return waited;
}

describe("retry layer (a rule's policy)", () => {
  const policy = { attempts: 2, codes: [503], backoffMs: 25 };

  it("retries a listed status after backoff, away from the endpoint that answered it, and relays the next answer", async () => {
    const { clock, counts, deps } = retryDeps();
    const first = answerOf(503);
    const second = answerOf(200);
    const next = scripted<UpstreamResponse>(first, second);
    const req = requestOf();
    const ep = endpointOf(1);
    const layer = retryLayer(deps, policy, (r, to) => {
      r.endpoint = ep;
      next(r, to);
    });
    const p = layer(req);
    const waited = await runBackoffs(clock, p);
    expect(await p).toBe(second.response);
    expect(waited).toEqual([25]);
    expect(first.outcomes).toEqual(["dropped"]);
    expect(first.attempt.aborted).toBe(1);
    expect(req.avoid).toBe(ep);
    expect(counts).toEqual({ retries: 1, exhausted: 0, deposits: 1 });
  });

  it("1 + attempts tries at most; the last answer is relayed as it is", async () => {
    const { clock, deps } = retryDeps();
    const answers = [answerOf(503), answerOf(503), answerOf(503)];
    const next = scripted<UpstreamResponse>(...answers);
    const p = retryLayer(deps, policy, next)(requestOf());
    await runBackoffs(clock, p);
    expect(await p).toBe(answers[2]!.response);
    expect(next.calls).toHaveLength(3);
  });

  it("try failures too get 1 + attempts tries at most; then the last failure is the answer", async () => {
    const { clock, deps } = retryDeps();
    const next = scripted<UpstreamResponse>(failure("upstream_reset"), failure("upstream_connect"), failure("upstream_timeout"), answerOf(200));
    const p = retryLayer(deps, policy, next)(requestOf());
    const waited = runBackoffs(clock, p);
    await expect(p).rejects.toMatchObject({ kind: "upstream_timeout" });
    expect(await waited).toEqual([25, 25]);
    expect(next.calls).toHaveLength(3);
  });

  it("retries try failures, but not an identity failure, a refusal before any try, or an error that is no proxy failure", async () => {
    const { clock, deps } = retryDeps();
    const ok = answerOf(200);
    const connect = scripted<UpstreamResponse>(failure("upstream_connect"), ok);
    const p = retryLayer(deps, policy, connect)(requestOf());
    await runBackoffs(clock, p);
    expect(await p).toBe(ok.response);
    for (const kind of ["upstream_tls", "no_endpoints", "upstream_overflow", "unknown_cluster"] as const) {
      const next = scripted<UpstreamResponse>(failure(kind));
      await expect(retryLayer(deps, policy, next)(requestOf())).rejects.toMatchObject({ kind });
      expect(next.calls).toHaveLength(1);
    }
    const bug = new TypeError("a fault below the retry layer");
    const next = scripted<UpstreamResponse>(bug, answerOf(200));
    await expect(retryLayer(deps, policy, next)(requestOf())).rejects.toBe(bug);
    expect(next.calls).toHaveLength(1);
  });

  it("no retry for a streamed body, nor past the budget (counted)", async () => {
    const streamedReq = requestOf();
    streamedReq.body = fakeOf(streamedReq).body;
    const { deps } = retryDeps();
    const a = answerOf(503);
    expect(await retryLayer(deps, policy, scripted<UpstreamResponse>(a))(streamedReq)).toBe(a.response);
    const clock = new ManualClock();
    const empty = retryDeps(clock, new RetryBudget({ floorPerSecond: 0, ratio: 0 }, clock.now()));
    const b = answerOf(503);
    expect(await retryLayer(empty.deps, policy, scripted<UpstreamResponse>(b))(requestOf())).toBe(b.response);
    expect(empty.counts).toMatchObject({ retries: 0, exhausted: 1 });
  });

  it("an answer that comes after the exchange is over goes up as it is, not retried", async () => {
    const { deps } = retryDeps();
    const late = answerOf(503);
    const req = requestOf();
    const next = scripted<UpstreamResponse>(late);
    const p = retryLayer(deps, policy, (r, to) => {
      fakeOf(r).reset();
      next(r, to);
    })(req);
    expect(await p).toBe(late.response);
    expect(next.calls).toHaveLength(1);
    expect(late.outcomes).toEqual([]);
  });

  it("gives up quietly when the exchange ends during the backoff, after a failure or a listed status (not relaying the dropped answer)", async () => {
    for (const first of [failure("upstream_reset"), answerOf(503)]) {
      const { clock, deps } = retryDeps();
      const next = scripted<UpstreamResponse>(first);
      const req = requestOf();
      const p = retryLayer(deps, policy, next)(req);
      await settle();
      expect(clock.pending()).toEqual([25]);
      fakeOf(req).reset();
      clock.advance(25);
      expect(await p).toBeUndefined();
      expect(next.calls).toHaveLength(1);
    }
  });

  it("a try that fails after the exchange ended is neither retried nor rethrown, and spends no budget", async () => {
    for (const attempts of [0, 2]) {
      const { clock, counts, deps } = retryDeps();
      const next = scripted<UpstreamResponse>(failure("upstream_reset"), answerOf(200));
      const p = retryLayer(deps, { ...policy, attempts }, (r, to) => {
        fakeOf(r).reset();
        next(r, to);
      })(requestOf());
      await settle();
      expect(clock.pending(), `attempts ${attempts}`).toEqual([]);
      expect(await p).toBeUndefined();
      expect(next.calls).toHaveLength(1);
      expect(counts.retries).toBe(0);
    }
  });

  it("a try that ends with nothing to relay (its place in a backend's queue given up) ends the request's tries", async () => {
    const { deps } = retryDeps();
    const next = scripted<UpstreamResponse | undefined>(undefined);
    expect(await retryLayer(deps, policy, next)(requestOf())).toBeUndefined();
    expect(next.calls).toHaveLength(1);
  });
});

describe("stale-connection replay (no policy)", () => {
  it("an idempotent request is sent once more after a stale kept-alive connection, not twice", async () => {
    const { deps, counts } = retryDeps();
    const ok = answerOf(200);
    expect(await staleReplayLayer(deps, scripted<UpstreamResponse>(stale(), ok))(requestOf())).toBe(ok.response);
    const twice = scripted<UpstreamResponse>(stale(), stale());
    await expect(staleReplayLayer(deps, twice)(requestOf())).rejects.toMatchObject({ staleConnection: true });
    expect(twice.calls).toHaveLength(2);
    expect(counts.deposits).toBe(2);
  });

  it("a stale connection found after the exchange ended is not replayed; a fault that is no proxy failure still goes up", async () => {
    const { deps } = retryDeps();
    /** A next layer whose try ends the exchange before it fails. */
    const endingFirst = (next: ReturnType<typeof scripted<UpstreamResponse>>) => (r: ProxyRequest, to: DispatchReport) => {
      fakeOf(r).reset();
      next(r, to);
    };
    const next = scripted<UpstreamResponse>(stale(), answerOf(200));
    expect(await staleReplayLayer(deps, endingFirst(next))(requestOf())).toBeUndefined();
    expect(next.calls).toHaveLength(1);
    const bug = new TypeError("a fault below the replay layer");
    await expect(staleReplayLayer(deps, endingFirst(scripted<UpstreamResponse>(bug)))(requestOf())).rejects.toBe(bug);
  });

  it("a POST, a streamed body, another failure, or an inbound sidecar serving a mesh peer gets no replay", async () => {
    const { deps } = retryDeps();
    const streamed = requestOf();
    streamed.body = fakeOf(streamed).body;
    for (const [req, f] of [
      [requestOf({ method: "POST" }), stale()],
      [streamed, stale()],
      [requestOf(), failure("upstream_connect")],
      [requestOf({}, { ctx: { face: "sidecar-inbound", peerIdentity: "spiffe://td/ns/a/sa/b" } }), stale()],
    ] as const) {
      const next = scripted<UpstreamResponse>(f);
      await expect(staleReplayLayer(deps, next)(req)).rejects.toBe(f);
      expect(next.calls).toHaveLength(1);
    }
  });
});

describe("balancer layer", () => {
  const upstream = {
    target: (_c: unknown, ep: { address: string; port: number }, grpc: boolean): UpstreamTarget => ({ address: ep.address, port: ep.port, protocol: grpc ? "h2" : "http1" }),
  } as unknown as Upstream;

  it("chooses an endpoint for the try, avoiding the one a retried try used", async () => {
    const cluster = clusterOf("ns/a:80", [1, 2]);
    const next = scripted<UpstreamResponse | undefined>(undefined, undefined, undefined);
    // random() = 0: power of two choices weighs endpoints 0 and 1, a tie going to 0.
    const layer = balancerLayer(new EndpointChooser("p2c-ewma", () => 0), upstream, cluster, next);
    const req = requestOf();
    await layer(req);
    expect(req.target).toEqual({ address: "127.0.0.1", port: 1, protocol: "http1" });
    await layer(req);
    expect(req.target?.port).toBe(1);
    req.avoid = req.endpoint;
    await layer(req);
    expect(req.target?.port).toBe(2);
    expect(req.stats).toBeInstanceOf(EndpointStats);
  });

  it("no usable endpoint ⇒ no_endpoints", async () => {
    const cluster = clusterOf("ns/a:80", []);
    await expect(balancerLayer(new EndpointChooser("p2c-ewma", () => 0), upstream, cluster, scripted())(requestOf())).rejects.toMatchObject({ kind: "no_endpoints" });
  });

  it("a session pin sends the first try to its endpoint; an answer from another endpoint carries a fresh token", async () => {
    const cluster = clusterOf("ns/a:80", [1, 2]);
    const sp = { type: "Header" as const, name: "x-s", lifetimeType: "Session" as const };
    const layer = balancerLayer(new EndpointChooser("round-robin", () => 0), upstream, cluster, (_r, to) => to.answer(answerOf(200).response));
    const pinned = requestOf();
    pinned.session = { sp, pin: { cluster: "ns/a:80", endpoint: "127.0.0.1:2" } };
    await layer(pinned);
    expect(pinned.target?.port).toBe(2);
    expect(pinned.sessionHeaders).toBeUndefined();
    // A retry avoids the endpoint that failed, pinned or not, and the answer then carries a token for the new one.
    pinned.avoid = pinned.endpoint;
    await layer(pinned);
    expect(pinned.target?.port).toBe(1);
    expect(decodeToken(String(pinned.sessionHeaders?.["x-s"]), sp, Date.now())?.endpoint).toBe("127.0.0.1:1");
    const fresh = requestOf();
    fresh.session = { sp, pin: undefined };
    await layer(fresh);
    const token = fresh.sessionHeaders?.["x-s"];
    expect(decodeToken(String(token), sp, Date.now())).toEqual({ cluster: "ns/a:80", endpoint: `127.0.0.1:${fresh.target?.port}` });
  });

  it("the local app: 127.0.0.1:<port>, HTTP/2 when its cluster speaks h2c or grpc (or, unknown, for gRPC)", async () => {
    const next = scripted<undefined>(undefined, undefined, undefined, undefined);
    const grpc = { headers: { host: "h", "content-type": "application/grpc" } };
    const targets: (string | undefined)[] = [];
    for (const [cluster, down] of [[undefined, {}], [undefined, grpc], [clusterOf("c", [], { protocol: "h2c" }), {}], [clusterOf("c", []), grpc]] as const) {
      const req = requestOf(down);
      await localAppLayer(8080, cluster, next)(req);
      targets.push(`${req.target?.address}:${req.target?.port} ${req.target?.protocol}`);
    }
    expect(targets).toEqual(["127.0.0.1:8080 http1", "127.0.0.1:8080 h2", "127.0.0.1:8080 h2", "127.0.0.1:8080 http1"]);
  });
});

describe("backend caps layer", () => {
  const h1Target = (req: ProxyRequest): ProxyRequest => {
    req.target = { address: "127.0.0.1", port: 1, protocol: "http1" };
    return req;
  };

  it("holds a place for the try (req.slot) until the try ends", async () => {
    const gates = new BackendGates({ maxConnections: 10, maxPendingRequests: 10, maxRequests: 10 });
    const req = h1Target(requestOf());
    const a = answerOf(200);
    expect(await backendCapsLayer(gates, "ns/a:80", undefined, scripted<UpstreamResponse>(a))(req)).toBe(a.response);
    expect(gates.load("ns/a:80")).toEqual({ active: 1, connections: 1, waiting: 0 });
    req.endTry("relayed");
    expect(gates.load("ns/a:80")).toEqual({ active: 0, connections: 0, waiting: 0 });
    expect(a.outcomes).toEqual(["relayed"]);
  });

  it("waits in the backend's queue when its connections are taken, gives the place up on cancel, and refuses past the queue", async () => {
    const gates = new BackendGates({ maxConnections: 1, maxPendingRequests: 1, maxRequests: 10 });
    const first = answerOf(200);
    const second = answerOf(200);
    const layer = backendCapsLayer(gates, "ns/a:80", undefined, scripted<UpstreamResponse>(first, second));
    const holder = h1Target(requestOf());
    await layer(holder);
    const waiting = h1Target(requestOf());
    const queued = layer(waiting);
    expect(gates.load("ns/a:80").waiting).toBe(1);
    await expect(layer(h1Target(requestOf()))).rejects.toMatchObject({ kind: "upstream_overflow" });
    holder.endTry("relayed");
    expect(await queued).toBe(second.response);
    const gone = h1Target(requestOf());
    const cancelled = layer(gone);
    gone.leaveQueue!();
    expect(await cancelled).toBeUndefined();
    expect(gates.load("ns/a:80")).toEqual({ active: 1, connections: 1, waiting: 0 });
    waiting.endTry("dropped");
    expect(gates.load("ns/a:80")).toEqual({ active: 0, connections: 0, waiting: 0 });
  });

  it("a place that frees while the exchange is already over is handed back at once", async () => {
    const gates = new BackendGates({ maxConnections: 1, maxPendingRequests: 1, maxRequests: 10 });
    const layer = backendCapsLayer(gates, "ns/a:80", undefined, scripted<UpstreamResponse>(answerOf(200)));
    const holder = h1Target(requestOf());
    await layer(holder);
    const late = h1Target(requestOf());
    const queued = layer(late);
    fakeOf(late).reset();
    holder.endTry("relayed");
    expect(await queued).toBeUndefined();
    expect(gates.load("ns/a:80")).toEqual({ active: 0, connections: 0, waiting: 0 });
  });
});

describe("endpoint attempt layer", () => {
  /** An Upstream whose send() records the request and hands back the given attempts in turn. */
  function fakeUpstream(...attempts: FakeAttempt[]): Upstream & { sent: UpstreamRequest[] } {
    const sent: UpstreamRequest[] = [];
    return { sent, send: (_t: UpstreamTarget, r: UpstreamRequest) => {
      sent.push(r);
      return attempts.shift()!;
    } } as unknown as Upstream & { sent: UpstreamRequest[] };
  }
  const ready = (req: ProxyRequest, meshIdentity?: string): ProxyRequest => {
    req.target = { address: "127.0.0.1", port: 1, protocol: "h2", ...(meshIdentity !== undefined ? { meshIdentity } : {}) };
    req.stats = new EndpointStats();
    return req;
  };

  it("sends the request as shaped, counts the try, and records the latency to the answer's head", async () => {
    const clock = new ManualClock();
    const attempt = new FakeAttempt();
    const upstream = fakeUpstream(attempt);
    const req = ready(requestOf({ target: "/p?q=1" }));
    req.body = Buffer.from("b");
    const p = attemptLayer({ upstream, clock, tracing: undefined }, undefined, "ns/a:80")(req);
    expect(req.stats!.inflight).toBe(1);
    clock.advance(40);
    attempt.resolve(responseOf(200));
    const answer = await p;
    expect(answer?.status).toBe(200);
    expect(upstream.sent[0]).toMatchObject({ method: "GET", path: "/p?q=1", authority: "example.test", body: Buffer.from("b") });
    expect([req.tries, req.attempt, req.stats!.inflight, req.stats!.ewmaMs]).toEqual([1, attempt, 0, 40]);
  });

  it("a try past backendRequest is aborted and fails upstream_timeout, and the failed try ends; an unknown error is upstream_reset", async () => {
    const clock = new ManualClock();
    const slow = new FakeAttempt();
    const req = ready(requestOf());
    const ended: string[] = [];
    req.onTryEnd = (o) => ended.push(o);
    const p = attemptLayer({ upstream: fakeUpstream(slow), clock, tracing: undefined }, 300, "ns/a:80")(req);
    expect(clock.timersPending()).toEqual([300]);
    clock.advance(300);
    await expect(p).rejects.toMatchObject({ kind: "upstream_timeout" });
    expect(slow.aborted).toBe(1);
    expect(ended).toEqual(["dropped"]);
    expect(req.stats!.ewmaMs).toBeGreaterThanOrEqual(250);
    const broken = new FakeAttempt();
    const q = attemptLayer({ upstream: fakeUpstream(broken), clock, tracing: undefined }, undefined, "ns/a:80")(ready(requestOf()));
    broken.reject(new Error("boom"));
    await expect(q).rejects.toMatchObject({ kind: "upstream_reset" });
  });

  it("a meshed endpoint's marked answer is the connection error it stands for; an unmeshed one's mark is just a header", async () => {
    const clock = new ManualClock();
    const marked = new FakeAttempt();
    const p = attemptLayer({ upstream: fakeUpstream(marked), clock, tracing: undefined }, undefined, "ns/a:80")(ready(requestOf(), "spiffe://td/ns/b/sa/b"));
    marked.resolve(responseOf(503, { "x-weft-connection-error": "upstream_connect; stale" }));
    await expect(p).rejects.toMatchObject({ kind: "upstream_connect", staleConnection: true });
    expect(marked.aborted).toBe(1);
    const plain = new FakeAttempt();
    const q = attemptLayer({ upstream: fakeUpstream(plain), clock, tracing: undefined }, undefined, "ns/a:80")(ready(requestOf()));
    plain.resolve(responseOf(503, { "x-weft-connection-error": "upstream_connect" }));
    expect((await q)?.status).toBe(503);
  });

  it("a meshed endpoint's HTTP/1.1 answer is checked for the mark in its raw fields: an unmarked one makes no header object, a marked one is read as received", async () => {
    const clock = new ManualClock();
    const mesh = "spiffe://td/ns/b/sa/b";
    const plain = new FakeAttempt();
    const p = attemptLayer({ upstream: fakeUpstream(plain), clock, tracing: undefined }, undefined, "ns/a:80")(ready(requestOf(), mesh));
    const unmarked = new H1Answer(200, ["Content-Length", "2", "Content-Type", "text/plain"], undefined);
    plain.resolve(unmarked);
    expect(await p).toBe(unmarked);
    expect((unmarked as unknown as { fields: unknown }).fields).toBeUndefined();
    const marked = new FakeAttempt();
    const q = attemptLayer({ upstream: fakeUpstream(marked), clock, tracing: undefined }, undefined, "ns/a:80")(ready(requestOf(), mesh));
    marked.resolve(new H1Answer(503, ["Content-Length", "0", "X-Weft-Connection-Error", "upstream_reset; stale"], undefined));
    await expect(q).rejects.toMatchObject({ kind: "upstream_reset", staleConnection: true });
    // Repeated fields are joined as the header object joins them: two marks are no mark.
    const twice = new FakeAttempt();
    const r = attemptLayer({ upstream: fakeUpstream(twice), clock, tracing: undefined }, undefined, "ns/a:80")(ready(requestOf(), mesh));
    twice.resolve(new H1Answer(503, ["x-weft-connection-error", "upstream_reset", "x-weft-connection-error", "upstream_connect"], undefined));
    expect((await r)?.status).toBe(503);
  });
});
