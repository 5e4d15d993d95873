// otel-modules: OpenTelemetry, loaded on first use instead of at import time, so a process with tracing off
// (the usual proxy) never loads the API, SDK, propagators or exporters (~15 MB RSS; the gRPC exporter also
// pulls @grpc/grpc-js and protobufjs). What a tracer runs comes from one module, otel-surface.ts: in the
// shipped proxy the file cmd/weft-otel.cjs beside the bundle (tools/bundle-proxy.ts: only what the surface
// names, one module), else the surface's source (its packages' CommonJS builds). What only tests and
// benchmarks use (the whole API, the SDK's tracer, the SDK's exporters) loads from the packages. Node resolves these packages to their CommonJS build for `import` and `require` alike
// (their exports map has no "import" condition), so from the sources the instances are the ones a static
// import would give.
// Takes nothing; gives one getter per package. Must not: be called at module top level by another telemetry
// file (that would undo the point).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type * as Api from "@opentelemetry/api";
import type * as SdkTraceBase from "@opentelemetry/sdk-trace-base";
import type * as OtlpGrpc from "@opentelemetry/exporter-trace-otlp-grpc";
import type * as OtlpHttp from "@opentelemetry/exporter-trace-otlp-http";
import type * as OtlpGrpcBase from "@opentelemetry/otlp-grpc-exporter-base";
import type * as Surface from "./otel-surface.ts";

const load = createRequire(import.meta.url);

/** The surface's file: the bundled one beside the running file (the shipped proxy), else the source's (or its compiled .js). */
export function otelSurfaceFile(here = fileURLToPath(import.meta.url)): string {
  const bundled = join(dirname(here), "weft-otel.cjs");
  if (existsSync(bundled)) return bundled;
  return join(dirname(here), here.endsWith(".ts") ? "otel-surface.ts" : "otel-surface.js");
}

let surface: typeof Surface | undefined;
let apiPackage: typeof Api | undefined;
let sdk: typeof SdkTraceBase | undefined;
let otlpGrpc: typeof OtlpGrpc | undefined;
let otlpHttp: typeof OtlpHttp | undefined;

const otel = (): typeof Surface => (surface ??= load(otelSurfaceFile()) as typeof Surface);

export const otelApi = (): typeof Surface.api => otel().api;
export const otelCore = (): typeof Surface.core => otel().core;
export const otelB3 = (): typeof Surface.b3 => otel().b3;
export const otelResources = (): typeof Surface.resources => otel().resources;
/** The OTLP/HTTP export delegate (otlp-exporter-base's node-http entry). */
export const otlpHttpBase = (): typeof Surface.httpExport => otel().httpExport;
/** OpenTelemetry's OTLP trace serializers (JSON and protobuf), from their own modules: the package's index also
 *  loads its metrics and logs serializers, and with them @opentelemetry/sdk-metrics and api-logs (~90 modules
 *  that a proxy never runs; docs/telemetry.md, "Memory of tracing"). */
export const otlpTraceSerializers = (): typeof Surface.traceSerializers => otel().traceSerializers;
/** The per-span transform and JSON encoder the OTLP/HTTP exporter uses (not in the package's index; the
 *  version is pinned in package.json, and encoded-span-export's test compares its output with the exporter's). */
export const otlpTransformerInternal = (): typeof Surface.transformerInternal => otel().transformerInternal;
let grpcJs: object | undefined;
/** The process's own @grpc/grpc-js (a sidecar's controller link runs it): the OTLP/gRPC export uses it instead of
 *  loading node_modules' copy beside it (~4 MB private) in the shipped proxy. Call before tracing's first export. */
export function useGrpcJs(grpc: object): void {
  grpcJs ??= grpc;
}
/** The OTLP/gRPC export delegate (it brings @grpc/grpc-js: the one useGrpcJs gave, if any, in the shipped proxy). */
export const otlpGrpcBase = (): typeof OtlpGrpcBase => otel().grpcExport(grpcJs);
/** Tests and benchmarks only: the whole API package (from the sources, the instance the surface uses), the SDK's tracer and exporters. */
export const otelApiPackage = (): typeof Api => (apiPackage ??= load("@opentelemetry/api") as typeof Api);
export const otelSdk = (): typeof SdkTraceBase => (sdk ??= load("@opentelemetry/sdk-trace-base") as typeof SdkTraceBase);
export const otlpGrpcExporter = (): typeof OtlpGrpc => (otlpGrpc ??= load("@opentelemetry/exporter-trace-otlp-grpc") as typeof OtlpGrpc);
export const otlpHttpExporter = (): typeof OtlpHttp => (otlpHttp ??= load("@opentelemetry/exporter-trace-otlp-http") as typeof OtlpHttp);
