// cluster-mesh: the controller's mesh-facing parts against a real kube-apiserver.
// Proves: snapshots hold only referenced TLS Secrets plus the CA Secret; one mesh CA is shared by
// replicas through its Secret and signs a CSR only for a valid ServiceAccount token (TokenReview);
// the injection webhook serves with a mesh-CA certificate and keeps caBundle current (a Pod comes
// back injected, the decision logged and counted on the controller's /metrics); Gateways get an owned
// Deployment + Service and an address. Pods that really run
// (ready endpoints, answers on their IPs) are proven on the real node: test/k8s/real-pods.cluster.test.ts,
// and endpoints reaching a sidecar's config in test/build/image-on-real-node.cluster.test.ts.
// Skipped (with the reason) when the cluster binaries are not built.
import { expect, it } from "vitest";
import { X509Certificate } from "node:crypto";
import { createCsr } from "../../pkg/ca/csr.ts";
import { generateRsaKeySync } from "../../pkg/ca/rsa-keys.ts";
import { isWeftError } from "../../pkg/errors/weft-error.ts";
import { PROXY_CONTAINER } from "../../injector/index.ts";
import type { Condition } from "../../pkg/api/index.ts";
import type { KubeClient, Log } from "../../pkg/k8s/index.ts";
import { clusterTier, type TestCluster } from "../support/cluster.ts";
import { cond, freePort, replicaSet, useControllerCluster, waitFor, type Obj } from "../support/cluster-helpers.ts";

const NS = "weft-cm";

/** The controller's admin /metrics (Prometheus text). */
async function scrape(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text();
}

/** The value of one series (name with its labels as printed), or undefined when absent. */
function metricValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
let cluster: TestCluster;
let client: KubeClient;
const replicas = replicaSet(() => cluster, NS);
const replica = (identity: string, leaderElect: boolean, extra: readonly string[] = [], log?: Log) => replicas.start(identity, leaderElect, extra, log);

clusterTier.describe("controller mesh parts on a real API server", () => {
  useControllerCluster(NS, replicas, (c, k) => {
    cluster = c;
    client = k;
  });

  it("snapshots carry only TLS Secrets a Gateway listener references, plus the CA Secret", async () => {
    const c = await replica("secrets", false, ["--namespace", NS, "--ca-secret", "mesh-ca"]);
    try {
      const tls = (name: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: NS }, type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } });
      cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          tls("used-cert"),
          tls("unused-cert"),
          { apiVersion: "v1", kind: "Secret", metadata: { name: "other-opaque", namespace: NS }, type: "Opaque", data: { x: "" } },
          {
            apiVersion: "gateway.networking.k8s.io/v1",
            kind: "Gateway",
            metadata: { name: "tls-gw", namespace: NS },
            spec: { gatewayClassName: "weft-ct",
              listeners: [{ name: "https", protocol: "HTTPS", port: 443, hostname: "s.example.com", tls: { mode: "Terminate", certificateRefs: [{ name: "used-cert" }] } }] },
          },
        ],
      }));
      const secrets = await waitFor("referenced secrets in the snapshot", async () => {
        const s = c.snapshot()?.secrets.map((x) => x.metadata.name).sort();
        return s !== undefined && s.includes("used-cert") && s.includes("mesh-ca") ? s : undefined;
      });
      expect(secrets).toEqual(["mesh-ca", "used-cert"]);
      expect(Object.isFrozen(c.snapshot()?.secrets[0])).toBe(true);
    } finally {
      cluster.kubectl(["delete", "gateway", "tls-gw", "-n", NS]);
      await replicas.stop(c, true);
    }
  }, 60_000);

  it("keeps one mesh CA in a Secret shared by replicas, and signs a CSR only for a valid ServiceAccount token", async () => {
    const a = await replica("ca-a", false, ["--namespace", NS, "--ca-secret", "weft-ca-test"]);
    expect(metricValue(await scrape(a.healthPort), "weft_certificates_signed_total")).toBe(0);
    const b = await replica("ca-b", false, ["--namespace", NS, "--ca-secret", "weft-ca-test"]);
    try {
      expect(a.identity?.ca.trustBundle()).toBeDefined();
      expect(b.identity?.ca.trustBundle()).toBe(a.identity?.ca.trustBundle());
      const token = async (audience: string) =>
        (await waitFor("a ServiceAccount token", () =>
          client.request<{ status: { token: string } }>(
            "POST",
            `/api/v1/namespaces/${NS}/serviceaccounts/default/token`,
            { body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [audience], expirationSeconds: 600 } } },
          ))).status.token;
      const key = generateRsaKeySync(2048);
      const id = `spiffe://cluster.local/ns/${NS}/sa/default`;
      const csrPem = createCsr(key.privateKeyPem, key.publicKeyPem, id);
      const signed = await a.identity!.sign({ csrPem, token: await token("weft.dev/distribution") });
      expect(new X509Certificate(signed.certChainPem).subjectAltName).toContain(id);
      expect(await a.identity!.authenticateToken(await token("weft.dev/distribution"))).toEqual({ namespace: NS, serviceAccount: "default" });
      await expect(a.identity!.sign({ csrPem, token: await token("https://kubernetes.default.svc") })).rejects.toSatisfy((e: unknown) => isWeftError(e, "WEFT_ERR_UNAUTHENTICATED"));
      await expect(a.identity!.sign({ csrPem, token: "not-a-token" })).rejects.toSatisfy((e: unknown) => isWeftError(e, "WEFT_ERR_UNAUTHENTICATED"));
      // Only the one good CSR counts; the controller's /metrics says so (issue 15 item 7: it served no /metrics).
      expect(metricValue(await scrape(a.healthPort), "weft_certificates_signed_total")).toBe(1);
    } finally {
      for (const r of [a, b]) await replicas.stop(r, true);
    }
  }, 90_000);

  it("serves the injection webhook with a mesh-CA certificate and keeps its caBundle current", async () => {
    const port = await freePort();
    cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "weft-inj", labels: { "weft.dev/inject": "enabled" } } },
        {
          apiVersion: "admissionregistration.k8s.io/v1",
          kind: "MutatingWebhookConfiguration",
          metadata: { name: "weft-ct-webhook" },
          webhooks: [{
            name: "inject.weft.dev",
            admissionReviewVersions: ["v1"],
            sideEffects: "None",
            failurePolicy: "Fail",
            timeoutSeconds: 10,
            clientConfig: { url: `https://localhost:${port}/inject` },
            rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "Namespaced" }],
            namespaceSelector: { matchLabels: { "weft.dev/inject": "enabled" } },
          }],
        },
      ],
    }));
    const lines: { fields: Record<string, unknown>; msg: string }[] = [];
    const record = (fields: object, msg: string): void => void lines.push({ fields: fields as Record<string, unknown>, msg });
    const c = await replica("webhook", false, ["--namespace", NS, "--ca-secret", "weft-ca-test", "--webhook-service", "weft-controller", "--webhook-config", "weft-ct-webhook", "--webhook-port",
      String(port), "--webhook-dns-names", "localhost"], { info: record, warn: record, error: record });
    try {
      expect(c.webhook?.port).toBe(port);
      const want = Buffer.from(c.identity!.ca.trustBundle()).toString("base64");
      await waitFor("caBundle", async () => {
        const cfg = await client.request<{ webhooks: { clientConfig: { caBundle?: string } }[] }>("GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/weft-ct-webhook");
        return cfg.webhooks[0]?.clientConfig.caBundle === want ? true : undefined;
      });
      const pod = await waitFor("injected pod", () =>
        client.request<{ spec: { containers: { name: string }[]; initContainers?: { name: string }[] } }>(
          "POST",
          "/api/v1/namespaces/weft-inj/pods",
          { body: { apiVersion: "v1", kind: "Pod", metadata: { name: `app-${Date.now()}` }, spec: { containers: [{ name: "app", image: "example.invalid/app:1" }] } } },
        ));
      const names = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((x) => x.name);
      expect(names).toContain(PROXY_CONTAINER);
      // The decision is logged precisely (issue 15 item 7: decisions were never logged), without the object.
      const decision = lines.find((l) => l.msg === "injection decision");
      expect(decision?.fields).toMatchObject({ namespace: "weft-inj", injected: true, reason: "enabled-by-namespace-label", mode: "native-sidecar" });
      expect(decision?.fields["uid"]).toMatch(/^[0-9a-f-]{36}$/);
      expect(decision?.fields["captureArgs"]).toContain("--proxy-uid=1337");
      expect(JSON.stringify(decision)).not.toMatch(/BEGIN|token|example\.invalid\/app/);
      const text = await scrape(c.healthPort);
      expect(metricValue(text, 'weft_injections_total{injected="true",reason="enabled-by-namespace-label"}')).toBe(1);
      expect(metricValue(text, "weft_translate_duration_seconds_count")).toBeGreaterThanOrEqual(1);
      expect(metricValue(text, "weft_proxies_connected")).toBe(0);
      expect(metricValue(text, "weft_config_nacks_total")).toBe(0);
      expect(text).toContain("# TYPE weft_config_push_duration_seconds histogram");
      expect(text).toMatch(/^weft_process_process_resident_memory_bytes \d+/m);
    } finally {
      cluster.kubectl(["delete", "mutatingwebhookconfiguration", "weft-ct-webhook"]);
      await replicas.stop(c, true);
    }
  }, 90_000);

  it("provisions a Deployment and Service per Gateway, reports the address, and the GC removes them with the Gateway", async () => {
    const c = await replica("provisioner", false, ["--provision-gateways", "--gateway-image", "example.invalid/weft:test"]);
    try {
      cluster.kubectl(["apply", "-f", "-"], `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: prov, namespace: ${NS} }
spec:
  gatewayClassName: weft-ct
  listeners: [{ name: http, protocol: HTTP, port: 80 }, { name: alt, protocol: HTTP, port: 8081 }]
`);
      const svc = await waitFor("provisioned Service", () =>
        client.request<{ spec: { clusterIP: string; ports: { port: number }[] }; metadata: { ownerReferences?: { kind: string; name: string }[] } }>(
          "GET",
          `/api/v1/namespaces/${NS}/services/weft-gw-prov`,
        ));
      expect(svc.spec.ports.map((p) =>
        p.port
      )).toEqual([80, 8081]);
      expect(svc.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Gateway", name: "prov" });
      const dep = await client.request<{ spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } }>("GET", `/apis/apps/v1/namespaces/${NS}/deployments/weft-gw-prov`);
      expect(dep.spec.template.spec.containers[0]?.image).toBe("example.invalid/weft:test");
      expect(dep.spec.template.spec.containers[0]?.args).toContain(`${NS}/prov`);
      const gw = await waitFor("Gateway address", async () => {
        const g = await client.request<Obj>("GET", `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways/prov`);
        const addrs = (g.status?.["addresses"] ?? []) as { type: string; value: string }[];
        return addrs.length > 0 ? { g, addrs } : undefined;
      });
      expect(gw.addrs).toEqual([{ type: "IPAddress", value: svc.spec.clusterIP }]);
      // No kubelet here, so no pod is ever ready: the Gateway is not Programmed, and says why.
      const programmed = await waitFor("Programmed=False/Pending", async () => {
        const g = await client.request<Obj>("GET", `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways/prov`);
        const p = cond(g.status?.["conditions"] as Condition[], "Programmed");
        return p?.status === "False" ? p : undefined;
      });
      expect(programmed).toMatchObject({ reason: "Pending", message: `waiting for the gateway's pods: 0/1 pods ready (Deployment ${NS}/weft-gw-prov)` });
      cluster.kubectl(["delete", "gateway", "prov", "-n", NS]);
      await waitFor("garbage collection of the Service", async () => {
        try {
          await client.request("GET", `/api/v1/namespaces/${NS}/services/weft-gw-prov`);
          return undefined;
        } catch {
          return true;
        }
      }, 60_000);
    } finally {
      await replicas.stop(c, true);
    }
  }, 120_000);
});
