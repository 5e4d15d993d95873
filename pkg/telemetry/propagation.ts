// propagation: builds the composite context propagator from configured names: W3C Trace Context
// (traceparent + tracestate), W3C Baggage, B3 single header (`b3`) and B3 multi header (`X-B3-*`).
// Takes the names; gives a TextMapPropagator plus getter/setter adapters over header functions.
// Must not: register anything globally (several tracers may live in one process, e.g. tests).
// Spec: W3C Trace Context §3 (tracestate kept as received), B3 (openzipkin/b3-propagation).
// The OpenTelemetry packages are loaded when a propagator is built (otel-modules.ts), not at import.
import type { Context, TextMapGetter, TextMapPropagator, TextMapSetter } from "@opentelemetry/api";
import { otelApi, otelB3, otelCore } from "./otel-modules.ts";
import { putHeader, type HeaderGetter, type HeaderSetter, type HeaderTarget, type PropagatorName } from "./tracing-types.ts";

function propagatorOf(name: PropagatorName): TextMapPropagator {
  const { W3CBaggagePropagator, W3CTraceContextPropagator } = otelCore();
  const { B3InjectEncoding, B3Propagator } = otelB3();
  switch (name) {
    case "tracecontext":
      return new W3CTraceContextPropagator();
    case "baggage":
      return new W3CBaggagePropagator();
    case "b3":
      return new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
    case "b3multi":
      return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  }
}

/**
 * Keeps `tracestate` when a later format (B3) re-extracts the same span context a W3C `traceparent`
 * already gave: a Weft proxy configured for both writes both for one span, and without this the next
 * hop would drop the tracestate it received (W3C Trace Context §3.3: vendors' entries must be passed on).
 */
class TraceStateKeeping implements TextMapPropagator {
  private readonly inner: TextMapPropagator;
  private readonly w3c = new (otelCore().W3CTraceContextPropagator)();
  private readonly api = otelApi();
  constructor(inner: TextMapPropagator) {
    this.inner = inner;
  }
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.inner.inject(context, carrier, setter);
  }
  fields(): string[] {
    return this.inner.fields();
  }
  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const out = this.inner.extract(context, carrier, getter);
    const { trace, ROOT_CONTEXT } = this.api;
    const sc = trace.getSpanContext(out);
    if (sc === undefined || sc.traceState !== undefined || getter.get(carrier, "tracestate") === undefined) return out;
    const w = trace.getSpanContext(this.w3c.extract(ROOT_CONTEXT, carrier, getter));
    if (w?.traceState === undefined || w.traceId !== sc.traceId || w.spanId !== sc.spanId) return out;
    return trace.setSpanContext(out, { ...sc, traceState: w.traceState });
  }
}

/** One propagator for the configured names, in order (duplicates dropped). */
export function buildPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  const unique = [...new Set(names)];
  const composite = new (otelCore().CompositePropagator)({ propagators: unique.map(propagatorOf) });
  const b3AfterW3c = unique.includes("tracecontext") && unique.slice(unique.indexOf("tracecontext") + 1).some((n) => n === "b3" || n === "b3multi");
  return b3AfterW3c ? new TraceStateKeeping(composite) : composite;
}

export const headerFnGetter: TextMapGetter<HeaderGetter> = {
  get(carrier, key) {
    const v = carrier(key.toLowerCase());
    return v === undefined ? undefined : typeof v === "string" ? v : [...v];
  },
  keys: () => [],
};

/** Writes through a header setter or straight into an outgoing request's header object (lower-case names, as node sends them). */
export const headerSetter: TextMapSetter<HeaderSetter | HeaderTarget> = {
  set(carrier, key, value) {
    putHeader(carrier, key.toLowerCase(), value);
  },
};
