// lazy-otel: pkg/telemetry must not load the OpenTelemetry SDK, propagators or exporters until tracing
// is turned on (memory: a proxy with tracing off never pays for them), and then only the exporter of the
// configured protocol, never the SDK's tracer package (sampled spans are SampledSpans). Runs each case in a fresh node process and reads which packages it loaded
// (require.cache: Node gives these packages' CommonJS build to import and require alike).
// prom-client loads @opentelemetry/api itself (exemplars), so the API package is not checked. With tracing on
// (a span sampled, encoded and ended), the OTLP trace serializers load without the metrics SDK and logs API
// that otlp-transformer's index would pull in (~80 modules, ~1 MB private at idle: docs/telemetry.md).
// And one copy of each package: @opentelemetry/propagator-b3 pins core at an older patch, which npm
// installed as its own nested copy (32 more modules, ~0.6 MB private) until package.json's override.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const node = join(root, "node_modules/.bin/node");
const HEAVY = ["@opentelemetry/sdk-trace-base", "@opentelemetry/sdk-trace", "@opentelemetry/core", "@opentelemetry/resources", "@opentelemetry/propagator-b3",
  "@opentelemetry/exporter-trace-otlp-http", "@opentelemetry/exporter-trace-otlp-grpc", "@opentelemetry/otlp-exporter-base", "@opentelemetry/otlp-grpc-exporter-base",
  "@opentelemetry/otlp-transformer", "@grpc/grpc-js", "@opentelemetry/sdk-metrics", "@opentelemetry/api-logs"];
/** What otlp-transformer's index pulls in beside the trace serializers (its metrics and logs ones): never wanted by a tracer. */
const NOT_FOR_TRACES = ["@opentelemetry/sdk-metrics", "@opentelemetry/api-logs"];

/** Packages of HEAVY the script loaded; the script gets `t` = pkg/telemetry/index.ts. */
function loadedBy(script: string): string[] {
  const program = `
    import { createRequire } from "node:module";
    const t = await import(${JSON.stringify(join(root, "pkg/telemetry/index.ts"))});
    ${script}
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const heavy = ${JSON.stringify(HEAVY)};
    process.stdout.write(JSON.stringify(heavy.filter((p) => cache.some((f) => f.includes("/node_modules/" + p + "/")))));
  `;
  const r = spawnSync(node, ["--input-type=module", "-e", program], { cwd: root, encoding: "utf8", timeout: 15_000 });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}

describe("pkg/telemetry loads OpenTelemetry only when tracing is on", () => {
  it("tracing off, metrics, logger and access log: none of the SDK, propagators, exporters or gRPC", () => {
    expect(loadedBy(`
      const tracing = t.initTracing(undefined);
      t.registerProxyMetrics(t.createMetricsRegistry({}));
      t.createLogger({ name: "x", level: "error" });
      tracing.startServerSpan(() => undefined, {}).end();
      if (t.initTracing({ enabled: false, serviceName: "x", protocol: "grpc", samplingRatio: 1, propagators: ["b3"] }).enabled) throw new Error("enabled");
    `)).toEqual([]);
  });

  it("tracing on over OTLP/HTTP: core, the OTLP HTTP transport and transform, not the SDK's tracer, the gRPC exporter nor grpc-js", () => {
    const loaded = loadedBy(`
      const tracing = t.initTracing({ serviceName: "x", protocol: "http", otlpEndpoint: "http://127.0.0.1:9", samplingRatio: 1, propagators: ["tracecontext"] });
      tracing.startServerSpan(() => undefined, {}).end();
      await tracing.shutdown().catch(() => {});
    `);
    expect(loaded).toEqual(expect.arrayContaining(["@opentelemetry/core", "@opentelemetry/otlp-exporter-base", "@opentelemetry/otlp-transformer"]));
    // A sampled span is a SampledSpan (sampled-span.ts), not the SDK's Span: its tracer package never loads.
    expect(loaded).not.toContain("@opentelemetry/sdk-trace-base");
    expect(loaded).not.toContain("@opentelemetry/sdk-trace");
    expect(loaded).not.toContain("@opentelemetry/exporter-trace-otlp-grpc");
    expect(loaded).not.toContain("@opentelemetry/otlp-grpc-exporter-base");
    expect(loaded).not.toContain("@grpc/grpc-js");
    for (const p of NOT_FOR_TRACES) expect(loaded).not.toContain(p);
  });

  it("tracing on with every propagator: one copy of each OpenTelemetry package (no package's own nested copy of core)", () => {
    const program = `
      import { createRequire } from "node:module";
      const t = await import(${JSON.stringify(join(root, "pkg/telemetry/index.ts"))});
      const tracing = t.initTracing({ serviceName: "x", protocol: "http", otlpEndpoint: "http://127.0.0.1:9", samplingRatio: 1, propagators: ["tracecontext", "baggage", "b3", "b3multi"] });
      tracing.startServerSpan(() => undefined, {}).end();
      await tracing.shutdown().catch(() => {});
      process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));
    `;
    const r = spawnSync(node, ["--input-type=module", "-e", program], { cwd: root, encoding: "utf8", timeout: 15_000 });
    if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
    const files = JSON.parse(r.stdout) as string[];
    expect(files.some((f) => f.includes("/node_modules/@opentelemetry/propagator-b3/"))).toBe(true);
    expect(files.filter((f) => /\/node_modules\/@opentelemetry\/[^/]+\/node_modules\//.test(f))).toEqual([]);
  });

  it("tracing on over OTLP/gRPC: the OTLP gRPC transport, not the HTTP exporter; b3 propagator only when configured", () => {
    const loaded = loadedBy(`
      const tracing = t.initTracing({ serviceName: "x", protocol: "grpc", otlpEndpoint: "http://127.0.0.1:9", samplingRatio: 1, propagators: ["b3"] });
      tracing.startServerSpan(() => undefined, {}).end();
      await tracing.shutdown().catch(() => {});
    `);
    expect(loaded).toEqual(expect.arrayContaining(["@opentelemetry/otlp-grpc-exporter-base", "@opentelemetry/propagator-b3", "@opentelemetry/otlp-transformer"]));
    for (const p of NOT_FOR_TRACES) expect(loaded).not.toContain(p);
    expect(loaded).not.toContain("@opentelemetry/exporter-trace-otlp-http");
  });
});
