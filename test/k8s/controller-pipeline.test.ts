// pkg/controller pipeline and options: the wiring logic without a cluster.
// Proves: a full pass publishes the IR and hands statuses to the writer; an endpoints-only batch
// takes the fast path and writes no status; a translate that fails keeps the last good IR; the
// newest of several queued snapshots wins; flags are validated (provider, durations ordering).
import { describe, expect, it } from "vitest";
import type { ResourceSnapshot, StatusUpdate } from "../../pkg/api/index.ts";
import { parseManifests } from "../../pkg/api/parse.ts";
import { buildSnapshot } from "../../pkg/api/parse-snapshot.ts";
import type { MeshIR } from "../../pkg/ir/types.ts";
import type { Batch } from "../../pkg/k8s/index.ts";
import { SILENT_LOG } from "../../pkg/k8s/index.ts";
import type { StatusWriter, WriteReport } from "../../pkg/status/index.ts";
import { createControllerPipeline } from "../../pkg/controller/pipeline.ts";
import { parseControllerOptions } from "../../pkg/controller/options.ts";
import { withProxyTracing } from "../../pkg/controller/webhook-host.ts";
import { DEFAULT_INJECTOR_CONFIG } from "../../injector/index.ts";
import { desiredGatewayObjects, gatewayAddresses, provisionedName } from "../../pkg/controller/gateway-objects.ts";
import { decorateStatuses } from "../../pkg/status/index.ts";
import { weftGatewayYaml } from "../support/gateway-yaml.ts";

const manifests = (host: string) => `
${weftGatewayYaml({ name: "gw", namespace: "demo", generation: 1 }, "[{ name: http, protocol: HTTP, port: 8080 }]")}---
apiVersion: v1
kind: Service
metadata: { name: svc, namespace: demo }
spec: { clusterIP: 10.96.0.10, ports: [{ port: 80 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r, namespace: demo, generation: 1 }
spec:
  parentRefs: [{ name: gw }]
  hostnames: ["${host}"]
  rules: [{ backendRefs: [{ name: svc, port: 80 }] }]
`;

function snapshotOf(text: string): ResourceSnapshot {
  const out = parseManifests(text, "test.yaml");
  expect(out.errors).toEqual([]);
  return buildSnapshot(out.objects);
}

const full: Batch = { kinds: new Set(["httpRoutes"]), events: 1, endpointsOnly: false };
const endpointsOnly: Batch = { kinds: new Set(["endpointSlices"]), events: 1, endpointsOnly: true };

function recordingWriter(): StatusWriter & { calls: (readonly StatusUpdate[])[] } {
  const calls: (readonly StatusUpdate[])[] = [];
  const report: WriteReport = { written: 0, unchanged: 0, stale: 0, missing: 0, conflicts: 0, failed: 0, skippedNotLeader: false };
  return { calls, write: async (u) => {
    calls.push(u);
    return report;
  }, totalWrites: () => 0 };
}

describe("controller pipeline", () => {
  it("publishes the IR, writes statuses, and takes the fast path for endpoint-only batches", async () => {
    const irs: MeshIR[] = [];
    const writer = recordingWriter();
    const p = createControllerPipeline({ translateOptions: {}, setIr: (ir) => irs.push(ir), statusWriter: writer, log: SILENT_LOG });
    p.onSnapshot(snapshotOf(manifests("a.example.com")), full);
    await p.idle();
    expect(irs).toHaveLength(1);
    expect(writer.calls).toHaveLength(1);
    const kinds = writer.calls[0]!.map((u) => u.target.kind);
    expect(kinds).toContain("HTTPRoute");
    expect(kinds).toContain("GatewayClass");
    expect(p.lookup({ kind: "HTTPRoute", namespace: "demo", name: "r", generation: 1 })).toBeDefined();

    p.onSnapshot(snapshotOf(manifests("a.example.com")), endpointsOnly);
    await p.idle();
    expect(irs).toHaveLength(2);
    expect(writer.calls).toHaveLength(1);
  });

  it("keeps the last good IR when translate fails", async () => {
    const irs: MeshIR[] = [];
    const p = createControllerPipeline({ translateOptions: {}, setIr: (ir) => irs.push(ir), log: SILENT_LOG });
    p.onSnapshot(snapshotOf(manifests("a.example.com")), full);
    await p.idle();
    const good = p.lastResult();
    const broken = { ...snapshotOf(manifests("b.example.com")) };
    Object.defineProperty(broken, "httpRoutes", { get() {
      throw new Error("boom");
    } });
    p.onSnapshot(broken, full);
    await p.idle();
    expect(p.passes()).toBe(2);
    expect(irs).toHaveLength(1);
    expect(p.lastResult()).toBe(good);
  });

  it("runs only the newest of snapshots queued during a pass", async () => {
    const irs: MeshIR[] = [];
    const p = createControllerPipeline({ translateOptions: {}, setIr: (ir) => irs.push(ir), log: SILENT_LOG });
    for (const h of ["a.example.com", "b.example.com", "c.example.com"]) p.onSnapshot(snapshotOf(manifests(h)), full);
    await p.idle();
    expect(p.passes()).toBe(2);
    expect(JSON.stringify(irs[irs.length - 1])).toContain("c.example.com");
    expect(JSON.stringify(irs[irs.length - 1])).not.toContain("b.example.com");
  });
});

describe("controller options", () => {
  it("defaults and validation", () => {
    const o = parseControllerOptions([], {});
    expect(o.provider).toBe("kube");
    expect([o.grpcPort, o.healthPort, o.leaseDurationMs, o.renewDeadlineMs, o.retryPeriodMs]).toEqual([15010, 15014, 15000, 10000, 2000]);
    expect(parseControllerOptions(["--provider", "file", "--dir=/x", "--grpc-port", "0"], {}).grpcPort).toBe(0);
    // The chart's tracing values reach the controller as WEFT_TRACING_*: passed on to injected and provisioned proxies.
    expect(parseControllerOptions([], {}).proxyTracing).toBeUndefined();
    expect(parseControllerOptions([], { WEFT_TRACING_ENDPOINT: "http://jaeger.observability:4317", WEFT_TRACING_SAMPLING_RATIO: "0.1" }).proxyTracing)
      .toEqual({ endpoint: "http://jaeger.observability:4317", protocol: "grpc", samplingRatio: 0.1, propagators: ["tracecontext", "baggage", "b3"] });
    expect(() => parseControllerOptions([], { WEFT_TRACING_ENDPOINT: "http://j:4317", WEFT_TRACING_SAMPLING_RATIO: "2" })).toThrow(/WEFT_TRACING_\*, OTEL_TRACES_SAMPLER\*: samplingRatio/);
    // …and so do the standard OTEL_* it honours (the chart's tracing.otelEnv); others stay with the controller.
    const otel = { OTEL_SERVICE_NAME: "shop-mesh", OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod", OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.5" };
    expect(parseControllerOptions([], { WEFT_TRACING_ENDPOINT: "http://j:4317", ...otel, OTEL_EXPORTER_OTLP_HEADERS: "api-key=secret" }).proxyTracing)
      .toEqual({ endpoint: "http://j:4317", protocol: "grpc", samplingRatio: 0.5, propagators: ["tracecontext", "baggage", "b3"], otelEnv: otel });
    expect(() => parseControllerOptions([], { WEFT_TRACING_ENDPOINT: "http://j:4317", OTEL_TRACES_SAMPLER: "always_on" })).toThrow(/OTEL_TRACES_SAMPLER="always_on" is not supported/);
    const tracing = { endpoint: "http://jaeger.observability:4317" };
    expect(withProxyTracing(DEFAULT_INJECTOR_CONFIG, tracing).tracing).toEqual(tracing);
    expect(withProxyTracing({ ...DEFAULT_INJECTOR_CONFIG, tracing: { endpoint: "http://own:4318" } }, tracing).tracing).toEqual({ endpoint: "http://own:4318" });
    expect(withProxyTracing(DEFAULT_INJECTOR_CONFIG, undefined).tracing).toBeUndefined();
    expect(() => parseControllerOptions(["--provider", "file"], {})).toThrow(/--dir/);
    expect(() => parseControllerOptions(["--provider", "etcd"], {})).toThrow(/kube or file/);
    expect(() => parseControllerOptions(["--lease-duration", "1s"], {})).toThrow(/renew-deadline/);
    expect(() => parseControllerOptions(["--bogus"], {})).toThrow(/unknown flag/);
    const chart = parseControllerOptions(["--provider=kube", "--namespace=weft-system", "--grpc-port=15010", "--webhook-port=15017", "--admin-port=15014", "--leader-elect=false", "--lease-name=weft",
      "--lease-duration=15s", "--renew-deadline=10s", "--retry-period=2s", "--trust-domain=example.org", "--cert-lifetime=24h", "--ca-secret=weft-ca", "--webhook-config=weft",
      "--webhook-service=weft", "--log-level=info"], {});
    expect([chart.leaderElect, chart.trustDomain, chart.caSecret, chart.certLifetimeMs, chart.leaseNamespace]).toEqual([false, "example.org", "weft-ca", 86_400_000, "weft-system"]);
    expect(() => parseControllerOptions(["--leader-elect=maybe"], {})).toThrow(/true or false/);
    expect(parseControllerOptions(["--leader-elect", "--lease-duration=3s", "--renew-deadline=2s", "--retry-period=500ms"], {}).leaseDurationMs).toBe(3000);
  });
});

describe("gateway provisioning (pure parts)", () => {
  it("names fit 63 characters and stay distinct", () => {
    expect(provisionedName("gw")).toBe("weft-gw-gw");
    const a = provisionedName("x".repeat(60) + "a");
    const b = provisionedName("x".repeat(60) + "b");
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
  });

  it("owns a Deployment and a Service exposing each distinct listener port once", () => {
    const snap = snapshotOf(manifests("a.example.com"));
    const gw = { ...snap.gateways[0]!, metadata: { ...snap.gateways[0]!.metadata, uid: "u-1" },
      spec: { ...snap.gateways[0]!.spec,
        listeners: [{ name: "a", protocol: "HTTP", port: 8080 }, { name: "b", protocol: "HTTP", port: 8080, hostname: "x" }, { name: "c", protocol: "HTTPS", port: 443 }] } };
    const [dep, svc] = desiredGatewayObjects(gw, { image: "img", controllerAddress: "weft.weft-system.svc:15010", trustDomain: "cluster.local" }) as {
      metadata: { ownerReferences: { uid: string; controller: boolean }[] };
      spec: { ports?: { port: number }[] };
    }[];
    expect(dep!.metadata.ownerReferences).toEqual([expect.objectContaining({ uid: "u-1", controller: true })]);
    expect(svc!.spec.ports!.map((p) => p.port)).toEqual([443, 8080]);
  });

  it("adds the provisioned Service's cluster IP to Gateway statuses only", () => {
    const text = manifests("a.example.com") + `---
apiVersion: v1
kind: Service
metadata: { name: weft-gw-gw, namespace: demo }
spec: { clusterIP: 10.96.3.4, ports: [{ port: 8080 }] }
`;
    const snap = snapshotOf(text);
    const updates: StatusUpdate[] = [
      { target: { kind: "Gateway", namespace: "demo", name: "gw", generation: 1 }, conditions: [], listeners: [] },
      { target: { kind: "GatewayClass", namespace: "", name: "weft", generation: 1 }, conditions: [], supportedFeatures: [] },
    ];
    const out = decorateStatuses(updates, { programmed: () => ({ programmed: 0, total: 0 }), gatewayAddresses: (ns, name) => gatewayAddresses(snap, ns, name) });
    expect(out[0]).toMatchObject({ addresses: [{ type: "IPAddress", value: "10.96.3.4" }] });
    expect(out[1]).toBe(updates[1]);
  });
});
