// index: the public surface of pkg/telemetry — tracing facade, metrics sets, logs, access log.
export type { SpanAttributes, SpanOutcome, SpanRole, AttributeScalar } from "./span-attributes.ts";
export { isErrorOutcome, spanNameOf } from "./span-attributes.ts";
export type { TracingConfig, PropagatorName, HeaderGetter, HeaderSetter, SpanHandle, Tracing } from "./tracing-types.ts";
export { PROPAGATOR_NAMES, validateTracingConfig, headerGetterOf, headerSetterOf } from "./tracing-types.ts";
export { initTracing, NOOP_SPAN, NOOP_TRACING } from "./tracing.ts";
export type { MetricsRegistry, MetricsRegistryOptions } from "./metrics-registry.ts";
export { createMetricsRegistry } from "./metrics-registry.ts";
export type { ProxyMetrics, ProxyFace, MtlsFailureReason, RequestObservation } from "./proxy-metrics.ts";
export { registerProxyMetrics, REQUEST_DURATION_BUCKETS } from "./proxy-metrics.ts";
export type { ControllerMetrics } from "./controller-metrics.ts";
export { registerControllerMetrics, CONTROL_DURATION_BUCKETS } from "./controller-metrics.ts";
export { methodLabel, codeLabel } from "./label-values.ts";
export type { LogLevel, LoggerOptions, Logger } from "./logger.ts";
export { createLogger, parseLogLevel, LOG_LEVELS } from "./logger.ts";
export type { AccessLog, AccessLogEntry } from "./access-log.ts";
export { createAccessLog, accessLogRecord } from "./access-log.ts";
export { redact, scrubString, isSecretKey, REDACTED, REDACTED_KEYS } from "./redaction.ts";
export { tracingConfigFromEnv, TRACING_ENV } from "./tracing-env.ts";
