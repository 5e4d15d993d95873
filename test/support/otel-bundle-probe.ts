// otel-bundle-probe: an entry that test/build/proxy-bundle.test.ts bundles as the proxy is bundled
// (tools/bundle-proxy.ts), to run tracing the way a shipped sidecar runs it: OTLP/HTTP to the endpoint in
// argv[2], the shipped propagators, every request sampled (argv[3] "grpc": OTLP/gRPC instead, on the bundle's
// own @grpc/grpc-js handed over as a sidecar's controller link hands it). It records a server span and a client
// span under it, flushes and shuts the export down, then prints the OpenTelemetry and gRPC files node loaded
// from node_modules (the surface itself comes from cmd/weft-otel.cjs beside the bundle).
// Must not: be imported by anything but a bundle.
import { createRequire } from "node:module";
import { DEFAULT_PROPAGATORS, initTracing, useGrpcJs } from "../../pkg/telemetry/index.ts";

const endpoint = process.argv[2]!;
if (process.argv[3] === "grpc") useGrpcJs(await import("@grpc/grpc-js"));
const tracing = initTracing({ serviceName: "probe", otlpEndpoint: endpoint, protocol: process.argv[3] === "grpc" ? "grpc" : "http", samplingRatio: 1, propagators: DEFAULT_PROPAGATORS });
const server = tracing.startServerSpan({}, { "http.request.method": "GET", "url.path": "/probe" }, "probe-server");
const headers: Record<string, string> = {};
const client = tracing.startClientSpan(server, { "http.request.method": "GET" }, "probe-client");
tracing.inject(client, headers);
client.end({ httpStatus: 200 });
server.end({ httpStatus: 200 });
await tracing.forceFlush();
await tracing.shutdown();
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => /\/node_modules\/(@opentelemetry|@grpc)\//.test(f));
process.stdout.write(JSON.stringify({ loaded, traceparent: headers["traceparent"] ?? null }));
