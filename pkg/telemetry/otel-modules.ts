// otel-modules: the OpenTelemetry packages, loaded on first use instead of at import time, so a
// process with tracing off (the usual proxy) never loads the API, SDK, propagators or exporters
// (~15 MB RSS; the gRPC exporter also pulls @grpc/grpc-js and protobufjs).
// Takes nothing; gives one getter per package. Node resolves these packages to their CommonJS
// build for `import` and `require` alike (their exports map has no "import" condition), so the
// instances are the ones a static import would give.
// Must not: be called at module top level by another telemetry file (that would undo the point).
import { createRequire } from "node:module";
import type * as Api from "@opentelemetry/api";
import type * as Core from "@opentelemetry/core";
import type * as B3 from "@opentelemetry/propagator-b3";
import type * as Resources from "@opentelemetry/resources";
import type * as SdkTraceBase from "@opentelemetry/sdk-trace-base";
import type * as OtlpGrpc from "@opentelemetry/exporter-trace-otlp-grpc";
import type * as OtlpHttp from "@opentelemetry/exporter-trace-otlp-http";
import type * as OtlpHttpBase from "@opentelemetry/otlp-exporter-base/node-http";
import type * as OtlpGrpcBase from "@opentelemetry/otlp-grpc-exporter-base";
import type * as OtlpTraceJson from "@opentelemetry/otlp-transformer/build/src/trace/json/index.js";
import type * as OtlpTraceProtobuf from "@opentelemetry/otlp-transformer/build/src/trace/protobuf/index.js";
import type * as OtlpTraceInternal from "@opentelemetry/otlp-transformer/build/src/trace/internal.js";
import type * as OtlpEncoders from "@opentelemetry/otlp-transformer/build/src/common/utils.js";

const load = createRequire(import.meta.url);

type TraceSerializers = Pick<typeof OtlpTraceJson, "JsonTraceSerializer"> & Pick<typeof OtlpTraceProtobuf, "ProtobufTraceSerializer">;

let api: typeof Api | undefined;
let core: typeof Core | undefined;
let b3: typeof B3 | undefined;
let resources: typeof Resources | undefined;
let sdk: typeof SdkTraceBase | undefined;
let otlpGrpc: typeof OtlpGrpc | undefined;
let otlpHttp: typeof OtlpHttp | undefined;
let httpBase: typeof OtlpHttpBase | undefined;
let grpcBase: typeof OtlpGrpcBase | undefined;
let traceSerializers: TraceSerializers | undefined;
let transformerInternal: (typeof OtlpTraceInternal & Pick<typeof OtlpEncoders, "JSON_ENCODER">) | undefined;

export const otelApi = (): typeof Api => (api ??= load("@opentelemetry/api") as typeof Api);
export const otelCore = (): typeof Core => (core ??= load("@opentelemetry/core") as typeof Core);
export const otelB3 = (): typeof B3 => (b3 ??= load("@opentelemetry/propagator-b3") as typeof B3);
export const otelResources = (): typeof Resources => (resources ??= load("@opentelemetry/resources") as typeof Resources);
export const otelSdk = (): typeof SdkTraceBase => (sdk ??= load("@opentelemetry/sdk-trace-base") as typeof SdkTraceBase);
export const otlpGrpcExporter = (): typeof OtlpGrpc => (otlpGrpc ??= load("@opentelemetry/exporter-trace-otlp-grpc") as typeof OtlpGrpc);
export const otlpHttpExporter = (): typeof OtlpHttp => (otlpHttp ??= load("@opentelemetry/exporter-trace-otlp-http") as typeof OtlpHttp);
export const otlpHttpBase = (): typeof OtlpHttpBase => (httpBase ??= load("@opentelemetry/otlp-exporter-base/node-http") as typeof OtlpHttpBase);
export const otlpGrpcBase = (): typeof OtlpGrpcBase => (grpcBase ??= load("@opentelemetry/otlp-grpc-exporter-base") as typeof OtlpGrpcBase);
/** OpenTelemetry's OTLP trace serializers (JSON and protobuf), from their own modules: the package's index also
 *  loads its metrics and logs serializers, and with them @opentelemetry/sdk-metrics and api-logs (~90 modules
 *  that a proxy never runs; docs/telemetry.md, "Memory of tracing"). */
export const otlpTraceSerializers = (): TraceSerializers => (traceSerializers ??= {
  JsonTraceSerializer: (load("@opentelemetry/otlp-transformer/build/src/trace/json/index.js") as typeof OtlpTraceJson).JsonTraceSerializer,
  ProtobufTraceSerializer: (load("@opentelemetry/otlp-transformer/build/src/trace/protobuf/index.js") as typeof OtlpTraceProtobuf).ProtobufTraceSerializer,
});
/** The per-span transform and JSON encoder the OTLP/HTTP exporter uses (not in the package's index; the
 *  version is pinned in package.json, and encoded-span-export's test compares its output with the exporter's). */
export const otlpTransformerInternal = (): typeof OtlpTraceInternal & Pick<typeof OtlpEncoders, "JSON_ENCODER"> => (transformerInternal ??= {
  ...(load("@opentelemetry/otlp-transformer/build/src/trace/internal.js") as typeof OtlpTraceInternal),
  JSON_ENCODER: (load("@opentelemetry/otlp-transformer/build/src/common/utils.js") as typeof OtlpEncoders).JSON_ENCODER,
});
