// noop-tracing: the tracing facade when tracing is off. Takes nothing; gives one shared facade
// whose calls allocate nothing (the same frozen span handle every time).
// Must not: import the OpenTelemetry SDK or touch headers.
import type { SpanHandle, Tracing } from "./tracing-types.ts";

export const NOOP_SPAN: SpanHandle = Object.freeze({
  sampled: false,
  traceId: "",
  spanId: "",
  setAttributes(): void {},
  setRoute(): void {},
  recordReason(): void {},
  end(): void {},
});

export const NOOP_TRACING: Tracing = Object.freeze({
  enabled: false,
  startServerSpan: (): SpanHandle => NOOP_SPAN,
  startClientSpan: (): SpanHandle => NOOP_SPAN,
  inject(): void {},
  forceFlush: async (): Promise<void> => {},
  shutdown: async (): Promise<void> => {},
});
