// chart-render: mesh-charts/weft linted and rendered by the real Helm binary, default and non-default
// values; the rendered objects are checked for least privilege, wiring to the controller's flags
// and the values schema. Skipped (with the reason) when Helm is not built.
import { expect, it } from "vitest";
import { join } from "node:path";
import { parseInjectorConfig, DEFAULT_INJECTOR_CONFIG } from "../../injector/index.ts";
import { parseControllerOptions } from "../../pkg/controller/options.ts";
import { chartDir, helm, helmTier, render, type K8sObject } from "./helm.ts";

const custom = join(import.meta.dirname, "values-custom.yaml");
const find = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Container {
  args: string[];
  env: { name: string; value?: string }[];
}
const rulesOf = (o: K8sObject) => (o["rules"] as PolicyRule[]);
const controllerContainer = (objs: K8sObject[]): Container => ((find(objs, "Deployment")[0]!["spec"] as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!);

helmTier.describe("chart with real Helm", () => {
  it("lints strictly with default and non-default values", () => {
    for (const extra of [[], ["-f", custom]]) {
      const r = helm(["lint", "--strict", chartDir, ...extra]);
      expect(r.stderr + r.stdout).toContain("0 chart(s) failed");
      expect(r.status).toBe(0);
    }
  });

  it("renders every part of the install with default values", () => {
    const { objects } = render();
    expect(objects.map((o) => o.kind).sort()).toEqual([
      "ClusterRole",
      "ClusterRoleBinding",
      "Deployment",
      "GatewayClass",
      "MutatingWebhookConfiguration",
      "PodDisruptionBudget",
      "Role",
      "RoleBinding",
      "Service",
      "ServiceAccount",
    ]);
    const dep = find(objects, "Deployment")[0]!;
    expect((dep["spec"] as { replicas: number }).replicas).toBe(2);
    const gc = find(objects, "GatewayClass")[0]!;
    expect((gc["spec"] as { controllerName: string }).controllerName).toBe("weft.dev/gateway-controller");
  });

  it("passes the controller flags it understands, and they parse", () => {
    for (const extra of [[], ["-f", custom]]) {
      const c = controllerContainer(render(extra).objects);
      expect(c.args[0]).toBe("controller");
      const env = Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
      const opts = parseControllerOptions(c.args.slice(1), { ...env, POD_NAMESPACE: "weft-system" });
      expect(opts.provider).toBe("kube");
      expect(opts.namespace).toBe("weft-system");
      expect(opts.controllerAddress).toMatch(/^weft-controller\.weft-system\.svc:\d+$/);
      const inj = parseInjectorConfig(env["WEFT_INJECTION_CONFIG"] ?? "", DEFAULT_INJECTOR_CONFIG);
      expect(inj.problems).toEqual([]);
    }
  });

  it("maps non-default values: one replica without PDB or leader election, Ignore policy, tracing env with OTEL_* passed on", () => {
    const { objects } = render(["-f", custom]);
    expect(find(objects, "PodDisruptionBudget")).toHaveLength(0);
    expect(find(objects, "GatewayClass")).toHaveLength(0);
    const c = controllerContainer(objects);
    expect(c.args).toContain("--leader-elect=false");
    expect(c.args).toContain("--trust-domain=mesh.example.org");
    expect(c.args).toContain("--grpc-port=16010");
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
    expect(env["WEFT_TRACING_ENDPOINT"]).toBe("http://jaeger-collector.observability:4317");
    expect(env["WEFT_TRACING_SAMPLING_RATIO"]).toBe("0.1");
    // tracing.otelEnv: set on the controller, which passes them on to its gateways and sidecars.
    const otelEnv = { OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=staging,team=payments", OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" };
    expect(Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("OTEL_")))).toEqual(otelEnv);
    const opts = parseControllerOptions(c.args.slice(1), { ...env, POD_NAMESPACE: "weft-system" });
    expect(opts.proxyTracing).toMatchObject({ samplingRatio: 0.25, otelEnv });
    const inj = JSON.parse(env["WEFT_INJECTION_CONFIG"]!) as { proxyUid: number; excludeOutboundPorts: number[]; rewriteAppProbes: boolean };
    expect(inj.proxyUid).toBe(2337);
    expect(inj.rewriteAppProbes).toBe(false);
    expect(inj.excludeOutboundPorts).toEqual([5432]);
    const hooks = find(objects, "MutatingWebhookConfiguration")[0]!["webhooks"] as { failurePolicy: string }[];
    expect(hooks.map((h) => h.failurePolicy)).toEqual(["Ignore", "Ignore"]);
  });

  it("grants least privilege: no wildcards, writes only status, Secrets and Leases by name", () => {
    const { objects } = render();
    const cluster = rulesOf(find(objects, "ClusterRole")[0]!);
    const ns = rulesOf(find(objects, "Role")[0]!);
    for (const r of [...cluster, ...ns]) {
      expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain("*");
    }
    const writes = (rules: PolicyRule[], resource: string) => rules.filter((r) => r.resources.includes(resource) && r.verbs.some((v) => ["create", "update", "patch", "delete"].includes(v)));
    // Gateway API objects: only their status subresources are writable.
    for (const res of ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]) expect(writes(cluster, res)).toEqual([]);
    // Secrets are never writable cluster-wide; in the release namespace only create and the CA Secret by name.
    expect(writes(cluster, "secrets")).toEqual([]);
    for (const r of writes(ns, "secrets")) expect(r.verbs.includes("create") || r.resourceNames?.length === 1).toBe(true);
    expect(writes(ns, "secrets").flatMap((r) => r.resourceNames ?? [])).toEqual(["weft-ca"]);
    // Pods, nodes, RBAC objects: never written.
    for (const res of ["pods", "nodes", "clusterroles", "clusterrolebindings", "roles", "rolebindings"]) {
      expect([...writes(cluster, res), ...writes(ns, res)]).toEqual([]);
    }
    // The webhook configuration is patched only by name.
    const hookWrites = writes(cluster, "mutatingwebhookconfigurations");
    expect(hookWrites.every((r) => r.resourceNames?.length === 1)).toBe(true);
  });

  it("rejects invalid values through values.schema.json with the offending field named", () => {
    const bad: [string, string][] = [
      ["injection.failurePolicy=Maybe", "/injection/failurePolicy"],
      ["controller.ports.grpc=70000", "/controller/ports/grpc"],
      ["tracing.samplingRatio=2", "/tracing/samplingRatio"],
      ["mesh.certificateLifetime=one-day", "/mesh/certificateLifetime"],
      ["controller.unknownKey=1", "controller"],
      ["tracing.otelEnv.OTEL_EXPORTER_OTLP_HEADERS=api-key=x", "/tracing/otelEnv"],
      ["tracing.otelEnv.OTEL_TRACES_SAMPLER=always_on", "/tracing/otelEnv/OTEL_TRACES_SAMPLER"],
      ["tracing.otelEnv.OTEL_TRACES_SAMPLER_ARG=1.5", "/tracing/otelEnv/OTEL_TRACES_SAMPLER_ARG"],
    ];
    for (const [set, field] of bad) {
      const r = helm(["template", "weft", chartDir, "--kube-version", "1.34.0", "--set", set]);
      expect(r.status, set).not.toBe(0);
      expect(r.stderr, set).toContain(field);
    }
  });

  it("refuses the optional CRD install when the CRD files were not vendored", () => {
    const r = helm(["template", "weft", chartDir, "--kube-version", "1.34.0", "--set", "gatewayAPICRDs.install=true"]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("vendor-gateway-api-crds.sh");
  });
});
