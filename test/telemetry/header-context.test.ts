// The dropped request's fast path (header-context.ts) against OpenTelemetry's propagators as the oracle:
// for any configured propagator set and any request headers — plain forms every hop writes and hostile
// ones (malformed, oversized, upper-case, repeated traceparent, tracestate, baggage, b3 and X-B3-* headers)
// — the reader either declines (the caller then uses OpenTelemetry) or reads exactly what OpenTelemetry
// extracts (from a getter and from the header object alike), and the light span writes exactly the headers OpenTelemetry's inject writes for that context
// (same trace id, tracestate and baggage carried); for a read that succeeds, contextOfReading gives the Context
// OpenTelemetry extracts (span context with flags and tracestate, baggage) and injectSampled writes what
// OpenTelemetry injects for a sampled child span under it. Also: plain headers are read without OpenTelemetry's
// context objects, a mesh hop keeps baggage and b3 through the fast path, and a sampled request with plain
// headers runs neither propagator yet exports the spans and writes the headers the propagators gave.
import fc from "fast-check";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import type { Context } from "@opentelemetry/api";
import { contextOfReading, headerFormatsOf, injectSampled, LightUnsampledSpan, newHeaderReading, readHeaderContext } from "../../pkg/telemetry/header-context.ts";
import { initTracing, PROPAGATOR_NAMES, type PropagatorName, type Tracing } from "../../pkg/telemetry/index.ts";
import { otelApiPackage as otelApi } from "../../pkg/telemetry/otel-modules.ts";
import { buildPropagator, headerFnGetter, headerSetter } from "../../pkg/telemetry/propagation.ts";
import type { SampledSpan } from "../../pkg/telemetry/sampled-span.ts";
import { fcParams } from "../support/fast-check-env.ts";

type Headers = Record<string, string | string[]>;
const api = otelApi();

const hexOf = (len: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${len}}$`));
const id = (len: number) => fc.oneof({ weight: 8, arbitrary: hexOf(len) }, { weight: 1, arbitrary: fc.constant("0".repeat(len)) }, { weight: 1, arbitrary: hexOf(len).map((s) => s.toUpperCase()) });
/** Hostile variants of a header value: cut, padded, doubled, oversized, garbage, empty. */
const hostile = (plain: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: plain },
    { weight: 1, arbitrary: plain.chain((s) => fc.nat(s.length).map((n) => s.slice(0, n))) },
    { weight: 1, arbitrary: plain.map((s) => ` ${s} `) },
    { weight: 1, arbitrary: fc.tuple(plain, fc.string({ maxLength: 8 })).map(([s, x]) => `${s}-${x}`) },
    { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 4 }), plain).map(([x, s]) => `${x}${s}`) },
    { weight: 1, arbitrary: plain.map((s) => `${s},${s}`.repeat(150)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
    { weight: 1, arbitrary: fc.constant("") },
  );
const traceparent = hostile(fc.tuple(fc.constantFrom("00", "00", "00", "01", "ff", "0a"), id(32), id(16), fc.constantFrom("00", "01", "00", "01", "03", "ff", "0G", "1"))
  .map(([v, t, s, f]) => `${v}-${t}-${s}-${f}`));
const key = fc.stringMatching(/^[a-z][a-z0-9_*/@-]{0,12}$/);
const tracestate = hostile(fc.array(fc.tuple(key, fc.stringMatching(/^[!-+\--<>-~]{1,16}$/)), { minLength: 1, maxLength: 40 }).map((es) => es.map(([k, v]) => `${k}=${v}`).join(",")));
const baggage = hostile(fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), fc.string({ maxLength: 30 }), fc.boolean()), { minLength: 1, maxLength: 30 })
  .map((es) => es.map(([k, v, meta]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}${meta ? ";p=1" : ""}`).join(",")));
const b3 = hostile(fc.tuple(fc.oneof(id(32), id(16)), id(16), fc.constantFrom("", "-0", "-1", "-d", "-x"), fc.option(id(16))).map(([t, s, f, p]) => `${t}-${s}${f}${p === null ? "" : `-${p}`}`));
const multi = fc.record({
  "x-b3-traceid": hostile(fc.oneof(id(32), id(16))),
  "x-b3-spanid": hostile(id(16)),
  "x-b3-sampled": fc.constantFrom("0", "1", "true", "false", "True", "False", "yes", ""),
  "x-b3-flags": fc.constantFrom("1", "0"),
  "x-b3-parentspanid": id(16),
}, { requiredKeys: [] });
/** Any header may come twice (a repeated header reaches the getter as an array). */
const maybeRepeated = (v: fc.Arbitrary<string>) => fc.oneof({ weight: 9, arbitrary: v.map((x): string | string[] => x) }, { weight: 1, arbitrary: fc.array(v, { minLength: 2, maxLength: 3 }) });
const headers: fc.Arbitrary<Headers> = fc.tuple(
  fc.record({ traceparent: maybeRepeated(traceparent), tracestate: maybeRepeated(tracestate), baggage: maybeRepeated(baggage), b3: maybeRepeated(b3) }, { requiredKeys: [] }),
  fc.option(multi),
).map(([h, m]) => ({ ...h, ...(m ?? {}) }));
const names = fc.shuffledSubarray([...PROPAGATOR_NAMES, "tracecontext", "b3"] as PropagatorName[], { minLength: 1 });

const getterOf = (h: Headers) => (name: string) => h[name];

/** What OpenTelemetry's propagators write for `base` (an extracted context) carrying this unsampled span context. */
function otelInject(prop: ReturnType<typeof buildPropagator>, base: Context, traceId: string, spanId: string, traceState: ReturnType<typeof api.trace.getSpanContext>): Record<string, string> {
  const out: Record<string, string> = {};
  const ctx = api.trace.setSpanContext(base, { traceId, spanId, traceFlags: api.TraceFlags.NONE, ...(traceState?.traceState === undefined ? {} : { traceState: traceState.traceState }) });
  prop.inject(ctx, (k: string, v: string) => (out[k] = v), headerSetter);
  return out;
}

/** What a Context carries for tracing: the span context (every field, tracestate serialized) and the baggage entries. */
function contextFacts(ctx: Context) {
  const sc = api.trace.getSpanContext(ctx);
  return {
    span: sc === undefined ? undefined : { ...sc, traceState: sc.traceState?.serialize() },
    baggage: api.propagation.getBaggage(ctx)?.getAllEntries().map(([k, e]) => [k, e.value, e.metadata?.toString()]),
  };
}

describe("header-context against OpenTelemetry's propagators", () => {
  it("reads what OpenTelemetry extracts, or declines; the light span writes what OpenTelemetry injects (hostile headers included)", () => {
    let read = 0, declined = 0;
    fc.assert(fc.property(names, headers, (ns, h) => {
      const formats = headerFormatsOf(ns);
      const prop = buildPropagator(ns);
      const reading = newHeaderReading();
      const base = prop.extract(api.ROOT_CONTEXT, getterOf(h), headerFnGetter);
      const ok = readHeaderContext(formats, getterOf(h), reading);
      // The header object itself (read in place, as the proxy hands it) reads the same.
      const fromObject = newHeaderReading();
      expect(readHeaderContext(formats, h, fromObject)).toBe(ok);
      if (!ok) {
        declined++;
        return;
      }
      expect(fromObject).toEqual(reading);
      read++;
      const sc = api.trace.getSpanContext(base);
      if (sc === undefined || !api.isSpanContextValid(sc)) expect(reading.traceId).toBe("");
      else {
        expect(reading.traceId).toBe(sc.traceId);
        expect(reading.spanId).toBe(sc.spanId);
        expect(reading.sampled).toBe((sc.traceFlags & api.TraceFlags.SAMPLED) !== 0);
        expect(reading.traceState === undefined).toBe(sc.traceState === undefined);
      }
      const traceId = reading.traceId === "" ? "4bf92f3577b34da6a3ce929d0e0e4736" : reading.traceId;
      const light = new LightUnsampledSpan(traceId, reading.traceState, reading.baggage);
      const out: Record<string, string> = {};
      light.inject(formats, (k, v) => (out[k] = v));
      expect(out).toEqual(otelInject(prop, base, traceId, light.spanId, sc));
      // The sampled path: the Context made from the reading is the one extracted, and a sampled child under it is written alike.
      const made = contextOfReading(formats, reading);
      expect(contextFacts(made)).toEqual(contextFacts(base));
      const child = { traceId, spanId: "b7ad6b7169203331", traceFlags: api.TraceFlags.SAMPLED, ...(sc?.traceState === undefined ? {} : { traceState: sc.traceState }) };
      const fast: Record<string, string> = {}, oracle: Record<string, string> = {};
      injectSampled(formats, child, made, (k, v) => (fast[k] = v));
      prop.inject(api.trace.setSpanContext(base, child), (k: string, v: string) => (oracle[k] = v), headerSetter);
      expect(fast).toEqual(oracle);
    }), fcParams(2000));
    // Both branches were exercised: the plain forms are read, the hostile ones are declined.
    expect(read).toBeGreaterThan(100);
    expect(declined).toBeGreaterThan(100);
  });

  it("reads the plain forms every hop writes", () => {
    const t = "4bf92f3577b34da6a3ce929d0e0e4736", s = "00f067aa0ba902b7";
    const cases: [PropagatorName[], Headers][] = [
      [["tracecontext", "baggage", "b3"], {}],
      [["tracecontext", "baggage", "b3"], { traceparent: `00-${t}-${s}-00`, b3: `${t}-${s}-0` }],
      [["tracecontext", "baggage", "b3"], { traceparent: `00-${t}-${s}-00`, tracestate: "congo=t61rcWkgMzE", baggage: "tenant=blue", b3: `${t}-${s}-0` }],
      [["b3multi"], { "x-b3-traceid": t.slice(16), "x-b3-spanid": s, "x-b3-sampled": "0" }],
      [["b3"], { b3: `${t.slice(16)}-${s}-1-${s}` }],
    ];
    for (const [ns, h] of cases) expect(readHeaderContext(headerFormatsOf(ns), getterOf(h), newHeaderReading())).toBe(true);
  });

  it("the later configured format wins when traceparent and b3 disagree; tracestate stays only with the W3C context", () => {
    const w = { t: "4bf92f3577b34da6a3ce929d0e0e4736", s: "00f067aa0ba902b7" }, b = { t: "a3ce929d0e0e47364bf92f3577b34da6", s: "b7ad6b7169203331" };
    const h: Headers = { traceparent: `00-${w.t}-${w.s}-00`, tracestate: "congo=t61rcWkgMzE", b3: `${b.t}-${b.s}-0` };
    for (const [ns, want] of [[["b3", "tracecontext"], w], [["tracecontext", "b3"], b], [["b3multi", "tracecontext", "b3"], b]] as const) {
      const r = newHeaderReading();
      expect(readHeaderContext(headerFormatsOf(ns), getterOf(h), r)).toBe(true);
      expect([r.traceId, r.spanId, r.traceState]).toEqual([want.t, want.s, want === w ? "congo=t61rcWkgMzE" : undefined]);
    }
  });

  it("declines what it leaves to OpenTelemetry: debug flags, other versions, spaces, upper case, repeated headers", () => {
    const t = "4bf92f3577b34da6a3ce929d0e0e4736", s = "00f067aa0ba902b7";
    const f = headerFormatsOf(["tracecontext", "baggage", "b3"]);
    for (
      const h of [
        { b3: `${t}-${s}-d` },
        { "x-b3-traceid": t, "x-b3-spanid": s, "x-b3-flags": "1" },
        { traceparent: `01-${t}-${s}-00-extra` },
        { traceparent: ` 00-${t}-${s}-00` },
        { traceparent: `00-${t.toUpperCase()}-${s}-00` },
        { traceparent: [`00-${t}-${s}-00`, `00-${t}-${s}-01`] },
        { traceparent: `00-${t}-${s}-00`, tracestate: ["a=1", "b=2"] },
        { baggage: ["a=1", "b=2"] },
        { traceparent: "x".repeat(100_000) },
        { b3: "0" },
      ] as Headers[]
    ) expect(readHeaderContext(f, getterOf(h), newHeaderReading())).toBe(false);
  });
});

describe("the dropped request's fast path in the tracer", () => {
  const opened: Tracing[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((t) => t.shutdown()));
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  const tracer = (samplingRatio: number): Tracing => {
    const t = initTracing({ serviceName: "fast-path-test", protocol: "http", samplingRatio, propagators: ["tracecontext", "baggage", "b3"] });
    opened.push(t);
    return t;
  };
  const hop = (t: Tracing, incoming: Headers) => {
    const server = t.startServerSpan(getterOf(incoming), { "http.request.method": "GET" });
    const client = t.startClientSpan(server, {});
    const out: Record<string, string> = {};
    t.inject(client, (k, v) => (out[k] = v));
    client.end();
    server.end();
    return { server, client, out };
  };

  it("a dropped request with plain headers makes no OpenTelemetry context, and the next hop continues its trace with baggage and tracestate", () => {
    const setSpanContext = vi.spyOn(api.trace, "setSpanContext");
    const setBaggage = vi.spyOn(api.propagation, "setBaggage");
    const t = tracer(0);
    const first = hop(t, {});
    const second = hop(t, { ...first.out, tracestate: "congo=t61rcWkgMzE" });
    expect(setSpanContext).not.toHaveBeenCalled();
    expect(setBaggage).not.toHaveBeenCalled();
    expect(second.server.traceId).toBe(first.server.traceId);
    expect(second.out["traceparent"]).toBe(`00-${first.server.traceId}-${second.client.spanId}-00`);
    expect(second.out["b3"]).toBe(`${first.server.traceId}-${second.client.spanId}-0`);
    expect(second.out["tracestate"]).toBe("congo=t61rcWkgMzE");
    const third = hop(t, { ...second.out, baggage: "tenant=blue,user=al%20ice;p=1" });
    expect(third.out["baggage"]).toBe("tenant=blue,user=al%20ice;p=1");
    expect(third.out["tracestate"]).toBe("congo=t61rcWkgMzE");
  });

  it("a sampled request with plain headers runs neither propagator: its parent is what they extract, its upstream headers what they inject", () => {
    const t = tracer(0);
    const prop = (t as unknown as { propagator: ReturnType<typeof buildPropagator> }).propagator;
    const extract = vi.spyOn(prop, "extract"), inject = vi.spyOn(prop, "inject");
    const oracle = buildPropagator(["tracecontext", "baggage", "b3"]);
    const tid = "4bf92f3577b34da6a3ce929d0e0e4736", sid = "00f067aa0ba902b7";
    for (
      const incoming of [
        { traceparent: `00-${tid}-${sid}-01`, b3: `${tid}-${sid}-1` },
        { traceparent: `00-${tid}-${sid}-03`, tracestate: "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7", baggage: "tenant=blue,user=al%20ice;p=1" },
        { b3: `${tid.slice(16)}-${sid}-1-b7ad6b7169203331`, baggage: "tenant=blue" },
      ] as Headers[]
    ) {
      const { server, client, out } = hop(t, incoming);
      expect(server.sampled).toBe(true);
      const base = oracle.extract(api.ROOT_CONTEXT, getterOf(incoming), headerFnGetter);
      const parent = (server as SampledSpan).parentSpanContext;
      expect(contextFacts(api.trace.setSpanContext(api.ROOT_CONTEXT, parent as never)).span).toEqual(contextFacts(base).span);
      const want: Record<string, string> = {};
      oracle.inject(api.trace.setSpanContext(base, (client as SampledSpan).spanContext()), (k: string, v: string) => (want[k] = v), headerSetter);
      expect(out).toEqual(want);
      expect(out["traceparent"]).toBe(`00-${client.traceId}-${client.spanId}-01`);
    }
    expect(extract).not.toHaveBeenCalled();
    expect(inject).not.toHaveBeenCalled();
    // A header the reader leaves to OpenTelemetry (B3's debug flag) still goes through both propagators.
    const debug = hop(t, { b3: `${tid}-${sid}-d` });
    expect(debug.out["b3"]).toBe(`${tid}-${debug.client.spanId}-d`);
    expect(extract).toHaveBeenCalledTimes(1);
    expect(inject).toHaveBeenCalledTimes(1);
  });

  it("a sampled decision still makes recorded spans: ratio 1 samples every new trace, and a propagated sampled flag is followed by a ratio-0 hop", () => {
    const all = tracer(1), none = tracer(0);
    for (let i = 0; i < 20; i++) {
      const first = hop(all, { baggage: "tenant=blue" });
      expect(first.server.sampled).toBe(true);
      expect(first.out["baggage"]).toBe("tenant=blue");
      const next = hop(none, first.out);
      expect(next.server.sampled).toBe(true);
      expect(next.server.traceId).toBe(first.server.traceId);
    }
  });
});
