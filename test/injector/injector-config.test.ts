// injector-config: parseInjectorConfig reads the chart's WEFT_INJECTION_CONFIG JSON (shape taken
// from mesh-charts/weft/templates/controller.yaml), keeps defaults for absent keys, names wrong
// types and invalid values, and only warns on unknown keys.
import { describe, expect, it } from "vitest";
import { DEFAULT_INJECTOR_CONFIG, parseInjectorConfig, proxyTracingEnv, validateInjectorConfig } from "../../injector/index.ts";

const chartJson = JSON.stringify({
  proxyUid: 1337,
  outboundPort: 15001,
  inboundPort: 15006,
  adminPort: 15020,
  logLevel: "info",
  resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
  nativeSidecars: true,
  excludeOutboundPorts: [],
  excludeInboundPorts: [],
  excludeOutboundCidrs: [],
  controllerAddress: "weft-controller.weft-system.svc:15010",
});

describe("parseInjectorConfig", () => {
  it("reads the chart's config over the defaults", () => {
    const r = parseInjectorConfig(chartJson, { ...DEFAULT_INJECTOR_CONFIG, proxyImage: "ghcr.io/weft-mesh/weft:0.2.0" });
    expect(r.problems).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.config).toMatchObject({ adminPort: 15020, proxyImage: "ghcr.io/weft-mesh/weft:0.2.0", resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } } });
    expect(r.config?.tokenAudience).toBe("weft.dev/distribution");
    expect(validateInjectorConfig(r.config!)).toEqual([]);
  });

  it("names wrong types and invalid values, and gives no config", () => {
    expect(parseInjectorConfig("{").problems[0]).toMatch(/not valid JSON/);
    expect(parseInjectorConfig("[]").problems).toEqual(["injector config must be a JSON object"]);
    const types = parseInjectorConfig(JSON.stringify({ proxyUid: "1337", nativeSidecars: "yes", excludeOutboundPorts: ["80"], resources: { requests: { cpu: 1 } } }));
    expect(types.config).toBeUndefined();
    expect(types.problems).toEqual(expect.arrayContaining([
      "proxyUid must be a number",
      "nativeSidecars must be true or false",
      "excludeOutboundPorts must be a list of numbers",
      expect.stringMatching(/^resources must be/),
    ]));
    const values = parseInjectorConfig(
      JSON.stringify({ proxyUid: 0, adminPort: 15001, excludeOutboundCidrs: ["10.0.0.0/33"], resources: { requests: { memory: "1Gi" }, limits: { memory: "64Mi" } },
        tracing: { endpoint: "collector:4317" } }),
    );
    expect(values.config).toBeUndefined();
    expect(values.problems.join("\n")).toMatch(/proxyUid must be a positive integer/);
    expect(values.problems.join("\n")).toMatch(/must differ/);
    expect(values.problems.join("\n")).toMatch(/10\.0\.0\.0\/33/);
    expect(values.problems.join("\n")).toMatch(/memory request 1Gi exceeds limit 64Mi/);
    expect(values.problems.join("\n")).toMatch(/tracing.endpoint/);
  });

  it("takes the standard OTEL_* variables for the proxy's tracing, only those Weft honours, and sets them on the sidecar", () => {
    const otelEnv = { OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging", OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" };
    const r = parseInjectorConfig(JSON.stringify({ tracing: { endpoint: "http://collector:4317", otelEnv } }));
    expect(r.problems).toEqual([]);
    const env = proxyTracingEnv(r.config!.tracing!);
    expect(env.slice(1)).toEqual(Object.entries(otelEnv).map(([name, value]) => ({ name, value })));
    const headers = parseInjectorConfig(JSON.stringify({ tracing: { endpoint: "http://collector:4317", otelEnv: { OTEL_EXPORTER_OTLP_HEADERS: "api-key=x" } } }));
    expect(headers.config).toBeUndefined();
    expect(headers.problems.join("\n")).toMatch(/tracing.otelEnv: "OTEL_EXPORTER_OTLP_HEADERS" is not one of OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES/);
    expect(parseInjectorConfig(JSON.stringify({ tracing: { endpoint: "http://c:4317", otelEnv: { OTEL_SERVICE_NAME: 7 } } })).problems.join()).toMatch(/OTEL_SERVICE_NAME must be a string/);
  });

  it("warns about unknown keys but still gives a config", () => {
    const r = parseInjectorConfig(JSON.stringify({ futureKnob: 1 }));
    expect(r.warnings).toEqual(['unknown injector config key "futureKnob" ignored']);
    expect(r.config).toEqual(DEFAULT_INJECTOR_CONFIG);
  });
});
