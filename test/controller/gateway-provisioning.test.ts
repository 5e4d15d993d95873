// gateway-provisioning: what the provisioner applies for a Gateway and how the Gateway's Programmed
// condition follows its data plane (issue 15: gateway pods bound :80 as UID 1337 with no way to, a
// Gateway said Programmed=True from its spec alone, rollouts dropped connections, proxies registered as
// <ns>/unknown#N).
import { describe, expect, it } from "vitest";
import type { Condition, Gateway, StatusUpdate } from "../../pkg/api/index.ts";
import { GATEWAY_ADMIN_PORT, GATEWAY_DRAIN_DELAY_MS, GATEWAY_LABEL, desiredGatewayObjects } from "../../pkg/controller/gateway-objects.ts";
import { workloadOf } from "../../pkg/controller/provisioner.ts";
import { withGatewayProgrammed, type GatewayDataPlane, type GatewayWorkload } from "../../pkg/status/index.ts";

const gw = {
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "Gateway",
  metadata: { name: "public", namespace: "shop", uid: "u1" },
  spec: { gatewayClassName: "weft", listeners: [{ name: "http", protocol: "HTTP", port: 80 }, { name: "https", protocol: "HTTPS", port: 443 }] },
} as Gateway;

interface Probe {
  httpGet: { path: string; port: number };
}
interface PodSpec {
  securityContext: { runAsNonRoot?: boolean; seccompProfile?: { type: string }; sysctls?: { name: string; value: string }[] };
  terminationGracePeriodSeconds: number;
  containers: {
    command?: string[];
    args: string[];
    env: { name: string; value?: string; valueFrom?: { fieldRef: { fieldPath: string } } }[];
    readinessProbe?: Probe;
    livenessProbe?: Probe;
    startupProbe?: Probe & { periodSeconds: number; failureThreshold: number };
    ports: { containerPort: number }[];
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext: { runAsUser: number; runAsNonRoot: boolean; allowPrivilegeEscalation: boolean; capabilities?: { drop?: string[]; add?: string[] } };
  }[];
}
interface DeploymentSpec {
  strategy: { rollingUpdate: { maxUnavailable: number; maxSurge: number } };
  template: { metadata: { annotations?: Record<string, string> }; spec: PodSpec };
}

function deployment(extra: Partial<Parameters<typeof desiredGatewayObjects>[1]> = {}): DeploymentSpec {
  const objs = desiredGatewayObjects(gw, { image: "img", controllerAddress: "weft.weft-system.svc:15010", trustDomain: "cluster.local", trustBundle: () => "PEM", ...extra });
  return (objs.find((o) => o["kind"] === "Deployment") as { spec: DeploymentSpec }).spec;
}

describe("the provisioned gateway Deployment", () => {
  it("binds ports below 1024 as UID 1337 through the namespaced sysctl, with every capability dropped (Pod Security restricted)", () => {
    const pod = deployment().template.spec;
    const c = pod.containers[0]!;
    expect(c.ports.map((p) => p.containerPort)).toEqual([80, 443, GATEWAY_ADMIN_PORT]);
    expect(pod.securityContext.sysctls).toEqual([{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }]);
    expect(c.securityContext).toMatchObject({ runAsUser: 1337, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(c.securityContext.capabilities?.add).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
  });

  it("is ready only when the proxy says so, rolls one new pod before an old one goes, and drains within its grace period", () => {
    const d = deployment();
    const c = d.template.spec.containers[0]!;
    // `weft proxy` through the image's launcher: the proxy bundle, as sidecars run it.
    expect([...(c.command ?? []), ...c.args.slice(0, 1)]).toEqual(["weft", "proxy"]);
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/ready", port: GATEWAY_ADMIN_PORT });
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/live", port: GATEWAY_ADMIN_PORT });
    // A slow start on a busy node is not a failed liveness check: liveness counts after startup.
    expect(c.startupProbe).toMatchObject({ httpGet: { path: "/live", port: GATEWAY_ADMIN_PORT }, periodSeconds: 1, failureThreshold: 120 });
    expect(d.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    const arg = (flag: string): number => Number(c.args[c.args.indexOf(flag) + 1]);
    expect(arg("--drain-delay-ms")).toBe(GATEWAY_DRAIN_DELAY_MS);
    expect(arg("--admin-port")).toBe(GATEWAY_ADMIN_PORT);
    // The longest stop (served while connections keep coming, then the drain) fits in the grace period.
    expect(arg("--drain-delay-max-ms")).toBeGreaterThan(arg("--drain-delay-ms"));
    expect(arg("--drain-delay-max-ms") + arg("--drain-ms")).toBeLessThan(d.template.spec.terminationGracePeriodSeconds * 1000);
  });

  it("asks for resources, registers under its pod name and is never injected", () => {
    const d = deployment();
    const c = d.template.spec.containers[0]!;
    expect(c.resources?.requests).toEqual({ cpu: "50m", memory: "64Mi" });
    expect(c.resources?.limits?.["memory"]).toBe("512Mi");
    expect(c.env.find((e) => e.name === "POD_NAME")).toEqual({ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } });
    expect(d.template.metadata.annotations).toEqual({ "weft.dev/inject": "disabled" });
  });

  it("exports traces where the controller does, as its Gateway's service, with its pod, node and Deployment", () => {
    const env = (d: DeploymentSpec) => Object.fromEntries(d.template.spec.containers[0]!.env.map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef.fieldPath]));
    expect(env(deployment())).toMatchObject({ POD_NAME: "metadata.name", NODE_NAME: "spec.nodeName", WEFT_WORKLOAD: `Deployment/weft-gw-${gw.metadata.name}` });
    expect(env(deployment())["WEFT_TRACING_ENDPOINT"]).toBeUndefined();
    const traced = env(deployment({ tracing: { endpoint: "http://jaeger.observability:4317", protocol: "grpc", samplingRatio: 0.1, propagators: ["tracecontext", "b3"] } }));
    expect(traced).toMatchObject({
      WEFT_TRACING_ENDPOINT: "http://jaeger.observability:4317",
      WEFT_TRACING_PROTOCOL: "grpc",
      WEFT_TRACING_SAMPLING_RATIO: "0.1",
      WEFT_TRACING_PROPAGATORS: "tracecontext,b3",
    });
    // The controller's OTEL_* (the chart's tracing.otelEnv) go to its gateways as they are.
    const otel = env(deployment({ tracing: { endpoint: "http://j:4317", otelEnv: { OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod", OTEL_TRACES_SAMPLER: "parentbased_always_on" } } }));
    expect(otel).toMatchObject({ OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod", OTEL_TRACES_SAMPLER: "parentbased_always_on" });
    expect(Object.keys(env(deployment())).filter((k) => k.startsWith("OTEL_"))).toEqual([]);
  });

  it("carries spec.infrastructure labels and annotations on every object and the pod, ours winning a clash", () => {
    const infra = { labels: { team: "payments", [GATEWAY_LABEL]: "other" }, annotations: { "example.com/cost": "a", "weft.dev/inject": "enabled" } };
    const objs = desiredGatewayObjects({ ...gw, spec: { ...gw.spec, infrastructure: infra } }, { image: "img", controllerAddress: "c:1", trustDomain: "cluster.local", trustBundle: () => "PEM" });
    type Meta = { labels: Record<string, string>; annotations?: Record<string, string> };
    const metas = objs.map((o) => (o as { metadata: Meta }).metadata);
    const pod = (objs.find((o) => o["kind"] === "Deployment") as { spec: { template: { metadata: Meta } } }).spec.template.metadata;
    expect(objs.map((o) => o["kind"]).sort()).toEqual(["Deployment", "Service", "ServiceAccount"]);
    for (const m of [...metas, pod]) {
      expect(m.labels).toMatchObject({ team: "payments", [GATEWAY_LABEL]: "public" });
      expect(m.annotations?.["example.com/cost"]).toBe("a");
    }
    expect(pod.annotations?.["weft.dev/inject"]).toBe("disabled");
  });
});

describe("a Deployment's status as the Gateway's workload", () => {
  it("reads ready replicas and a ReplicaFailure message", () => {
    expect(workloadOf({ metadata: { namespace: "shop", name: "weft-gw-public" }, spec: { replicas: 1 }, status: { readyReplicas: 1 } }))
      .toEqual({ deployment: "shop/weft-gw-public", replicas: 1, readyReplicas: 1 });
    const rejected = workloadOf({
      metadata: { namespace: "shop", name: "weft-gw-public" },
      spec: { replicas: 1 },
      status: {
        conditions: [{ type: "Available", status: "False" }, { type: "ReplicaFailure", status: "True", message: 'pods "weft-gw-public-x" is forbidden: violates PodSecurity "restricted:latest"' }],
      },
    });
    expect(rejected).toEqual({ deployment: "shop/weft-gw-public", replicas: 1, readyReplicas: 0, replicaFailure: 'pods "weft-gw-public-x" is forbidden: violates PodSecurity "restricted:latest"' });
    expect(workloadOf({ metadata: { namespace: "a", name: "b" }, status: { conditions: [{ type: "ReplicaFailure", status: "False" }] } }).replicaFailure).toBeUndefined();
  });
});

describe("Gateway Programmed follows its data plane", () => {
  const translated = (status: "True" | "False", reason: string): StatusUpdate => ({
    target: { kind: "Gateway", namespace: "shop", name: "public", generation: 3 },
    listeners: [],
    conditions: [
      { type: "Accepted", status: "True", reason: "Accepted", message: "Gateway is accepted", observedGeneration: 3 },
      { type: "Programmed", status, reason, message: "2 of 2 listeners are programmed", observedGeneration: 3 },
    ],
  });
  const plane = (w: GatewayWorkload | undefined, proxies = { programmed: 0, total: 0 }): GatewayDataPlane => ({ workload: () => w, proxies: () => proxies });
  const conditionsOf = (u: StatusUpdate | undefined): readonly Condition[] => (u !== undefined && "conditions" in u ? u.conditions : []);
  const programmed = (u: StatusUpdate, p: GatewayDataPlane): Condition => conditionsOf(withGatewayProgrammed([u], p)[0]).find((c) => c.type === "Programmed")!;
  const w = (ready: number, extra: Partial<GatewayWorkload> = {}): GatewayWorkload => ({ deployment: "shop/weft-gw-public", replicas: 1, readyReplicas: ready, ...extra });

  it("is Pending until the Deployment exists and has a ready pod", () => {
    expect(programmed(translated("True", "Programmed"), plane(undefined))).toMatchObject({ status: "False", reason: "Pending",
      message: expect.stringMatching(/^waiting for the gateway Deployment to be created/) });
    expect(programmed(translated("True", "Programmed"), plane(w(0)))).toMatchObject({ status: "False", reason: "Pending",
      message: "waiting for the gateway's pods: 0/1 pods ready (Deployment shop/weft-gw-public)" });
  });

  it("is NoResources with the Deployment's message when its pods cannot be created", () => {
    const c = programmed(translated("True", "Programmed"), plane(w(0, { replicaFailure: 'pods "x" is forbidden: violates PodSecurity "restricted:latest": seccompProfile' })));
    expect(c).toMatchObject({ status: "False", reason: "NoResources" });
    expect(c.message).toBe(`the gateway's pods cannot be created (Deployment shop/weft-gw-public): pods "x" is forbidden: violates PodSecurity "restricted:latest": seccompProfile`);
  });

  it("waits for a proxy to acknowledge the listeners, then is Programmed with the counts", () => {
    expect(programmed(translated("True", "Programmed"), plane(w(1), { programmed: 0, total: 1 }))).toMatchObject({
      status: "False",
      reason: "Pending",
      message: "waiting for the gateway's proxies to apply its listeners: 0/1 proxies, 1/1 pods ready",
    });
    expect(programmed(translated("True", "Programmed"), plane(w(1), { programmed: 1, total: 1 }))).toMatchObject({
      status: "True",
      reason: "Programmed",
      message: "2 of 2 listeners are programmed; applied by 1/1 proxies, 1/1 pods ready",
      observedGeneration: 3,
    });
    expect(programmed(translated("True", "Programmed"), plane(w(1)))).toMatchObject({ status: "True", message: expect.stringMatching(/its proxies report to another controller replica$/) });
  });

  it("keeps translate's False and leaves every other status alone", () => {
    const invalid = translated("False", "Invalid");
    expect(withGatewayProgrammed([invalid], plane(w(1), { programmed: 1, total: 1 }))[0]).toBe(invalid);
    const route: StatusUpdate = { target: { kind: "HTTPRoute", namespace: "shop", name: "r", generation: 1 }, parents: [] };
    expect(withGatewayProgrammed([route], plane(undefined))[0]).toBe(route);
    const u = translated("True", "Programmed");
    expect(conditionsOf(withGatewayProgrammed([u], plane(undefined))[0])[0]).toBe(conditionsOf(u)[0]);
  });
});
