// Context propagation: W3C Trace Context ↔ B3 (single and multi header) in both directions,
// tracestate and baggage carried, configured propagator set honoured, sampling decision honoured
// across a propagated hop, and the no-op facade when tracing is off.
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { initTracing, NOOP_SPAN, NOOP_TRACING, type PropagatorName, type SpanHandle, type Tracing } from "../../pkg/telemetry/index.ts";
import { fcParams } from "../support/fast-check-env.ts";

const opened: Tracing[] = [];
function tracer(propagators: PropagatorName[], samplingRatio = 1): Tracing {
  const t = initTracing({ serviceName: "prop-test", protocol: "http", samplingRatio, propagators });
  opened.push(t);
  return t;
}
afterAll(async () => {
  await Promise.all(opened.map((t) => t.shutdown()));
});

function outgoing(t: Tracing, span: SpanHandle): Record<string, string> {
  const h: Record<string, string> = {};
  t.inject(span, (k, v) => {
    h[k] = v;
  });
  return h;
}

/** One proxy hop: server span from `incoming`, client span, headers it sends upstream. */
function hop(t: Tracing, incoming: Record<string, string>): { server: SpanHandle; client: SpanHandle; out: Record<string, string> } {
  const server = t.startServerSpan((n) => incoming[n], {});
  const client = t.startClientSpan(server, {});
  const out = outgoing(t, client);
  client.end();
  server.end();
  return { server, client, out };
}

const hex = (len: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${len}}$`)).filter((s) => !/^0+$/.test(s));

describe("W3C ↔ B3 conversion", () => {
  it("turns an incoming traceparent into b3 single and X-B3 multi headers (same trace, child span, flag)", () => {
    const t = tracer(["tracecontext", "b3", "b3multi"]);
    fc.assert(fc.property(hex(32), hex(16), fc.boolean(), (traceId, parentId, sampled) => {
      const { server, client, out } = hop(t, { traceparent: `00-${traceId}-${parentId}-${sampled ? "01" : "00"}` });
      expect(server.traceId).toBe(traceId);
      expect(server.sampled).toBe(sampled);
      expect(out["traceparent"]).toBe(`00-${traceId}-${client.spanId}-${sampled ? "01" : "00"}`);
      expect(out["b3"]).toBe(`${traceId}-${client.spanId}-${sampled ? "1" : "0"}`);
      expect(out["x-b3-traceid"]).toBe(traceId);
      expect(out["x-b3-spanid"]).toBe(client.spanId);
      expect(out["x-b3-sampled"]).toBe(sampled ? "1" : "0");
      expect(client.spanId).not.toBe(parentId);
    }), fcParams(100));
  });

  it("turns incoming b3 single or multi headers into a traceparent", () => {
    const t = tracer(["b3", "tracecontext"]);
    fc.assert(fc.property(hex(32), hex(16), fc.boolean(), fc.boolean(), (traceId, spanId, sampled, single) => {
      const incoming: Record<string, string> = single
        ? { b3: `${traceId}-${spanId}-${sampled ? "1" : "0"}` }
        : { "x-b3-traceid": traceId, "x-b3-spanid": spanId, "x-b3-sampled": sampled ? "1" : "0" };
      const { server, client, out } = hop(t, incoming);
      expect(server.traceId).toBe(traceId);
      expect(out["traceparent"]).toBe(`00-${traceId}-${client.spanId}-${sampled ? "01" : "00"}`);
      expect(out["b3"]).toBe(`${traceId}-${client.spanId}-${sampled ? "1" : "0"}`);
      expect(out["x-b3-traceid"]).toBeUndefined();
    }), fcParams(100));
  });

  it("pads a 64-bit B3 trace id to 128 bits for W3C", () => {
    const t = tracer(["b3multi", "tracecontext"]);
    const { server, out } = hop(t, { "x-b3-traceid": "a3ce929d0e0e4736", "x-b3-spanid": "00f067aa0ba902b7", "x-b3-sampled": "1" });
    expect(server.traceId).toBe("0000000000000000a3ce929d0e0e4736");
    expect(out["traceparent"]?.split("-")[1]).toBe("0000000000000000a3ce929d0e0e4736");
  });

  it("honours the configured set: a b3-only proxy ignores traceparent and writes no W3C header", () => {
    const t = tracer(["b3"]);
    const { server, out } = hop(t, { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" });
    expect(server.traceId).not.toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(out["traceparent"]).toBeUndefined();
    expect(out["b3"]).toMatch(new RegExp(`^${server.traceId}-[0-9a-f]{16}-1$`));
  });

  it("keeps tracestate and baggage across the hop", () => {
    const t = tracer(["tracecontext", "baggage"]);
    const { out } = hop(t, {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      tracestate: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7",
      baggage: "userId=alice,tenant=blue",
    });
    expect(out["tracestate"]).toBe("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
    expect(out["baggage"]?.split(",").sort()).toEqual(["tenant=blue", "userId=alice"]);
  });

  it("keeps tracestate and baggage on an unsampled trace too, with a fresh span id per hop", () => {
    const t = tracer(["tracecontext", "baggage"]);
    const { server, client, out } = hop(t, {
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
      tracestate: "congo=t61rcWkgMzE",
      baggage: "tenant=blue",
    });
    expect(server.sampled).toBe(false);
    expect(client.sampled).toBe(false);
    expect(new Set([server.spanId, client.spanId, "00f067aa0ba902b7"]).size).toBe(3);
    expect(out["traceparent"]).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${client.spanId}-00`);
    expect(out["tracestate"]).toBe("congo=t61rcWkgMzE");
    expect(out["baggage"]).toBe("tenant=blue");
  });

  it("starts a fresh trace when the incoming traceparent is malformed", () => {
    const t = tracer(["tracecontext"]);
    for (const bad of ["", "00-xyz", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "x".repeat(10_000)]) {
      const { server, out } = hop(t, { traceparent: bad });
      expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(server.traceId).not.toBe("00000000000000000000000000000000");
      expect(out["traceparent"]).toMatch(new RegExp(`^00-${server.traceId}-`));
    }
  });
});

describe("sampling across a propagated context", () => {
  it("a downstream proxy follows the upstream decision whatever its own ratio", () => {
    const edge = tracer(["tracecontext"], 0.5);
    const never = tracer(["tracecontext"], 0);
    const always = tracer(["tracecontext"], 1);
    let sampledCount = 0;
    for (let i = 0; i < 200; i++) {
      const first = hop(edge, {});
      if (first.server.sampled) sampledCount++;
      expect(hop(never, first.out).server.sampled).toBe(first.server.sampled);
      expect(hop(always, first.out).server.sampled).toBe(first.server.sampled);
    }
    expect(sampledCount).toBeGreaterThan(0);
    expect(sampledCount).toBeLessThan(200);
  });

  it("ratio 0 samples no new trace and ratio 1 samples every new trace", () => {
    const never = tracer(["tracecontext"], 0);
    const always = tracer(["tracecontext"], 1);
    for (let i = 0; i < 50; i++) {
      expect(hop(never, {}).server.sampled).toBe(false);
      expect(hop(always, {}).server.sampled).toBe(true);
    }
  });
});

describe("tracing off", () => {
  it("gives the shared no-op facade, the same span handle every time, and writes no header", () => {
    for (const t of [initTracing(undefined), initTracing({ enabled: false, serviceName: "x", protocol: "http", samplingRatio: 1, propagators: ["b3"] })]) {
      expect(t).toBe(NOOP_TRACING);
      const s = t.startServerSpan(() => "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", { "http.request.method": "GET" });
      expect(s).toBe(NOOP_SPAN);
      expect(t.startClientSpan(s, {})).toBe(NOOP_SPAN);
      expect(outgoing(t, s)).toEqual({});
      expect(s.traceId).toBe("");
    }
  });

  it("rejects an invalid config with every problem named", () => {
    expect(() => initTracing({ serviceName: "", protocol: "udp" as "http", samplingRatio: 2, propagators: ["jaeger" as "b3"], otlpEndpoint: "ftp://x" }))
      .toThrow(/serviceName.*protocol.*samplingRatio.*jaeger.*otlpEndpoint/);
  });
});
