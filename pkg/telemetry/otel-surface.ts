// otel-surface: the parts of OpenTelemetry JS a tracing process calls, and only those — the API's context
// and trace-flag helpers, core's propagators, times and error handler, the B3 propagator, the resource and
// its detectors, the OTLP/HTTP export delegate and the OTLP trace serializers. It is loaded once, when
// tracing is turned on (otel-modules.ts). From the sources it loads these packages' CommonJS builds, as
// any import would. The shipped proxy (tools/bundle-proxy.ts) gets it as one file of its own, cmd/weft-otel.cjs,
// built from the packages' ES module builds, so only what is named here is in it (~150 kB of text, one
// module) instead of ~100 modules (~720 kB of source, of which ~390 kB semantic-convention constants that
// core's index loads and a proxy never reads): docs/telemetry.md, "OpenTelemetry as one file".
// Deep paths name the CommonJS build (build/src/); the bundler maps them to the ES module build (build/esm/).
// The OTLP/gRPC transport (protocol grpc) is loaded only when asked for (grpcExport): it brings @grpc/grpc-js.
// Takes nothing; gives one object per package. Must not: hold state beyond that one load, or import what a
// tracer does not run.
import { createRequire } from "node:module";
import type * as OtlpGrpcBase from "@opentelemetry/otlp-grpc-exporter-base";
import { isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags } from "@opentelemetry/api";
import {
  CompositePropagator,
  ExportResultCode,
  globalErrorHandler,
  hrTimeDuration,
  isAttributeValue,
  millisToHrTime,
  TraceState,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { B3InjectEncoding, B3Propagator } from "@opentelemetry/propagator-b3";
import { defaultResource, detectResources, emptyResource, envDetector, hostDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from "@opentelemetry/otlp-exporter-base/node-http";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer/build/src/trace/json/index.js";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer/build/src/trace/protobuf/index.js";
import { createExportTraceServiceRequest, sdkSpanToOtlpSpan } from "@opentelemetry/otlp-transformer/build/src/trace/internal.js";
import { JSON_ENCODER } from "@opentelemetry/otlp-transformer/build/src/common/utils.js";

export const api = { isSpanContextValid, ROOT_CONTEXT, trace, TraceFlags };
export const core = {
  CompositePropagator,
  ExportResultCode,
  globalErrorHandler,
  hrTimeDuration,
  isAttributeValue,
  millisToHrTime,
  TraceState,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
};
export const b3 = { B3InjectEncoding, B3Propagator };
export const resources = { defaultResource, detectResources, emptyResource, envDetector, hostDetector, resourceFromAttributes };
export const httpExport = { convertLegacyHttpOptions, createOtlpHttpExportDelegate };
export const traceSerializers = { JsonTraceSerializer, ProtobufTraceSerializer };
export const transformerInternal = { createExportTraceServiceRequest, sdkSpanToOtlpSpan, JSON_ENCODER };

let grpcBase: typeof OtlpGrpcBase | undefined;
/** Where the bundled file's @grpc/grpc-js comes from (tools/bundle-proxy.ts): the process's own instance when one was given. */
export const GRPC_JS_KEY = Symbol.for("weft.otel.grpc-js");
/** The OTLP/gRPC export delegate, loaded on first call (protocol grpc only). In the bundled file the literal
 *  require is the bundler's (the package inside, sharing the file's core and API), and @grpc/grpc-js is
 *  `grpcJs` when given (the proxy bundle's own, which its controller link runs), else node_modules' copy. */
export function grpcExport(grpcJs?: object): typeof OtlpGrpcBase {
  if (grpcJs !== undefined) (globalThis as Record<symbol, unknown>)[GRPC_JS_KEY] ??= grpcJs;
  grpcBase ??= typeof require === "function" ?
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundler bundles a literal require, lazily
    require("@opentelemetry/otlp-grpc-exporter-base") as typeof OtlpGrpcBase :
    createRequire(import.meta.url)("@opentelemetry/otlp-grpc-exporter-base") as typeof OtlpGrpcBase;
  return grpcBase;
}
