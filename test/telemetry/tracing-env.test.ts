// tracing-env: WEFT_TRACING_* variables → TracingConfig; off when no endpoint; every bad value named.
import { describe, expect, it } from "vitest";
import { initTracing, tracingConfigFromEnv } from "../../pkg/telemetry/index.ts";

describe("tracingConfigFromEnv", () => {
  it("is off without an endpoint", () => {
    expect(tracingConfigFromEnv({}, "weft-proxy")).toEqual({ config: undefined, problems: [] });
    expect(tracingConfigFromEnv({ WEFT_TRACING_ENDPOINT: "  " }, "weft-proxy").config).toBeUndefined();
  });

  it("fills defaults and reads every variable", () => {
    expect(tracingConfigFromEnv({ WEFT_TRACING_ENDPOINT: "http://c:4317" }, "weft-proxy").config).toEqual({
      serviceName: "weft-proxy",
      otlpEndpoint: "http://c:4317",
      protocol: "grpc",
      samplingRatio: 0.01,
      propagators: ["tracecontext", "baggage", "b3"],
    });
    const { config } = tracingConfigFromEnv({ WEFT_TRACING_ENDPOINT: "http://c:4318", WEFT_TRACING_PROTOCOL: "http", WEFT_TRACING_SAMPLING_RATIO: "1",
      WEFT_TRACING_PROPAGATORS: "b3multi, tracecontext" }, "gw", { "k8s.pod.name": "gw-1" });
    expect(config).toEqual({ serviceName: "gw", otlpEndpoint: "http://c:4318", protocol: "http", samplingRatio: 1, propagators: ["b3multi", "tracecontext"],
      resourceAttributes: { "k8s.pod.name": "gw-1" } });
    expect(initTracing(config).enabled).toBe(true);
  });

  it("takes the sampler from OTEL_TRACES_SAMPLER(_ARG), which wins over WEFT_TRACING_SAMPLING_RATIO; parent-based samplers only", () => {
    const ratio = (env: Record<string, string>): number | undefined =>
      tracingConfigFromEnv({ WEFT_TRACING_ENDPOINT: "http://c:4317", WEFT_TRACING_SAMPLING_RATIO: "0.1", ...env }, "x").config?.samplingRatio;
    expect(ratio({})).toBe(0.1);
    expect(ratio({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" })).toBe(0.25);
    expect(ratio({ OTEL_TRACES_SAMPLER: "parentbased_traceidratio" })).toBe(1);
    expect(ratio({ OTEL_TRACES_SAMPLER: "ParentBased_Always_Off", OTEL_TRACES_SAMPLER_ARG: "0.5" })).toBe(0);
    expect(ratio({ OTEL_TRACES_SAMPLER: "parentbased_always_on" })).toBe(1);
    expect(ratio({ OTEL_TRACES_SAMPLER_ARG: "0.5" })).toBe(0.1);
    const bad = tracingConfigFromEnv({ WEFT_TRACING_ENDPOINT: "http://c:4317", OTEL_TRACES_SAMPLER: "traceidratio", WEFT_TRACING_PROTOCOL: "udp" }, "x");
    expect(bad.config).toBeUndefined();
    expect(bad.problems.join("\n")).toMatch(/OTEL_TRACES_SAMPLER="traceidratio" is not supported: every Weft hop follows its caller's sampling decision/);
    expect(bad.problems.join("\n")).toMatch(/protocol/);
    expect(tracingConfigFromEnv({ WEFT_TRACING_ENDPOINT: "http://c:4317", OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "2" }, "x").problems)
      .toEqual(['OTEL_TRACES_SAMPLER_ARG="2" is not a ratio in [0, 1]']);
  });

  it("names every bad value and gives no config", () => {
    const r = tracingConfigFromEnv({ WEFT_TRACING_ENDPOINT: "collector:4317", WEFT_TRACING_PROTOCOL: "udp", WEFT_TRACING_SAMPLING_RATIO: "1.5", WEFT_TRACING_PROPAGATORS: "jaeger" }, "x");
    expect(r.config).toBeUndefined();
    expect(r.problems.join("\n")).toMatch(/protocol/);
    expect(r.problems.join("\n")).toMatch(/samplingRatio/);
    expect(r.problems.join("\n")).toMatch(/jaeger/);
    expect(r.problems.join("\n")).toMatch(/otlpEndpoint/);
    expect(tracingConfigFromEnv({ WEFT_TRACING_ENDPOINT: "http://c:1", WEFT_TRACING_SAMPLING_RATIO: "abc" }, "x").problems.join()).toMatch(/samplingRatio/);
  });
});
