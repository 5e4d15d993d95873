// cluster-controller: the controller against a real kube-apiserver (test/support/cluster.ts).
// Proves: applied resources get the right conditions on GatewayClass, Gateway and HTTPRoute; a
// deleted ReferenceGrant turns ResolvedRefs into RefNotPermitted; an edit bumps observedGeneration;
// another controller's parent entry survives our writes; a restarted controller converges with
// zero writes; a killed leader is replaced within the lease time; watches survive an apiserver
// restart. Skipped (with the reason) when the cluster binaries are not built.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Condition } from "../../pkg/api/index.ts";
import { createKubeClient, type KubeClient } from "../../pkg/k8s/index.ts";
import { parseControllerOptions } from "../../cmd/lib/controller-options.ts";
import { startController, type ControllerHandle } from "../../cmd/lib/controller-runtime.ts";
import { clusterSkipReason, startCluster, type TestCluster } from "../support/cluster.ts";
import { startPodRunner } from "../support/pod-runner.ts";
import { createPodNetwork, podNetnsSkipReason } from "../support/cluster-pod-netns.ts";
import { X509Certificate } from "node:crypto";
import { createCsr } from "../../pkg/ca/csr.ts";
import { generateRsaKeySync } from "../../pkg/ca/ca-certs.ts";
import { isWeftError } from "../../pkg/errors/weft-error.ts";
import { createServer as createNetServer } from "node:net";
import { PROXY_CONTAINER } from "../../injector/index.ts";
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";

const ME = "weft.dev/gateway-controller";
const NS = "weft-ct";
const quiet = { info() {}, warn() {}, error() {} };

let cluster: TestCluster;
let client: KubeClient;
const replicas: ControllerHandle[] = [];

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}${lastErr instanceof Error ? `: ${lastErr.message}` : ""}`);
}

type Obj = { metadata: { generation?: number; resourceVersion?: string }; status?: Record<string, unknown> };
const route = (name: string) => client.request<Obj>("GET", `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/${name}`);
function ourParent(o: Obj): { conditions: Condition[] } | undefined {
  const parents = (o.status?.["parents"] ?? []) as { controllerName: string; conditions: Condition[] }[];
  return parents.find((p) => p.controllerName === ME);
}
const cond = (list: readonly Condition[] | undefined, type: string) => list?.find((c) => c.type === type);

async function replica(identity: string, leaderElect: boolean, extra: readonly string[] = []): Promise<ControllerHandle> {
  const argv = [...extra, "--grpc-address", "127.0.0.1", "--grpc-port", "0", "--health-port", "0", "--identity", identity, "--lease-namespace", NS];
  if (leaderElect) argv.push("--leader-elect", "--lease-duration=3s", "--renew-deadline=2s", "--retry-period=500ms");
  const h = await startController(parseControllerOptions(argv, {}), quiet, cluster.kc);
  replicas.push(h);
  return h;
}

const manifests = `
apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
apiVersion: v1
kind: Namespace
metadata: { name: ${NS}-backend }
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: { name: weft-ct }
spec: { controllerName: ${ME} }
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: { name: gw, namespace: ${NS} }
spec:
  gatewayClassName: weft-ct
  listeners: [{ name: http, protocol: HTTP, port: 8080 }]
---
apiVersion: v1
kind: Service
metadata: { name: svc, namespace: ${NS} }
spec: { ports: [{ port: 80 }], selector: { app: svc } }
---
apiVersion: v1
kind: Service
metadata: { name: remote, namespace: ${NS}-backend }
spec: { ports: [{ port: 80 }], selector: { app: remote } }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: local, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw }]
  hostnames: ["a.example.com"]
  rules: [{ backendRefs: [{ name: svc, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: cross, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: remote, namespace: ${NS}-backend, port: 80 }] }]
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: { name: allow-ct, namespace: ${NS}-backend }
spec:
  from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ${NS} }]
  to: [{ group: "", kind: Service }]
`;

describe.skipIf(clusterSkipReason !== undefined)(`controller on a real API server${clusterSkipReason ? ` (skipped: ${clusterSkipReason})` : ""}`, () => {
  beforeAll(async () => {
    cluster = await startCluster();
    process.stdout.write(`test cluster started in ${cluster.startupMs} ms\n`);
    client = createKubeClient(cluster.kc);
    cluster.kubectl(["apply", "-f", "-"], manifests);
  }, 180_000);

  afterAll(async () => {
    for (const r of replicas) await r.stop(false).catch(() => undefined);
    await cluster?.stop();
  }, 60_000);

  it("writes Accepted/ResolvedRefs on routes, and conditions on Gateway and GatewayClass", async () => {
    const c = await replica("solo", false);
    await waitFor("ready", async () => (c.ready() ? true : undefined));
    const p = await waitFor("local route status", async () => ourParent(await route("local")));
    expect(cond(p.conditions, "Accepted")).toMatchObject({ status: "True", reason: "Accepted", observedGeneration: 1 });
    expect(cond(p.conditions, "ResolvedRefs")).toMatchObject({ status: "True", reason: "ResolvedRefs" });
    const cross = await waitFor("cross route status", async () => ourParent(await route("cross")));
    expect(cond(cross.conditions, "ResolvedRefs")?.status).toBe("True");
    const gw = await client.request<Obj>("GET", `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/gateways/gw`);
    expect(cond(gw.status?.["conditions"] as Condition[], "Accepted")?.status).toBe("True");
    const listeners = gw.status?.["listeners"] as { name: string; attachedRoutes: number }[];
    expect(listeners.find((l) => l.name === "http")?.attachedRoutes).toBe(2);
    const gc = await client.request<Obj>("GET", "/apis/gateway.networking.k8s.io/v1/gatewayclasses/weft-ct");
    expect(cond(gc.status?.["conditions"] as Condition[], "Accepted")).toMatchObject({ status: "True", observedGeneration: 1 });
  }, 60_000);

  it("reports RefNotPermitted after the ReferenceGrant is deleted", async () => {
    cluster.kubectl(["delete", "referencegrant", "allow-ct", "-n", `${NS}-backend`]);
    const c = await waitFor("RefNotPermitted", async () => {
      const rc = cond(ourParent(await route("cross"))?.conditions, "ResolvedRefs");
      return rc?.reason === "RefNotPermitted" ? rc : undefined;
    });
    expect(c.status).toBe("False");
  }, 60_000);

  it("bumps observedGeneration after an edit, and keeps another controller's parent entry", async () => {
    const other = { parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "elsewhere" }, controllerName: "example.com/other", conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "theirs", lastTransitionTime: "2026-01-01T00:00:00Z" }] };
    await waitFor("another controller's status write", async () => {
      const before = await route("local");
      const parents = [...((before.status?.["parents"] ?? []) as unknown[]), other];
      await client.request("PUT", `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/local/status`, { body: { ...before, status: { parents } } });
      return true;
    });
    cluster.kubectl(["patch", "httproute", "local", "-n", NS, "--type=merge", "-p", '{"spec":{"hostnames":["b.example.com"]}}']);
    const after = await waitFor("observedGeneration 2", async () => {
      const r = await route("local");
      return cond(ourParent(r)?.conditions, "Accepted")?.observedGeneration === 2 ? r : undefined;
    });
    expect(after.metadata.generation).toBe(2);
    const kept = ((after.status?.["parents"] ?? []) as { controllerName: string }[]).filter((p) => p.controllerName === "example.com/other");
    expect(kept).toEqual([other]);
  }, 60_000);

  it("a restarted controller converges without writing anything", async () => {
    const old = replicas.pop()!;
    await old.pipeline.idle();
    await old.stop(true);
    const fresh = await replica("restarted", false);
    await waitFor("ready", async () => (fresh.ready() ? true : undefined));
    await fresh.pipeline.idle();
    await new Promise((r) => setTimeout(r, 1_000));
    await fresh.pipeline.idle();
    expect(fresh.pipeline.passes()).toBeGreaterThan(0);
    expect(fresh.writer?.totalWrites()).toBe(0);
    cluster.kubectl(["patch", "httproute", "local", "-n", NS, "--type=merge", "-p", '{"spec":{"hostnames":["c.example.com"]}}']);
    await waitFor("a write for the edit", async () => ((fresh.writer?.totalWrites() ?? 0) > 0 ? true : undefined));
    await fresh.stop(true);
    replicas.pop();
  }, 60_000);

  it("watches survive an API server restart", async () => {
    const c = await replica("survivor", false);
    await waitFor("ready", async () => (c.ready() ? true : undefined));
    await cluster.restartApiServer();
    cluster.kubectl(["apply", "-f", "-"], `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: after-restart, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ backendRefs: [{ name: svc, port: 80 }] }]
`);
    const p = await waitFor("status on a route created after the restart", async () => ourParent(await route("after-restart")), 60_000);
    expect(cond(p.conditions, "Accepted")?.status).toBe("True");
    await c.stop(true);
    replicas.pop();
  }, 120_000);

  it("snapshots carry only TLS Secrets a Gateway listener references, plus the CA Secret", async () => {
    const c = await replica("secrets", false, ["--namespace", NS, "--ca-secret", "mesh-ca"]);
    try {
      const tls = (name: string) => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace: NS }, type: "kubernetes.io/tls", data: { "tls.crt": "", "tls.key": "" } });
      cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
        apiVersion: "v1", kind: "List", items: [
          tls("used-cert"), tls("unused-cert"),
          { apiVersion: "v1", kind: "Secret", metadata: { name: "other-opaque", namespace: NS }, type: "Opaque", data: { x: "" } },
          {
            apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "tls-gw", namespace: NS },
            spec: { gatewayClassName: "weft-ct", listeners: [{ name: "https", protocol: "HTTPS", port: 443, hostname: "s.example.com", tls: { mode: "Terminate", certificateRefs: [{ name: "used-cert" }] } }] },
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
      await c.stop(true);
      replicas.splice(replicas.indexOf(c), 1);
    }
  }, 60_000);

  it("keeps one mesh CA in a Secret shared by replicas, and signs a CSR only for a valid ServiceAccount token", async () => {
    const a = await replica("ca-a", false, ["--namespace", NS, "--ca-secret", "weft-ca-test"]);
    const b = await replica("ca-b", false, ["--namespace", NS, "--ca-secret", "weft-ca-test"]);
    try {
      expect(a.identity?.ca.trustBundle()).toBeDefined();
      expect(b.identity?.ca.trustBundle()).toBe(a.identity?.ca.trustBundle());
      const token = async (audience: string) => (await waitFor("a ServiceAccount token", () => client.request<{ status: { token: string } }>(
        "POST", `/api/v1/namespaces/${NS}/serviceaccounts/default/token`,
        { body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: [audience], expirationSeconds: 600 } } }))).status.token;
      const key = generateRsaKeySync(2048);
      const id = `spiffe://cluster.local/ns/${NS}/sa/default`;
      const csrPem = createCsr(key.privateKeyPem, key.publicKeyPem, id);
      const signed = await a.identity!.sign({ csrPem, token: await token("weft.dev/distribution") });
      expect(new X509Certificate(signed.certChainPem).subjectAltName).toContain(id);
      expect(await a.identity!.authenticateToken(await token("weft.dev/distribution"))).toEqual({ namespace: NS, serviceAccount: "default" });
      await expect(a.identity!.sign({ csrPem, token: await token("https://kubernetes.default.svc") })).rejects.toSatisfy((e: unknown) => isWeftError(e, "WEFT_ERR_UNAUTHENTICATED"));
      await expect(a.identity!.sign({ csrPem, token: "not-a-token" })).rejects.toSatisfy((e: unknown) => isWeftError(e, "WEFT_ERR_UNAUTHENTICATED"));
    } finally {
      for (const r of [a, b]) {
        await r.stop(true);
        replicas.splice(replicas.indexOf(r), 1);
      }
    }
  }, 90_000);

  it("serves the injection webhook with a mesh-CA certificate and keeps its caBundle current", async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createNetServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1", kind: "List", items: [
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "weft-inj", labels: { "weft.dev/inject": "enabled" } } },
        {
          apiVersion: "admissionregistration.k8s.io/v1", kind: "MutatingWebhookConfiguration", metadata: { name: "weft-ct-webhook" },
          webhooks: [{
            name: "inject.weft.dev", admissionReviewVersions: ["v1"], sideEffects: "None", failurePolicy: "Fail", timeoutSeconds: 10,
            clientConfig: { url: `https://localhost:${port}/inject` },
            rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "Namespaced" }],
            namespaceSelector: { matchLabels: { "weft.dev/inject": "enabled" } },
          }],
        },
      ],
    }));
    const c = await replica("webhook", false, ["--namespace", NS, "--ca-secret", "weft-ca-test", "--webhook-service", "weft-controller",
      "--webhook-config", "weft-ct-webhook", "--webhook-port", String(port), "--webhook-dns-names", "localhost"]);
    try {
      expect(c.webhook?.port).toBe(port);
      const want = Buffer.from(c.identity!.ca.trustBundle()).toString("base64");
      await waitFor("caBundle", async () => {
        const cfg = await client.request<{ webhooks: { clientConfig: { caBundle?: string } }[] }>("GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/weft-ct-webhook");
        return cfg.webhooks[0]?.clientConfig.caBundle === want ? true : undefined;
      });
      const pod = await waitFor("injected pod", () => client.request<{ spec: { containers: { name: string }[]; initContainers?: { name: string }[] } }>(
        "POST", "/api/v1/namespaces/weft-inj/pods",
        { body: { apiVersion: "v1", kind: "Pod", metadata: { name: `app-${Date.now()}` }, spec: { containers: [{ name: "app", image: "example.invalid/app:1" }] } } }));
      const names = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])].map((x) => x.name);
      expect(names).toContain(PROXY_CONTAINER);
    } finally {
      cluster.kubectl(["delete", "mutatingwebhookconfiguration", "weft-ct-webhook"]);
      await c.stop(true);
      replicas.splice(replicas.indexOf(c), 1);
    }
  }, 90_000);

  it("pods of a Deployment become ready endpoints in EndpointSlices and in the IR (pod runner)", async () => {
    const runner = await startPodRunner(client);
    const c = await replica("endpoints", false);
    try {
      cluster.kubectl(["apply", "-f", "-"], `apiVersion: apps/v1
kind: Deployment
metadata: { name: svc, namespace: ${NS} }
spec:
  replicas: 2
  selector: { matchLabels: { app: svc } }
  template:
    metadata: { labels: { app: svc } }
    spec: { containers: [{ name: app, image: example.invalid/app:1, ports: [{ containerPort: 80 }] }] }
`);
      const ready = await waitFor("2 ready endpoints", async () => {
        const l = await client.request<{ items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] }>(
          "GET", `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`, { query: { labelSelector: "kubernetes.io/service-name=svc" } });
        const eps = l.items.flatMap((i) => i.endpoints ?? []).filter((e) => e.conditions?.ready === true);
        return eps.length === 2 ? eps.flatMap((e) => e.addresses) : undefined;
      }, 60_000);
      for (const ip of ready) expect(ip).toMatch(/^10\.244\./);
      await waitFor("endpoints in the IR", async () => {
        const ir = JSON.stringify(c.pipeline.lastResult()?.ir ?? {});
        return ready.every((ip) => ir.includes(ip)) ? true : undefined;
      });
    } finally {
      await runner.stop();
      await c.stop(true);
      replicas.splice(replicas.indexOf(c), 1);
    }
  }, 90_000);

  it.skipIf(podNetnsSkipReason !== undefined)("pods run as processes in their own network namespaces and answer on their endpoint IPs", async () => {
    const net = createPodNetwork();
    const runner = await startPodRunner(client, { network: net, logDir: cluster.dir });
    try {
      const script = "require('http').createServer((q, s) => s.end(process.env.POD_NAME + ' ' + process.env.POD_IP)).listen(8080)";
      cluster.kubectl(["apply", "-f", "-"], JSON.stringify({
        apiVersion: "v1", kind: "List", items: [
          { apiVersion: "v1", kind: "Service", metadata: { name: "echo", namespace: NS }, spec: { selector: { app: "echo" }, ports: [{ port: 80, targetPort: 8080 }] } },
          {
            apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "echo", namespace: NS },
            spec: {
              replicas: 2, selector: { matchLabels: { app: "echo" } },
              template: { metadata: { labels: { app: "echo" } }, spec: { containers: [{ name: "echo", image: "example.invalid/echo:1", command: [process.execPath, "-e", script], ports: [{ containerPort: 8080 }] }] } },
            },
          },
        ],
      }));
      const ips = await waitFor("2 ready echo endpoints", async () => {
        const l = await client.request<{ items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[] }>(
          "GET", `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices`, { query: { labelSelector: "kubernetes.io/service-name=echo" } });
        const eps = l.items.flatMap((i) => i.endpoints ?? []).filter((e) => e.conditions?.ready === true);
        return eps.length === 2 ? eps.flatMap((e) => e.addresses) : undefined;
      }, 60_000);
      const answers = await Promise.all(ips.map(async (ip) => (await fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(5_000) })).text()));
      const names = new Set(answers.map((a) => a.split(" ")[0]));
      expect(names.size).toBe(2);
      for (const [i, a] of answers.entries()) expect(a.split(" ")[1]).toBe(ips[i]);
      cluster.kubectl(["delete", "deployment", "echo", "-n", NS]);
      await waitFor("echo pods gone", async () => {
        const pods = await client.request<{ items: unknown[] }>("GET", `/api/v1/namespaces/${NS}/pods`, { query: { labelSelector: "app=echo" } });
        return pods.items.length === 0 ? true : undefined;
      }, 60_000);
      await waitFor("echo processes stopped", async () => {
        const alive = await Promise.all(ips.map((ip) => fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(500) }).then(() => true, () => false)));
        return alive.every((a) => !a) ? true : undefined;
      });
    } finally {
      await runner.stop();
      net.destroy();
    }
  }, 120_000);

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
      const svc = await waitFor("provisioned Service", () => client.request<{ spec: { clusterIP: string; ports: { port: number }[] }; metadata: { ownerReferences?: { kind: string; name: string }[] } }>(
        "GET", `/api/v1/namespaces/${NS}/services/weft-gw-prov`));
      expect(svc.spec.ports.map((p) => p.port)).toEqual([80, 8081]);
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
      expect(cond(gw.g.status?.["conditions"] as Condition[], "Programmed")?.status).toBe("True");
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
      await c.stop(true);
      replicas.splice(replicas.indexOf(c), 1);
    }
  }, 120_000);

  it("a killed leader is replaced within the lease time, and only the leader writes", async () => {
    const a = await replica("replica-a", true);
    const b = await replica("replica-b", true);
    const first = await waitFor("a leader", async () => (a.isLeader() ? a : b.isLeader() ? b : undefined));
    const second = first === a ? b : a;
    expect(second.isLeader()).toBe(false);
    cluster.kubectl(["patch", "httproute", "cross", "-n", NS, "--type=merge", "-p", '{"spec":{"hostnames":["x.example.com"]}}']);
    await waitFor("leader writes the edit", async () => {
      const x = await route("cross");
      return cond(ourParent(x)?.conditions, "Accepted")?.observedGeneration === x.metadata.generation ? true : undefined;
    });
    await second.pipeline.idle();
    expect(second.writer?.totalWrites()).toBe(0);
    await first.stop(false);
    const t0 = Date.now();
    await waitFor("takeover", async () => (second.isLeader() ? true : undefined), 15_000);
    process.stdout.write(`leader takeover after ${Date.now() - t0} ms (lease 3 s)\n`);
    const writesBefore = second.writer?.totalWrites() ?? 0;
    cluster.kubectl(["patch", "httproute", "local", "-n", NS, "--type=merge", "-p", '{"spec":{"hostnames":["d.example.com"]}}']);
    const r = await waitFor("new leader writes", async () => {
      const x = await route("local");
      return cond(ourParent(x)?.conditions, "Accepted")?.observedGeneration === x.metadata.generation ? x : undefined;
    });
    expect(r.metadata.generation).toBeGreaterThanOrEqual(4);
    expect(second.writer?.totalWrites() ?? 0).toBeGreaterThan(writesBefore);
    await second.stop(true);
    const lease = await client.request<{ spec: { holderIdentity?: string | null; leaseTransitions?: number } }>("GET", `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/weft-controller`);
    expect(lease.spec.holderIdentity ?? "").toBe("");
    expect(lease.spec.leaseTransitions).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("`weft controller` runs as a process: /ready turns 200, SIGTERM exits 0 and releases the lease", async () => {
    const port = await new Promise<number>((res) => {
      const srv = createNetServer().listen(0, "127.0.0.1", () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => res(p));
      });
    });
    const repo = resolve(import.meta.dirname, "../..");
    const child = spawn(process.execPath, [join(repo, "cmd/weft.ts"), "controller", "--kubeconfig", cluster.kubeconfigPath, "--grpc-address", "127.0.0.1",
      "--grpc-port", "0", "--admin-port", String(port), "--leader-elect", "--namespace", NS, "--lease-name", "weft-cli", "--identity", "cli",
      "--log-level", "warn"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => { stderr += c.toString(); });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await waitFor("/ready", async () => ((await fetch(`http://127.0.0.1:${port}/ready`).catch(() => undefined))?.status === 200 ? true : undefined), 60_000);
      const status = await (await fetch(`http://127.0.0.1:${port}/status`)).json() as { ready: boolean; passes: number };
      expect(status.ready).toBe(true);
      expect(status.passes).toBeGreaterThan(0);
      await waitFor("leadership", async () => {
        const l = await client.request<{ spec: { holderIdentity?: string } }>("GET", `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/weft-cli`);
        return l.spec.holderIdentity === "cli" ? true : undefined;
      });
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      const lease = await client.request<{ spec: { holderIdentity?: string | null } }>("GET", `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/weft-cli`);
      expect(lease.spec.holderIdentity ?? "").toBe("");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      if (stderr !== "") process.stdout.write(`controller stderr: ${stderr.slice(0, 2000)}\n`);
    }
  }, 90_000);
});
