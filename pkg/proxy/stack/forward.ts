// forward: the back half of the stack: timeouts (spec §11: request ⇒ 504, backendRequest per attempt),
// gRPC deadlines (`grpc-timeout`), retries (spec §12: `attempts` = max RETRIES, a hard bound: 1 + attempts
// upstream tries at most; listed codes, connection errors and per-attempt timeouts retried after
// backoffMs on another endpoint when there is one; only replayable bodies; budgeted), endpoint choice
// through the balancer, one upstream attempt at a time, and streaming the answer back with trailers and
// the response filters. Without a retry stanza, an idempotent request whose kept-alive connection died
// before any answer byte is sent once more (RFC 9110 §9.2.2) — unless this is an inbound sidecar serving
// a mesh peer, which marks the failure instead and leaves the decision to the peer's policy
// (connection-error-mark); a marked answer from a meshed endpoint is that connection error here.
// Takes a Plan; resolves when the exchange is over. Throws ProxyFailureError (the caller rescues).
// Must not: answer twice, retry a body it cannot replay, or exceed 1 + attempts tries.
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { EndpointIR } from "../../ir/types.ts";
import type { EndpointChooser } from "../balance/endpoint-chooser.ts";
import { bufferBody, limitBody } from "./body-buffer.ts";
import { BackendSlot, type BackendGates } from "../upstream/backend-gate.ts";
import type { Clock } from "../clock.ts";
import { connectionErrorField, failureOfMark } from "./connection-error-mark.ts";
import { clientCall, grpcStatusOf, spanClockMs, upstreamReasonOf, type ProxyMetrics as TelemetryProxyMetrics, type SpanHandle, type Tracing } from "../../telemetry/index.ts";
import type { Downstream } from "../downstream.ts";
import type { EngineState } from "../engine-types.ts";
import { applyHeaderModifier } from "./filters-headers.ts";
import { parseGrpcTimeout } from "../grpc-status.ts";
import { acceptsTrailers, forwardResponseHeaders } from "./hygiene.ts";
import type { Limits } from "../limits.ts";
import type { ProxyMetrics } from "../metrics.ts";
import type { Mirror } from "./mirror.ts";
import type { Plan } from "./request-plan.ts";
import { failure, ProxyFailureError, rescue } from "../rescue.ts";
import type { RetryBudget } from "./retry-budget.ts";
import { issueToken } from "./session-persistence.ts";
import { endpointKey } from "../endpoint-key.ts";
import type { Attempt, RelaySink, Upstream, UpstreamResponse, UpstreamTarget } from "../upstream/upstream.ts";

export interface ForwardDeps {
  readonly chooser: EndpointChooser;
  readonly upstream: Upstream;
  readonly budget: RetryBudget;
  readonly limits: Limits;
  readonly metrics: ProxyMetrics;
  readonly mirror: Mirror;
  /** Enabled tracing facade, or undefined (no spans, no propagation). */
  readonly tracing: Tracing | undefined;
  /** Shared telemetry metric set: retries and mirrored requests by route and backend. */
  readonly telemetry?: TelemetryProxyMetrics | undefined;
  /** Time for backoff sleeps, attempt latencies and the retry budget. */
  readonly clock: Clock;
  /** Per-backend caps (connections, queue, requests in flight). */
  readonly gates: BackendGates;
}

/** RFC 9110 §9.2.2: methods a client may send again after a connection failure. */
const idempotent = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/** Run `plan` to completion on `down`; `onRequestTimeout` is called when the whole-request (or gRPC) deadline answers it. */
export async function forward(down: Downstream, plan: Plan, state: EngineState, deps: ForwardDeps, span?: SpanHandle, onRequestTimeout?: () => void): Promise<void> {
  const rule = plan.rule;
  const retry = rule?.retry;
  const grpcDeadline = plan.grpc ? parseGrpcTimeout(down.headers["grpc-timeout"] as string | undefined) : undefined;
  let deadlineMs = rule?.timeouts.requestMs;
  if (grpcDeadline !== undefined && (deadlineMs === undefined || grpcDeadline < deadlineMs)) deadlineMs = grpcDeadline;

  let current: Attempt | undefined;
  /** Gives up a place in a backend's queue (set while waiting for a connection slot). */
  let leaveQueue: (() => void) | undefined;
  let timedOut = false;
  let overall: NodeJS.Timeout | undefined;
  if (deadlineMs !== undefined && deadlineMs > 0) {
    overall = setTimeout(() => {
      timedOut = true;
      leaveQueue?.();
      current?.abort();
      rescue(down, failure("request_timeout", "request timeout"), plan.grpc);
      onRequestTimeout?.();
    }, deadlineMs);
  }
  down.onClose(() => {
    if (overall !== undefined) clearTimeout(overall);
    leaveQueue?.();
    if (!down.finished()) current?.abort();
  });

  // Body: buffered when a retry or mirror needs to replay it (bounded), else streamed.
  let body: Buffer | Readable | undefined;
  const wantReplay = !plan.grpc && ((retry !== undefined && retry.attempts > 0) || plan.mirrors.length > 0);
  if (down.hasBody()) {
    body = wantReplay ? await bufferBody(down.body, deps.limits.replayBufferBytes, deps.limits.maxBodyBytes) : down.body;
  }
  if (timedOut || down.finished()) return;
  const replayable = body === undefined || Buffer.isBuffer(body);
  if (plan.mirrors.length > 0 && replayable) {
    deps.mirror.send(plan.mirrors, state, { method: plan.method, path: pathWithQuery(plan), authority: plan.authority, headers: plan.headers, body: body as Buffer | undefined },
      (mirrorCluster) => deps.telemetry?.mirrorRequests.inc({ route: routeLabelOf(plan), backend: mirrorCluster }));
  }
  // A streamed body that breaks off (the client went, or its framing broke) ends the upstream attempt,
  // and an answer already under way with it (it cannot be completed honestly).
  if (body !== undefined && !Buffer.isBuffer(body)) body.once("error", () => { current?.abort(); if (down.started()) down.reset(); });
  if (body !== undefined && !Buffer.isBuffer(body) && deps.limits.maxBodyBytes !== undefined) {
    const streamed = body;
    limitBody(streamed, deps.limits.maxBodyBytes, () => {
      current?.abort();
      rescue(down, failure("body_too_large", "request body too large"), plan.grpc);
      streamed.resume();
    });
  }

  const clock = deps.clock;
  deps.budget.onRequest();
  let retriesLeft = retry?.attempts ?? 0;
  // No retry stanza: one more try after a stale kept-alive connection, unless a mesh peer owns the policy.
  let staleReplays = retry === undefined && !plan.marksConnectionErrors && replayable && idempotent.has(plan.method) ? 1 : 0;
  let tries = 0;
  let avoid: EndpointIR | undefined;
  const cluster = plan.cluster;
  for (;;) {
    let target: UpstreamTarget;
    let stats: { inflight: number; observe(ms: number, now: number): void; observeFailure(now: number): void } | undefined;
    let endpoint: EndpointIR | undefined;
    if (plan.localAppPort !== undefined) {
      const proto = cluster?.protocol;
      target = { address: "127.0.0.1", port: plan.localAppPort, protocol: proto === "h2c" || proto === "grpc" || (proto === undefined && plan.grpc) ? "h2" : "http1" };
    } else {
      if (cluster === undefined) throw failure("unknown_cluster", "no cluster");
      const pin = avoid === undefined ? plan.session?.pin : undefined;
      const pick = (pin !== undefined ? deps.chooser.find(cluster, pin.endpoint) : undefined) ?? deps.chooser.choose(cluster, avoid);
      if (pick === undefined) throw failure("no_endpoints", "no ready endpoints");
      endpoint = pick.endpoint;
      stats = pick.stats;
      target = deps.upstream.target(cluster, endpoint, plan.grpc);
    }
    // The backend's caps: a slot now, a place in its queue, or 503 upstream_overflow (thrown).
    const entered = deps.gates.enter(cluster?.id ?? `local:${target.port}`, cluster?.limits, target.protocol === "http1", (cancel) => { leaveQueue = cancel; });
    const slot = entered instanceof BackendSlot ? entered : await entered;
    leaveQueue = undefined;
    if (slot === undefined) return;
    if (timedOut || down.finished()) { slot.release(); return; }
    try {
      const started = clock.now();
      if (stats !== undefined) stats.inflight++;
      let clientSpan: SpanHandle | undefined;
      if (span !== undefined && deps.tracing !== undefined) {
        const call = span.sampled ? clientCall({
          method: plan.method, path: pathWithQuery(plan), grpc: plan.grpc, address: target.address, port: target.port,
          mtls: target.meshIdentity !== undefined, backend: cluster?.id, attempt: tries,
        }) : undefined;
        clientSpan = deps.tracing.startClientSpan(span, call?.attributes ?? {}, call?.name);
        const headers = plan.headers;
        deps.tracing.inject(clientSpan, (name, value) => { headers[name] = value; });
      }
      tries++;
      const attempt = deps.upstream.send(target, { method: plan.method, path: pathWithQuery(plan), authority: plan.authority, headers: plan.headers, body });
      current = attempt;
      let res: UpstreamResponse | undefined;
      let failed: ProxyFailureError | undefined;
      try {
        res = await withAttemptTimeout(attempt, rule?.timeouts.backendRequestMs);
      } catch (e) {
        failed = e instanceof ProxyFailureError ? e : failure("upstream_reset", "upstream error");
      }
      // A meshed endpoint's inbound sidecar marks an answer that stands for a connection error to its app.
      if (res !== undefined && target.meshIdentity !== undefined && res.headers[connectionErrorField] !== undefined) {
        failed = failureOfMark(res.headers[connectionErrorField]);
        if (failed !== undefined) { res.body.on("error", () => {}); attempt.abort(); res = undefined; }
      }
      if (res === undefined) {
        const f = failed ?? failure("upstream_reset", "upstream error");
        clientSpan?.end({ error: f.kind });
        if (stats !== undefined) { stats.inflight--; stats.observeFailure(clock.now()); }
        slot.release();
        if (timedOut || down.finished()) return;
        if (f.staleConnection && staleReplays > 0) {
          staleReplays--;
          continue;
        }
        if (retry !== undefined && retriesLeft > 0 && replayable && f.kind !== "upstream_tls" && canRetry(deps, plan)) {
          retriesLeft--;
          avoid = endpoint;
          await clock.sleep(retry.backoffMs);
          if (timedOut || down.finished()) return;
          continue;
        }
        throw f;
      }
      const reason = clientSpan?.sampled === true ? upstreamReasonOf(res.headers) : undefined;
      if (reason !== undefined) clientSpan!.recordReason(reason);
      const now = clock.now();
      if (stats !== undefined) { stats.inflight--; stats.observe(now - started, now); }
      if (timedOut || down.finished()) { clientSpan?.end({ httpStatus: res.status }); attempt.abort(); return; }
      if (retry !== undefined && retriesLeft > 0 && replayable && retry.codes.includes(res.status) && canRetry(deps, plan)) {
        clientSpan?.end({ httpStatus: res.status });
        res.body.on("error", () => {});
        attempt.abort();
        slot.release();
        retriesLeft--;
        avoid = endpoint;
        await clock.sleep(retry.backoffMs);
        if (timedOut || down.finished()) return;
        continue;
      }
      if (plan.session !== undefined && endpoint !== undefined && cluster !== undefined) {
        const key = endpointKey(endpoint.address, endpoint.port);
        const pin = plan.session.pin;
        if (pin === undefined || pin.endpoint !== key || pin.cluster !== cluster.id) {
          const extra: OutgoingHttpHeaders = {};
          issueToken(plan.session.sp, { cluster: cluster.id, endpoint: key }, Date.now(), extra);
          plan.extraResponseHeaders = extra;
        }
      }
      const answered = res;
      // The answer relayed is the next hop's: so is its reason (e.g. no_endpoints two hops down).
      if (reason !== undefined) span?.recordReason(reason);
      // The client span ends when the answer is complete (gRPC: with its trailers' status), stamped before
      // it is handed on, so it holds the next hop's server span and ends inside this request's.
      let completeAt: number | undefined;
      const stamp = clientSpan?.sampled === true ? () => { completeAt = spanClockMs(); } : undefined;
      try {
        await relay(down, plan, answered, attempt, stamp);
    } finally {
      // …or when our own answer was complete, if that came first (its last byte written before the upstream's end was seen).
      endClientSpan(clientSpan, answered, plan.grpc, completeAt === undefined || down.endedAt === undefined ? completeAt ?? down.endedAt : Math.min(completeAt, down.endedAt));
    }
    if (overall !== undefined) clearTimeout(overall);
    return;
    } finally {
      slot.release();
    }
  }
}

function endClientSpan(span: SpanHandle | undefined, res: UpstreamResponse, grpc: boolean, atMs: number | undefined): void {
  if (span === undefined) return;
  if (!grpc) { span.end({ httpStatus: res.status }, atMs); return; }
  const status = grpcStatusOf(res.trailers(), res.headers);
  span.end(status === undefined ? { httpStatus: res.status, error: "grpc_status_missing" } : { httpStatus: res.status, grpcStatus: status }, atMs);
}

/** The `route` label the engine uses for the request (`<kind>/<ns>/<name>`, or "none"). */
function routeLabelOf(plan: Plan): string {
  const r = plan.rule?.route;
  return r === undefined ? "none" : `${r.kind}/${r.namespace}/${r.name}`;
}

function canRetry(deps: ForwardDeps, plan: Plan): boolean {
  if (deps.budget.tryRetry(deps.clock.now())) {
    deps.metrics.retries.inc();
    deps.telemetry?.upstreamRetries.inc({ route: routeLabelOf(plan), backend: plan.cluster?.id ?? (plan.localAppPort !== undefined ? "local-app" : "none") });
    return true;
  }
  deps.metrics.retryBudgetExhausted.inc();
  return false;
}

function pathWithQuery(plan: Plan): string {
  return plan.query === "" ? plan.path : `${plan.path}?${plan.query}`;
}

function withAttemptTimeout(attempt: Attempt, ms: number | undefined): Promise<UpstreamResponse> {
  if (ms === undefined || ms <= 0) return attempt.response;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { attempt.abort(); reject(failure("upstream_timeout", "upstream timeout")); }, ms);
    attempt.response.finally(() => clearTimeout(t)).then(resolve, reject);
  });
}

function responseHeaders(plan: Plan, res: UpstreamResponse): OutgoingHttpHeaders {
  const headers = forwardResponseHeaders(res.headers);
  for (const m of plan.responseModifiers) applyHeaderModifier(headers, m);
  if (plan.corsHeaders !== undefined) Object.assign(headers, plan.corsHeaders);
  const extra = plan.extraResponseHeaders;
  if (extra !== undefined) {
    for (const k in extra) {
      const v = extra[k]!;
      const prior = headers[k];
      headers[k] = k === "set-cookie" && prior !== undefined ? [...(Array.isArray(prior) ? prior : [String(prior)]), ...(Array.isArray(v) ? v : [String(v)])] : v;
    }
  }
  return headers;
}

function cutShort(body: Readable): boolean {
  const b = body as Readable & { complete?: boolean; aborted?: boolean; rstCode?: number };
  return b.complete === false || b.aborted === true || (b.rstCode !== undefined && b.rstCode !== 0);
}

/** Stream the upstream answer to the downstream, trailers included; resets on mid-body failure. */
/** `complete` is called once the upstream answer is complete, before the downstream is ended or reset. */
function relay(down: Downstream, plan: Plan, res: UpstreamResponse, attempt: Attempt, complete?: () => void): Promise<void> {
  const headers = responseHeaders(plan, res);
  try {
    if (res.endStream) {
      complete?.();
      if (down.h2 && res.status === 200) down.trailersOnly(headers);
      else { down.head(res.status, headers); down.end(); }
      return Promise.resolve();
    }
    // Trailers are relayed when they can come and the client takes them: gRPC, an answer that
    // announces them (`Trailer`), or a client that said `TE: trailers` (RFC 9110 §10.1.4). Only then
    // does an h2 answer hold its stream open for them (an empty trailer section ends it otherwise).
    down.head(res.status, headers, plan.grpc || res.headers.trailer !== undefined || acceptsTrailers(down.headers.te));
  } catch (e) {
    // Headers node refuses to send (e.g. a response filter set an invalid value): free the upstream.
    attempt.abort();
    throw failure("internal", e instanceof Error && (e as { code?: string }).code?.startsWith("ERR_") === true ? "response headers cannot be sent" : "internal error");
  }
  return new Promise((resolve) => {
    let ended = false;
    const sink: RelaySink = {
      data: (c) => down.write(c),
      onDrain: (fn) => down.onDrain(fn),
      end: (t) => {
        if (ended) return;
        ended = true;
        complete?.();
        down.end(t !== undefined && Object.keys(t).length > 0 ? forwardResponseHeaders(t) : undefined);
        resolve();
      },
      broken: () => { if (ended) return; ended = true; complete?.(); down.reset(); resolve(); },
    };
    if (res.relayTo !== undefined) res.relayTo(sink);
    else pipeBody(res.body, () => res.trailers(), sink);
    down.onClose(() => { if (!ended) { ended = true; attempt.abort(); resolve(); } });
  });
}

/** Feeds a streamed answer body (h2 upstreams) into a relay sink, with backpressure. */
function pipeBody(body: Readable, trailers: () => IncomingHttpHeaders | undefined, sink: RelaySink): void {
  body.on("data", (c: Buffer) => { if (!sink.data(c)) body.pause(); });
  sink.onDrain(() => body.resume());
  // node ends a stream that the peer cut short too (h2 RST_STREAM, h1 socket closed mid-body):
  // forwarding that as a clean end would hand the client a truncated answer as complete.
  body.once("end", () => { if (cutShort(body)) sink.broken(); else sink.end(trailers()); });
  body.once("error", () => sink.broken());
  body.once("close", () => { if (!body.readableEnded) sink.broken(); });
}
