// unsampled-path: what a request the sampler drops costs with tracing on — only the propagation it must
// do. A dropped new trace never reaches the span start or OpenTelemetry's sampler (the decision is the ratio
// sampler's own arithmetic, ratio-sampling.ts, checked here against the SDK's sampler on random ids);
// attributes and span names given as functions are never called for it; header objects are read and
// written in place; and what it writes is the context the next hop needs: the same trace id, a fresh
// span id, flags 00, in every configured format — as slices of one header text (droppedHopText: traceparent then
// b3, the ids written as hex straight into both), a span id of its own per try. Through the proxy: a dropped request's server span is
// started with attribute and name functions (not built objects) and its client span's context is
// written straight into the upstream request's headers (no setter closure), and the app still gets it.
// (docs/telemetry.md, "Cost of an unsampled request".)
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { initTracing, type HeaderSetter, type HeaderTarget, type SpanHandle, type Tracing } from "../../pkg/telemetry/index.ts";
import { otelApiPackage as otelApi, otelSdk } from "../../pkg/telemetry/otel-modules.ts";
import { ratioSamples, ratioUpperBound } from "../../pkg/telemetry/ratio-sampling.ts";
import { SampledSpan } from "../../pkg/telemetry/sampled-span.ts";
import { DROPPED_TEXT_LENGTH, droppedHopText } from "../../pkg/telemetry/unsampled-span.ts";
import { h1 } from "../proxy/client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "../proxy/fixtures.ts";
import { fcParams } from "../support/fast-check-env.ts";

const opened: Tracing[] = [];
function tracer(samplingRatio: number): Tracing {
  const t = initTracing({ serviceName: "unsampled-test", protocol: "http", samplingRatio, propagators: ["tracecontext", "baggage", "b3"] });
  opened.push(t);
  return t;
}
afterAll(async () => {
  await Promise.all(opened.map((t) => t.shutdown()));
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** The enabled facade's span start (tracing.ts SdkTracing.start: the sampling decision, then a SampledSpan when sampled). */
type Start = (...args: unknown[]) => SpanHandle;
const spanStartOf = (t: Tracing) => t as unknown as { start: Start };

const hexId = (len: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${len}}$`)).filter((s) => !/^0+$/.test(s));

describe("a dropped request with tracing on", () => {
  it("a new trace dropped at ratio 0: no SDK sampler call, no span started, no attribute or name built; the context is propagated", () => {
    const t = tracer(0);
    const sampler = vi.spyOn(otelSdk().TraceIdRatioBasedSampler.prototype, "shouldSample");
    const startSpan = vi.spyOn(spanStartOf(t), "start");
    const attrs = vi.fn(() => ({ "http.request.method": "GET" }));
    const name = vi.fn(() => "GET inbound:8080");
    const incoming: Record<string, string> = { host: "reviews" };
    const server = t.startServerSpan((n) => incoming[n], attrs, name);
    const client = t.startClientSpan(server, {});
    const out: HeaderTarget = { host: "reviews" };
    t.inject(client, (k, v) => (out[k] = v));
    expect(sampler).not.toHaveBeenCalled();
    expect(startSpan).not.toHaveBeenCalled();
    expect(attrs).not.toHaveBeenCalled();
    expect(name).not.toHaveBeenCalled();
    expect(server.sampled).toBe(false);
    expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(client.traceId).toBe(server.traceId);
    expect(out).toEqual({ host: "reviews", traceparent: `00-${server.traceId}-${client.spanId}-00`, b3: `${server.traceId}-${client.spanId}-0` });
    expect(client.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(client.spanId).not.toBe(server.spanId);
  });

  it("header objects are read and written in place: the same headers as through a getter and a setter", () => {
    const t = tracer(0);
    const server = t.startServerSpan({ host: "reviews", "x-b3-sampled": "1" }, {});
    const viaObject: HeaderTarget = {};
    const viaSetter: HeaderTarget = {};
    t.inject(server, viaObject);
    t.inject(server, (k, v) => (viaSetter[k] = v));
    expect(viaObject).toEqual(viaSetter);
    expect(viaObject.traceparent).toBe(`00-${server.traceId}-${server.spanId}-00`);
  });

  it("a propagated unsampled context (flags 00) read from the header object: same trace, new span id, tracestate and baggage kept, nothing built", () => {
    fc.assert(
      fc.property(hexId(32), hexId(16), (traceId, parent) => {
        const t = tracer(1);
        const attrs = vi.fn(() => ({}));
        const server = t.startServerSpan({ traceparent: `00-${traceId}-${parent}-00`, tracestate: "v=1", baggage: "k=v" }, attrs);
        const client = t.startClientSpan(server, {});
        const out: HeaderTarget = {};
        t.inject(client, out);
        expect(attrs).not.toHaveBeenCalled();
        expect(out.traceparent).toBe(`00-${traceId}-${client.spanId}-00`);
        expect(client.spanId).not.toBe(parent);
        expect(out.tracestate).toBe("v=1");
        expect(out.baggage).toBe("k=v");
        expect(out.b3).toBe(`${traceId}-${client.spanId}-0`);
      }),
      fcParams(50),
    );
  });

  it("a sampled request calls the attribute and name functions once, and the span carries what they gave", () => {
    const t = tracer(1);
    const attrs = vi.fn(() => ({ "http.request.method": "POST" }));
    const name = vi.fn(() => "POST inbound:9080");
    const startSpan = vi.spyOn(spanStartOf(t), "start");
    const server = t.startServerSpan({}, attrs, name);
    expect(server.sampled).toBe(true);
    expect(attrs).toHaveBeenCalledTimes(1);
    expect(name).toHaveBeenCalledTimes(1);
    expect(startSpan).toHaveBeenCalledTimes(1);
    expect(server).toBeInstanceOf(SampledSpan);
    expect((server as SampledSpan).name).toBe("POST inbound:9080");
    expect((server as SampledSpan).attributes).toEqual({ "http.request.method": "POST" });
    const out: HeaderTarget = {};
    t.inject(t.startClientSpan(server, {}), out);
    expect(out.traceparent).toMatch(new RegExp(`^00-${server.traceId}-[0-9a-f]{16}-01$`));
    server.end();
  });
});

describe("a dropped hop's header text", () => {
  it("is traceparent then b3 for the trace given (or a new one), with one fresh span id in both, never all zeros", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fc.option(hexId(32), { nil: undefined }), (given) => {
        const text = droppedHopText(given);
        expect(text).toHaveLength(DROPPED_TEXT_LENGTH);
        const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-00([0-9a-f]{32})-([0-9a-f]{16})-0$/.exec(text);
        expect(m).not.toBeNull();
        const [, trace, span, b3Trace, b3Span] = m!;
        if (given !== undefined) expect(trace).toBe(given);
        expect(b3Trace).toBe(trace);
        expect(b3Span).toBe(span);
        expect(/^0+$/.test(trace!) || /^0+$/.test(span!)).toBe(false);
        expect(seen.has(span!)).toBe(false);
        seen.add(span!);
      }),
      fcParams(5000),
    );
  });

  it("a dropped new trace: each try's client span writes the trace's id with a span id of its own, the same one each time it is written", () => {
    const t = tracer(0);
    const server = t.startServerSpan({ host: "reviews" }, {});
    const tries = [t.startClientSpan(server, {}), t.startClientSpan(server, {}), t.startClientSpan(server, {})];
    const written = tries.map((c) => {
      const once: HeaderTarget = {}, again: HeaderTarget = {};
      t.inject(c, once);
      t.inject(c, again);
      expect(again).toEqual(once);
      expect(once).toEqual({ traceparent: `00-${server.traceId}-${c.spanId}-00`, b3: `${server.traceId}-${c.spanId}-0` });
      return c.spanId;
    });
    expect(new Set([...written, server.spanId]).size).toBe(4);
  });
});

describe("the ratio decision on a new trace", () => {
  it("is the SDK ratio sampler's decision for any valid id and ratio", () => {
    const { TraceIdRatioBasedSampler, SamplingDecision } = otelSdk();
    const root = otelApi().ROOT_CONTEXT;
    const ratio = fc.oneof(fc.constantFrom(0, 1, 0.01, 0.5, Number.NaN, -1, 2), fc.double({ min: 0, max: 1, noNaN: true }));
    fc.assert(
      fc.property(hexId(32), ratio, (id, r) => {
        const sdk = new TraceIdRatioBasedSampler(r).shouldSample(root, id).decision === SamplingDecision.RECORD_AND_SAMPLED;
        expect(ratioSamples(id, ratioUpperBound(r))).toBe(sdk);
      }),
      fcParams(2000),
    );
  });
});

describe("through the proxy, tracing on at ratio 0", () => {
  let up: Echo;
  let proxy: ProxyUnderTest;
  let tracing: Tracing;
  const starts: { attrs: unknown; name: unknown }[] = [];
  const targets: (HeaderSetter | HeaderTarget)[] = [];

  beforeAll(async () => {
    up = await startEcho("up");
    const real = tracer(0);
    // The real tracer, recording what the proxy hands it.
    tracing = {
      enabled: true,
      startServerSpan: (carrier, attrs, name) => {
        starts.push({ attrs, name });
        return real.startServerSpan(carrier, attrs, name);
      },
      startClientSpan: (parent: SpanHandle, attrs, name) => real.startClientSpan(parent, attrs, name),
      inject: (span, target) => {
        targets.push(target);
        real.inject(span, target);
      },
      forceFlush: () => real.forceFlush(),
      shutdown: () => real.shutdown(),
    };
    proxy = await startProxy(meshIR([cluster("ns/up:80", [endpoint(up.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/up:80")] }]), { tracing });
  });
  afterAll(async () => {
    await proxy?.close();
    await up?.close();
  });

  it("starts the server span with functions, writes the client context into the upstream headers in place, and the app gets it", async () => {
    const r = await h1(proxy.port, "/a");
    expect(r.status).toBe(200);
    expect(starts).toHaveLength(1);
    expect(typeof starts[0]!.attrs).toBe("function");
    expect(targets).toHaveLength(1);
    expect(typeof targets[0]).toBe("object");
    const seen = up.seen[up.seen.length - 1]!.headers;
    expect(seen.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(seen.b3).toBe(`${String(seen.traceparent).slice(3, 35)}-${String(seen.traceparent).slice(36, 52)}-0`);
  });
});
