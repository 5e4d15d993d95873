// trust-bootstrap: how proxies learn the mesh roots and what the controller refuses. The controller's
// injection webhook (over HTTPS on loopback) puts WEFT_TRUST_BUNDLE = the CA's current bundle into
// the proxy container, also after a root rotation; provisioned gateways run as their own
// ServiceAccount with the bundle; `weft proxy` refuses to dial a controller without a bundle (exit 2);
// the kube provider refuses plaintext without --grpc-insecure; authorization rules as a unit.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { distributionAccess, authorizeProxy } from "../../pkg/controller/distribution-auth.ts";
import { distributionDnsNames } from "../../pkg/controller/distribution-tls.ts";
import { distributionSecurityProblem, parseControllerOptions } from "../../pkg/controller/options.ts";
import { desiredGatewayObjects } from "../../pkg/controller/gateway-objects.ts";
import { startInjectionWebhook, type InjectionWebhook } from "../../pkg/controller/webhook-host.ts";
import { startLocalDevIdentity } from "../../pkg/controller/local-dev-identity.ts";
import { startController } from "../../pkg/controller/runtime.ts";
import type { MeshIdentity } from "../../pkg/controller/mesh-identity.ts";
import type { Gateway } from "../../pkg/api/index.ts";
import { isWeftError } from "../../pkg/errors/weft-error.ts";
import type { KubeClient } from "../../pkg/k8s/index.ts";
import { admissionReview, podCreateRequest, webhookCall } from "../support/admission-review.ts";
import { CAPTURE_LOG } from "./support.ts";

const REPO = join(import.meta.dirname, "../..");
const WEFT = join(REPO, "cmd/weft.ts");
const NS_ENABLED = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { "weft.dev/inject": "enabled" } } };
const noCluster: KubeClient = { request: () => Promise.reject(new Error("no API server in this test")) };

let identity: MeshIdentity;
let webhook: InjectionWebhook;

beforeAll(async () => {
  identity = startLocalDevIdentity(JSON.stringify({ tokens: [] }), { trustDomain: "cluster.local", certLifetimeMs: 3_600_000, log: CAPTURE_LOG });
  webhook = (await startInjectionWebhook({
    client: noCluster,
    identity,
    namespace: "weft-system",
    service: "weft",
    extraDnsNames: [],
    address: "127.0.0.1",
    port: 0,
    snapshot: () => ({ namespaces: [NS_ENABLED] }) as never,
    log: CAPTURE_LOG,
  }))!;
});
afterAll(async () => {
  await webhook.stop();
});

async function inject(): Promise<{ name: string; value?: string }[]> {
  const body = admissionReview(podCreateRequest({ apiVersion: "v1", kind: "Pod", metadata: { name: "web-0" }, spec: { containers: [{ name: "app", image: "web:1" }] } }));
  const answer = await webhookCall({ port: webhook.port, ca: identity.ca.trustBundle(), servername: "weft.weft-system.svc" }, "POST", "/inject", body);
  const review = JSON.parse(answer.body) as { response: { patch?: string } };
  const ops = JSON.parse(Buffer.from(review.response.patch ?? "", "base64").toString("utf8")) as { path: string; value: unknown }[];
  const containers = ops.filter((o) => o.path.includes("ontainers")).flatMap((o) => (Array.isArray(o.value) ? o.value : [o.value])) as { name: string; env?: { name: string; value?: string }[] }[];
  const proxy = containers.find((c) => c.name === "weft-proxy");
  if (proxy === undefined) throw new Error("no weft-proxy container in the patch");
  return proxy.env ?? [];
}

/** What every gateway pod carries besides trust material: node flags and its traces' resource (pod, node, workload). */
const IDENTITY_ENV = new Set(["NODE_OPTIONS", "WEFT_NODE_ARGS", "POD_NAME", "NODE_NAME", "WEFT_WORKLOAD"]);

describe("trust bundle for injected proxies", () => {
  it("the injected proxy carries WEFT_TRUST_BUNDLE equal to the CA's bundle", async () => {
    const env = await inject();
    const bundle = env.find((e) => e.name === "WEFT_TRUST_BUNDLE")?.value;
    expect(bundle).toBe(identity.ca.trustBundle());
    expect(bundle).toContain("-----BEGIN CERTIFICATE-----");
    expect(env.some((e) => e.name === "WEFT_CONTROLLER_INSECURE")).toBe(false);
  });

  it("after a root rotation new pods get the new bundle (new and old roots)", async () => {
    const before = identity.ca.trustBundle();
    identity.ca.rotateRoot();
    const bundle = (await inject()).find((e) => e.name === "WEFT_TRUST_BUNDLE")?.value ?? "";
    expect(bundle).toBe(identity.ca.trustBundle());
    expect(bundle).not.toBe(before);
    expect(bundle).toContain(before.trim());
    expect(bundle.match(/BEGIN CERTIFICATE/g)?.length).toBe(2);
  });
});

describe("provisioned gateways", () => {
  const gw: Gateway = {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "public", namespace: "shop", uid: "u-gw" },
    spec: { gatewayClassName: "weft", listeners: [{ name: "http", protocol: "HTTP", port: 80 }] },
  };
  type Obj = { kind: string; metadata: { name: string }; spec?: { template?: { spec: { serviceAccountName?: string; containers: { args: string[]; env?: { name: string; value: string }[] }[] } } } };

  it("run as a dedicated ServiceAccount with the trust bundle", () => {
    const objs = desiredGatewayObjects(gw, { image: "img", controllerAddress: "weft.weft-system.svc:15010", trustDomain: "cluster.local", trustBundle: () => "PEM-ROOTS" }) as Obj[];
    const sa = objs.find((o) => o.kind === "ServiceAccount");
    expect(sa?.metadata.name).toBe("weft-gw-public");
    const pod = objs.find((o) => o.kind === "Deployment")!.spec!.template!.spec;
    expect(pod.serviceAccountName).toBe("weft-gw-public");
    const c = pod.containers[0]!;
    expect(c.args[c.args.indexOf("--service-account") + 1]).toBe("weft-gw-public");
    expect(c.env?.filter((e) => !IDENTITY_ENV.has(e.name))).toEqual([{ name: "WEFT_TRUST_BUNDLE", value: "PEM-ROOTS" }]);
    expect(c.args).not.toContain("--controller-insecure");
  });

  it("without a bundle (plaintext controller) dial with --controller-insecure", () => {
    const objs = desiredGatewayObjects(gw, { image: "img", controllerAddress: "weft.weft-system.svc:15010", trustDomain: "cluster.local" }) as Obj[];
    const c = objs.find((o) => o.kind === "Deployment")!.spec!.template!.spec.containers[0]!;
    expect(c.args).toContain("--controller-insecure");
    expect(c.env?.filter((e) => !IDENTITY_ENV.has(e.name))).toEqual([]);
  });
});

describe("authorization rules", () => {
  const gwProxy = { namespace: "shop", serviceAccount: "weft-gw-public", pod: "p", kind: "gateway" as const, gatewayNamespace: "shop", gatewayName: "public" };
  const denied = (p: Parameters<typeof authorizeProxy>[0]) => expect(authorizeProxy(p)).rejects.toSatisfy((e: unknown) => isWeftError(e, "WEFT_ERR_PERMISSION_DENIED"));

  it("sidecars are served; a gateway only as its own ServiceAccount in its own namespace", async () => {
    await expect(authorizeProxy({ namespace: "shop", serviceAccount: "web", pod: "p", kind: "sidecar" })).resolves.toBeUndefined();
    await expect(authorizeProxy(gwProxy)).resolves.toBeUndefined();
    await denied({ ...gwProxy, serviceAccount: "default" });
    await denied({ ...gwProxy, gatewayName: "admin" });
    await denied({ ...gwProxy, namespace: "other", serviceAccount: "weft-gw-public" });
  });

  it("the kube provider authenticates tokens even without a mesh CA; the file provider without one does not", () => {
    const kube = distributionAccess("kube", undefined, noCluster);
    expect(kube.authenticateToken).toBeTypeOf("function");
    expect(kube.authorize).toBe(authorizeProxy);
    expect(distributionAccess("file", undefined, undefined)).toEqual({});
  });
});

describe("controller options", () => {
  it("the kube provider refuses plaintext without a CA unless --grpc-insecure", () => {
    expect(distributionSecurityProblem(parseControllerOptions([], {}))).toMatch(/give --ca-secret NAME .* or --grpc-insecure/);
    expect(distributionSecurityProblem(parseControllerOptions(["--grpc-insecure"], {}))).toBeUndefined();
    expect(distributionSecurityProblem(parseControllerOptions(["--ca-secret", "weft-ca"], {}))).toBeUndefined();
    expect(distributionSecurityProblem(parseControllerOptions(["--provider", "file", "--dir", "/x"], {}))).toBeUndefined();
  });

  it("startController refuses the kube provider without a CA before touching the cluster or a port", async () => {
    await expect(startController(parseControllerOptions(["--grpc-address", "127.0.0.1", "--grpc-port", "0", "--admin-port", "0"], {}), CAPTURE_LOG))
      .rejects.toThrow(/^--provider kube serves the distribution port over TLS with a certificate from the mesh CA, and there is no CA/);
  });

  it("distribution SANs: Service names, the --controller-address host, extra names; never an IP", () => {
    const o = parseControllerOptions(["--ca-secret", "c", "--webhook-service", "weft-controller", "--namespace", "mesh", "--controller-address", "ctl.example.com:15010", "--grpc-dns-names",
      "a.example,b.example"], {});
    expect(distributionDnsNames({ namespace: o.namespace, service: o.grpcService, controllerAddress: o.controllerAddress, extraDnsNames: o.grpcDnsNames }))
      .toEqual(["weft-controller.mesh.svc", "weft-controller.mesh.svc.cluster.local", "a.example", "b.example", "ctl.example.com"]);
    expect(distributionDnsNames({ namespace: "n", service: "s", controllerAddress: "10.0.0.1:15010", extraDnsNames: [] })).toEqual(["s.n.svc", "s.n.svc.cluster.local"]);
  });
});

describe("weft proxy trust flags", () => {
  const run = (args: string[], env: Record<string, string> = {}) => {
    const clean = { ...process.env };
    delete clean["WEFT_TRUST_BUNDLE"];
    delete clean["WEFT_CONTROLLER_INSECURE"];
    return spawnSync(process.execPath, [WEFT, "proxy", ...args], { env: { ...clean, ...env }, encoding: "utf8", timeout: 20_000 });
  };

  it("exits 2 without a trust bundle and without --controller-insecure, naming both ways out", () => {
    const r = run(["--mode", "sidecar", "--namespace", "shop", "--controller", "weft.weft-system.svc:15010", "--admin-port", "0"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("weft proxy: no trust bundle for the controller at weft.weft-system.svc:15010: set WEFT_TRUST_BUNDLE");
    expect(r.stderr).toContain("--trust-bundle FILE");
    expect(r.stderr).toContain("--controller-insecure");
  });

  it("exits 2 on a bundle that holds no certificate or a file it cannot read", () => {
    const bad = run(["--mode", "sidecar", "--namespace", "shop", "--controller", "h:1"], { WEFT_TRUST_BUNDLE: "not a pem" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("the controller trust bundle holds no PEM certificate");
    const missing = run(["--mode", "sidecar", "--namespace", "shop", "--controller", "h:1", "--trust-bundle", "/nonexistent/roots.pem"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--trust-bundle /nonexistent/roots.pem: cannot read it (ENOENT)");
  });
});
