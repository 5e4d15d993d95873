// chart-cluster: the rendered chart against a real kube-apiserver (test/support/cluster.ts).
// Proves: every rendered object passes server-side dry-run (schemas, CRD validation, admission) for
// default and non-default values; the chart's RBAC is ENOUGH — the controller, authenticated as the
// chart's ServiceAccount and run with the chart's own arguments, creates its CA Secret, takes its
// Lease, publishes its proxy report on the report Lease, keeps the webhook caBundle and writes route
// status with no "forbidden" error — and NO
// BROADER: a list of actions it must not be able to do is denied by the API server.
import { afterAll, beforeAll, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { parseControllerOptions } from "../../pkg/controller/options.ts";
import { startController, type ControllerHandle } from "../../pkg/controller/runtime.ts";
import { createKubeClient } from "../../pkg/k8s/index.ts";
import type { Log } from "../../pkg/k8s/log.ts";
import { clusterTier, startCluster, type TestCluster } from "../support/cluster.ts";
import { pollFor } from "../support/poll.ts";
import { helmTier, render, type K8sObject } from "./helm.ts";

const tier = clusterTier.present ? helmTier : clusterTier;
const SA = "system:serviceaccount:weft-system:weft-controller";
const APP_NS = "chart-app";

let cluster: TestCluster;
let controller: ControllerHandle | undefined;
const problems: string[] = [];
const recordingLog: Log = {
  info() {},
  warn(obj, msg) {
    problems.push(`${msg} ${JSON.stringify(obj)}`);
  },
  error(obj, msg) {
    problems.push(`${msg} ${JSON.stringify(obj)}`);
  },
};

function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  return pollFor(what, fn, { timeoutMs, intervalMs: 250, detail: () => `\nlog problems:\n${problems.join("\n")}` });
}

function serviceAccountKubeConfig(token: string): KubeConfig {
  const admin = cluster.kc.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...admin, name: "test" }],
    users: [{ name: "weft-controller", token }],
    contexts: [{ name: "sa", cluster: "test", user: "weft-controller" }],
    currentContext: "sa",
  });
  return kc;
}

const docs = (objs: readonly K8sObject[]) => objs.map((o) => JSON.stringify(o)).join("\n");

tier.describe("chart on a real API server", () => {
  beforeAll(async () => {
    cluster = await startCluster();
    cluster.kubectl(["create", "namespace", "weft-system"]);
    cluster.kubectl(["create", "namespace", APP_NS]);
  }, 180_000);

  afterAll(async () => {
    await controller?.stop(true);
    await cluster?.stop();
  });

  it("passes server-side dry-run with default and non-default values", () => {
    for (const extra of [[], ["-f", join(import.meta.dirname, "values-custom.yaml")]]) {
      const { objects } = render(extra);
      const out = cluster.kubectl(["apply", "--dry-run=server", "-f", "-"], docs(objects));
      for (const o of objects) expect(out).toContain(`${o.metadata.name}`);
      expect(out).toContain("(server dry run)");
    }
  });

  it("gives the controller enough RBAC to run with the chart's own arguments", async () => {
    const { objects } = render();
    const wanted = new Set(["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "MutatingWebhookConfiguration", "GatewayClass"]);
    const webhookHooks = objects.find((o) => o.kind === "MutatingWebhookConfiguration")!;
    // The webhook is installed with Ignore so this test's own pod-less namespace work never depends on it.
    const installed = objects.filter((o) => wanted.has(o.kind)).map((o) => (o === webhookHooks
      ? { ...o, webhooks: (o["webhooks"] as object[]).map((h) => ({ ...h, failurePolicy: "Ignore" })) } :
      o)
    );
    cluster.kubectl(["apply", "-f", "-"], docs(installed));
    const token = cluster.kubectl(["create", "token", "weft-controller", "-n", "weft-system", "--duration=1h"]).trim();

    const dep = objects.find((o) => o.kind === "Deployment")!;
    const args = (dep["spec"] as { template: { spec: { containers: { args: string[] }[] } } }).template.spec.containers[0]!.args.slice(1);
    const loopback = ["--grpc-address=127.0.0.1", "--grpc-port=0", "--admin-port=0", "--webhook-port=0", "--identity=chart-rbac-test", "--lease-duration=3s", "--renew-deadline=2s",
      "--retry-period=500ms", "--provision-gateways=false"];
    const opts = parseControllerOptions([...args.filter((a) => !/^--(grpc-port|admin-port|webhook-port|lease-duration|renew-deadline|retry-period|provision-gateways)=/.test(a)), ...loopback], {
      POD_NAMESPACE: "weft-system",
    });
    controller = await startController(opts, recordingLog, serviceAccountKubeConfig(token));

    const admin = createKubeClient(cluster.kc);
    await waitFor("leadership", async () => (controller!.isLeader() ? true : undefined));
    await waitFor("CA Secret", () => admin.request<object>("GET", "/api/v1/namespaces/weft-system/secrets/weft-ca"));
    await waitFor("webhook caBundle", async () => {
      const hook = await admin.request<{ webhooks: { clientConfig: { caBundle?: string } }[] }>("GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/weft-injector.weft.dev");
      return hook.webhooks.every((h) => (h.clientConfig.caBundle ?? "").length > 0) ? true : undefined;
    });

    cluster.kubectl(["apply", "-f", "-"], [
      { apiVersion: "v1", kind: "Service", metadata: { name: "api", namespace: APP_NS }, spec: { ports: [{ port: 80 }], selector: { app: "api" } } },
      { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "api", namespace: APP_NS },
        spec: { parentRefs: [{ group: "", kind: "Service", name: "api", port: 80 }], rules: [{ backendRefs: [{ name: "api", port: 80 }] }] } },
    ].map((o) => JSON.stringify(o)).join("\n"));
    const accepted = await waitFor("route status written by the controller", async () => {
      const r = await admin.request<{ status?: { parents?: { controllerName: string; conditions: { type: string; status: string }[] }[] } }>(
        "GET",
        `/apis/gateway.networking.k8s.io/v1/namespaces/${APP_NS}/httproutes/api`,
      );
      const ours = r.status?.parents?.find((p) => p.controllerName === "weft.dev/gateway-controller");
      return ours?.conditions.find((c) => c.type === "Accepted");
    });
    expect(accepted.status).toBe("True");
    // Its proxy report (weft.dev/Programmed across replicas) lands on the report Lease, created by it.
    await waitFor("this replica's proxy report on the report Lease", async () => {
      const lease = await admin.request<{ metadata: { annotations?: Record<string, string> } }>("GET", "/apis/coordination.k8s.io/v1/namespaces/weft-system/leases/weft-controller-proxies");
      return Object.keys(lease.metadata.annotations ?? {}).some((k) => k.startsWith("weft.dev/proxies-")) ? true : undefined;
    });
    expect(problems.filter((p) => /forbidden|403/i.test(p))).toEqual([]);
  }, 120_000);

  it("gives the controller nothing broader", () => {
    const denied: string[][] = [
      ["create", "secrets", "-n", APP_NS],
      ["update", "secrets/other", "-n", "weft-system"],
      ["delete", "secrets/weft-ca", "-n", "weft-system"],
      ["update", "httproutes.gateway.networking.k8s.io", "-n", APP_NS],
      ["delete", "gateways.gateway.networking.k8s.io", "-n", APP_NS],
      ["create", "pods", "-n", APP_NS],
      ["delete", "pods", "-n", APP_NS],
      ["get", "nodes"],
      ["create", "clusterrolebindings"],
      ["patch", "mutatingwebhookconfigurations/someone-else"],
      ["update", "leases.coordination.k8s.io/other-lease", "-n", "weft-system"],
      ["delete", "leases.coordination.k8s.io/weft-controller-proxies", "-n", "weft-system"],
      ["list", "leases.coordination.k8s.io", "-n", "weft-system"],
      ["patch", "leases.coordination.k8s.io/weft-controller-proxies", "-n", APP_NS],
      ["create", "leases.coordination.k8s.io", "-n", APP_NS],
      ["get", "configmaps", "-n", APP_NS],
    ];
    const allowed: string[][] = [
      ["list", "secrets", "-n", APP_NS],
      ["patch", "httproutes.gateway.networking.k8s.io", "--subresource=status", "-n", APP_NS],
      ["create", "tokenreviews.authentication.k8s.io"],
      ["update", "leases.coordination.k8s.io/weft-controller", "-n", "weft-system"],
      ["patch", "leases.coordination.k8s.io/weft-controller-proxies", "-n", "weft-system"],
      ["patch", "mutatingwebhookconfigurations/weft-injector.weft.dev"],
    ];
    // `kubectl auth can-i` prints yes/no on stdout and exits 1 for "no".
    const canI = (a: string[]) =>
      spawnSync(join(cluster.binDir, "kubectl"), [`--kubeconfig=${cluster.kubeconfigPath}`, "auth", "can-i", ...a, `--as=${SA}`], { encoding: "utf8", timeout: 30_000 }).stdout.trim();
    expect(denied.map((a) => [a.join(" "), canI(a)])).toEqual(denied.map((a) => [a.join(" "), "no"]));
    expect(allowed.map((a) => [a.join(" "), canI(a)])).toEqual(allowed.map((a) => [a.join(" "), "yes"]));
  });
});
