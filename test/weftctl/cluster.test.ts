// cluster: weftctl against a real kube-apiserver (test/support/cluster.ts; skipped with the reason when
// its binaries are not built): check finds the API server and the Gateway API CRDs and FAILs on the
// missing controller (exit 1); explain --kubeconfig lists the live objects and explains a GAMMA route;
// status --kubeconfig shows nothing unhealthy when no controller wrote status.
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { clusterTier, startCluster, type TestCluster } from "../support/cluster.ts";

const root = resolve(import.meta.dirname, "../..");

function weftctl(args: readonly string[]): { stdout: string; stderr: string; code: number | null } {
  const r = spawnSync(process.execPath, ["cmd/weftctl.ts", ...args], { cwd: root, encoding: "utf8", timeout: 90_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

const MANIFESTS = `
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: demo}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: 9080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: reviews, namespace: demo}
spec:
  parentRefs: [{group: "", kind: Service, name: reviews, port: 9080}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v2}, headers: [{name: x-canary, value: "true"}]}]
    backendRefs: [{name: reviews, port: 9080}]
`;

clusterTier.describe("weftctl against a real API server", () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster({ crdChannel: "standard", controllerManager: false });
    cluster.kubectl(["apply", "-f", "-"], MANIFESTS);
  }, 240_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it("check: API server and CRDs PASS, missing controller and webhook FAIL", () => {
    const r = weftctl(["check", "--kubeconfig", cluster.kubeconfigPath, "-o", "json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; checks: { check: string; status: string; detail: string }[] };
    const status = Object.fromEntries(doc.checks.map((c) => [c.check, c.status]));
    expect(status["API server"]).toBe("PASS");
    for (const k of ["GatewayClass", "Gateway", "HTTPRoute", "GRPCRoute", "ReferenceGrant"]) expect(status[`CRD ${k}`], k).toBe("PASS");
    expect(status["CRD bundle version"]).toBe("PASS");
    expect(status["controller Deployment"]).toBe("FAIL");
    expect(status["injection webhook"]).toBe("FAIL");
    expect(doc.ok).toBe(false);
  }, 120_000);

  it("explain --kubeconfig explains a live GAMMA route (loser reason, then 404)", () => {
    const r = weftctl(["explain", "--kubeconfig", cluster.kubeconfigPath, "--from", "shop", "GET", "http://reviews.demo:9080/v2/x", "-H", "x-canary: false"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("producer routes of namespace demo apply");
    expect(r.stdout).toContain('✗ header x-canary: "false" ≠ "true"');
    const ok = weftctl(["explain", "--kubeconfig", cluster.kubeconfigPath, "--from", "shop", "GET", "http://reviews.demo:9080/v2/x", "-H", "x-canary: true"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("Matched:  HTTPRoute/demo/reviews rule 0 match 0");
    expect(ok.stdout).toContain("503 no ready endpoints");
  }, 120_000);

  it("status --kubeconfig: nothing written by a controller yet ⇒ nothing unhealthy", () => {
    const r = weftctl(["status", "--kubeconfig", cluster.kubeconfigPath]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no Gateway API objects handled by Weft");
  }, 120_000);
});
