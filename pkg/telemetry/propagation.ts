// propagation: builds the composite context propagator from configured names: W3C Trace Context
// (traceparent + tracestate), W3C Baggage, B3 single header (`b3`) and B3 multi header (`X-B3-*`).
// Takes the names; gives a TextMapPropagator plus getter/setter adapters over header functions.
// Must not: register anything globally (several tracers may live in one process, e.g. tests).
// Spec: W3C Trace Context §3 (tracestate kept as received), B3 (openzipkin/b3-propagation).
import { type TextMapGetter, type TextMapPropagator, type TextMapSetter } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { B3InjectEncoding, B3Propagator } from "@opentelemetry/propagator-b3";
import type { HeaderGetter, HeaderSetter, PropagatorName } from "./tracing-types.ts";

function propagatorOf(name: PropagatorName): TextMapPropagator {
  switch (name) {
    case "tracecontext": return new W3CTraceContextPropagator();
    case "baggage": return new W3CBaggagePropagator();
    case "b3": return new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
    case "b3multi": return new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  }
}

/** One propagator for the configured names, in order (duplicates dropped). */
export function buildPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  return new CompositePropagator({ propagators: [...new Set(names)].map(propagatorOf) });
}

export const headerFnGetter: TextMapGetter<HeaderGetter> = {
  get(carrier, key) {
    const v = carrier(key.toLowerCase());
    return v === undefined ? undefined : typeof v === "string" ? v : [...v];
  },
  keys: () => [],
};

export const headerFnSetter: TextMapSetter<HeaderSetter> = {
  set(carrier, key, value) { carrier(key.toLowerCase(), value); },
};
