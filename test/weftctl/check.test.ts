// check: weftctl check's checks against a fake Kubernetes API (canned GET answers) and the real
// controller health server (pkg/controller/health.ts) on loopback: PASS on a good install, FAIL
// with a hint for each broken part, exit code 1 only for FAIL.
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHealthServer } from "../../pkg/controller/health.ts";
import { checksExitCode, runChecks, type CheckResult } from "../../pkg/weftctl/check.ts";
import { WeftError } from "../../pkg/errors/weft-error.ts";
import type { KubeClient } from "../../pkg/k8s/index.ts";

type Answers = Record<string, unknown>;

function fakeClient(answers: Answers): KubeClient & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    async request<T>(method: string, path: string): Promise<T> {
      expect(method).toBe("GET");
      paths.push(path);
      const a = answers[path];
      if (a instanceof Error) throw a;
      if (a === undefined) throw new WeftError("WEFT_ERR_NOT_FOUND", `GET ${path}: not found`, { status: 404 });
      return a as T;
    },
  };
}

const crd = (versions: string[], bundle = "v1.6.3") => ({
  metadata: { annotations: { "gateway.networking.k8s.io/bundle-version": bundle, "gateway.networking.k8s.io/channel": "standard" } },
  spec: { versions: versions.map((name) => ({ name, served: true })) },
});
const crdPath = (plural: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.gateway.networking.k8s.io`;

function goodCluster(): Answers {
  return {
    "/version": { gitVersion: "v1.34.4" },
    [crdPath("gatewayclasses")]: crd(["v1", "v1beta1"]),
    [crdPath("gateways")]: crd(["v1", "v1beta1"]),
    [crdPath("httproutes")]: crd(["v1", "v1beta1"]),
    [crdPath("grpcroutes")]: crd(["v1"]),
    [crdPath("referencegrants")]: crd(["v1beta1"]),
    "/apis/apps/v1/namespaces/weft-system/deployments": { items: [{ metadata: { name: "weft-controller" }, spec: { replicas: 1 }, status: { readyReplicas: 1 } }] },
    "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations": {
      items: [{ metadata: { name: "weft-injector.weft.dev" }, webhooks: [{ name: "weft-injector.weft.dev", clientConfig: { caBundle: "LS0t" } }] }],
    },
    "/apis/gateway.networking.k8s.io/v1/httproutes": {
      items: [{ status: { parents: [{ controllerName: "weft.dev/gateway-controller", conditions: [{ type: "weft.dev/Programmed", status: "True", message: "applied by 2/2 proxies" }] }] } }],
    },
    "/apis/gateway.networking.k8s.io/v1/grpcroutes": { items: [] },
  };
}

const byName = (rs: readonly CheckResult[], name: string): CheckResult | undefined => rs.find((r) => r.check === name);

let health: { server: Server; port: number };
let ready = true;

beforeAll(async () => {
  health = await startHealthServer("127.0.0.1", 0, { ready: () => ready, info: () => ({ leader: true, passes: 3 }) });
});
afterAll(async () => {
  await new Promise<void>((r) => health.server.close(() => r()));
});

describe("weftctl check", () => {
  it("passes a healthy install (controller admin included)", async () => {
    const results = await runChecks(fakeClient(goodCluster()), { namespace: "weft-system", controllerAdmin: `http://127.0.0.1:${health.port}` });
    expect(results.filter((r) => r.status !== "PASS")).toEqual([]);
    expect(byName(results, "CRD ReferenceGrant")?.detail).toContain("served v1beta1");
    expect(byName(results, "CRD bundle version")?.detail).toBe("gateway.networking.k8s.io/bundle-version v1.6.3 (the version Weft is tested with)");
    expect(byName(results, "controller /status")?.detail).toBe("ready=true, leader=true, passes=3");
    expect(byName(results, "proxies in sync (routes)")?.detail).toContain("1/1");
    expect(checksExitCode(results)).toBe(0);
  });

  it("fails each broken part with a hint", async () => {
    const a = goodCluster();
    delete a[crdPath("grpcroutes")];
    a[crdPath("httproutes")] = crd(["v1beta1"], "v1.0.0");
    a["/apis/apps/v1/namespaces/weft-system/deployments"] = { items: [{ metadata: { name: "weft-controller" }, spec: { replicas: 2 }, status: { readyReplicas: 1 } }] };
    a["/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations"] = { items: [{ metadata: { name: "w" }, webhooks: [{ name: "w", clientConfig: {} }] }] };
    ready = false;
    try {
      const results = await runChecks(fakeClient(a), { namespace: "weft-system", controllerAdmin: `http://127.0.0.1:${health.port}` });
      const failed = results.filter((r) => r.status === "FAIL").map((r) => r.check);
      expect(failed).toEqual(["CRD HTTPRoute", "CRD GRPCRoute", "controller Deployment", "injection webhook", "controller /ready"]);
      expect(byName(results, "CRD GRPCRoute")?.detail).toContain("not installed");
      expect(byName(results, "CRD HTTPRoute")?.hint).toContain("HTTPRoute v1");
      expect(byName(results, "controller Deployment")?.detail).toContain("1/2 ready");
      expect(byName(results, "injection webhook")?.detail).toContain("caBundle not set");
      expect(byName(results, "CRD bundle version")?.status).toBe("WARN");
      for (const r of results.filter((x) => x.status === "FAIL")) expect(r.hint ?? "").not.toBe("");
      expect(checksExitCode(results)).toBe(1);
    } finally {
      ready = true;
    }
  });

  it("warns about one bundle older than the supported minimum, and names the tested version for a newer one", async () => {
    const bundle = async (v: string): Promise<CheckResult | undefined> => {
      const a = goodCluster();
      for (const p of ["gatewayclasses", "gateways", "httproutes", "grpcroutes", "referencegrants"]) a[crdPath(p)] = crd(p === "referencegrants" ? ["v1beta1"] : ["v1"], v);
      return byName(await runChecks(fakeClient(a), { namespace: "weft-system" }), "CRD bundle version");
    };
    const old = await bundle("v1.1.0");
    expect(old?.status).toBe("WARN");
    expect(old?.hint).toContain("older than v1.2.0");
    const other = await bundle("v1.4.1");
    expect(other).toMatchObject({ status: "PASS", detail: "gateway.networking.k8s.io/bundle-version v1.4.1 (Weft is tested with v1.6.3)" });
  });

  it("stops at an unreachable API server; warns when the controller admin is not given", async () => {
    const client = fakeClient({ "/version": new WeftError("WEFT_ERR_UNAVAILABLE", "GET /version: connect ECONNREFUSED", { status: 0 }) });
    const results = await runChecks(client, { namespace: "weft-system" });
    expect(results.map((r) => `${r.status} ${r.check}`)).toEqual(["FAIL API server", "WARN controller admin"]);
    expect(client.paths).toEqual(["/version"]);
    const noInstall = await runChecks(fakeClient({ "/version": { gitVersion: "v1.34.4" } }), { namespace: "weft-system" });
    expect(byName(noInstall, "controller Deployment")?.status).toBe("FAIL");
    expect(byName(noInstall, "controller admin")?.status).toBe("WARN");
  });
});
