// webhook-cluster: the injector webhook behind a real kube-apiserver (Kubernetes tier). Two
// loopback webhook servers (native sidecars for namespace `shop`, container sidecars for `legacy`)
// are registered by URL; Pods created through the API come back injected — which also proves the
// patch passes the API server's own Pod validation — while pods in unlabelled namespaces are left
// alone and a bad annotation yields an admission warning and an unmodified pod. A Deployment's pods
// (created by kube-controller-manager through a ReplicaSet) are injected too; with the webhook down,
// failurePolicy Fail rejects the pod and Ignore admits it without a sidecar.
import { spawn } from "node:child_process";
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Namespace } from "../../pkg/api/index.ts";
import { createWebhookServer, DEFAULT_INJECTOR_CONFIG, type InjectorConfig } from "../../injector/index.ts";
import { clusterTier, startCluster, type TestCluster } from "../support/cluster.ts";
import { loopbackServingCert } from "../support/certs.ts";

type Obj = Record<string, any>;

clusterTier.describe("injector webhook on a real API server", () => {
  let cluster: TestCluster;
  const servers: Server[] = [];
  const tls = loopbackServingCert();

  /** Async kubectl: the webhook servers live in this process, so its event loop must keep running. */
  function kubectlAsync(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(join(cluster.binDir, "kubectl"), [`--kubeconfig=${cluster.kubeconfigPath}`, ...args], { stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => {
        stdout += c.toString("utf8");
      });
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString("utf8");
      });
      const kill = setTimeout(() => child.kill("SIGKILL"), 60_000);
      child.on("close", (status) => {
        clearTimeout(kill);
        resolve({ status, stdout, stderr });
      });
      child.stdin.end(input ?? "");
    });
  }

  async function startWebhook(config: InjectorConfig): Promise<number> {
    const api = cluster.kc.makeApiClient(CoreV1Api);
    const server = createWebhookServer({
      keyPem: tls.keyPem,
      certPem: tls.certPem,
      config,
      nsLookup: async (name) => (await api.readNamespace({ name })) as unknown as Namespace,
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return (server.address() as AddressInfo).port;
  }

  function webhookConfig(name: string, port: number, namespace: string, failurePolicy: "Fail" | "Ignore" = "Fail"): Obj {
    return {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name },
      webhooks: [{
        name: `${name}.weft.dev`,
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy,
        timeoutSeconds: 10,
        clientConfig: { url: `https://127.0.0.1:${port}/inject`, caBundle: Buffer.from(tls.certPem).toString("base64") },
        rules: [{ operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], scope: "Namespaced" }],
        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
      }],
    };
  }

  function pod(name: string, ns: string, annotations: Record<string, string> = {}): Obj {
    return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: ns, annotations }, spec: { containers: [{ name: "app", image: "reviews:1" }] } };
  }

  async function createPod(p: Obj): Promise<{ stored: Obj; stderr: string }> {
    const r = await kubectlAsync(["create", "-o", "json", "-f", "-"], JSON.stringify(p));
    if (r.status !== 0) throw new Error(`kubectl create failed: ${r.stderr}`);
    return { stored: JSON.parse(r.stdout) as Obj, stderr: r.stderr };
  }

  const names = (list: Obj[] | undefined): string[] => (list ?? []).map((c) => c["name"] as string);

  beforeAll(async () => {
    cluster = await startCluster({ controllerManager: true });
    const native = await startWebhook({ ...DEFAULT_INJECTOR_CONFIG, nativeSidecars: true });
    const legacy = await startWebhook({ ...DEFAULT_INJECTOR_CONFIG, nativeSidecars: false });
    const docs: Obj[] = [];
    const enabled = { "weft.dev/inject": "enabled" };
    for (const [ns, labels] of [["shop", enabled], ["legacy", enabled], ["plain", {}], ["down-fail", enabled], ["down-ignore", enabled]] as const) {
      docs.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } });
    }
    // A webhook that is down: a loopback port nothing listens on.
    const dead = await startWebhook({ ...DEFAULT_INJECTOR_CONFIG });
    const deadServer = servers.pop()!;
    await new Promise<void>((r) => deadServer.close(() => r()));
    docs.push(webhookConfig("weft-native", native, "shop"), webhookConfig("weft-legacy", legacy, "legacy"), webhookConfig("weft-plain", native, "plain"),
      webhookConfig("weft-down-fail", dead, "down-fail", "Fail"), webhookConfig("weft-down-ignore", dead, "down-ignore", "Ignore"));
    cluster.kubectl(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "List", items: docs }));
    // kube-controller-manager creates each namespace's "default" ServiceAccount; pods need it.
    for (const ns of ["shop", "legacy", "plain", "down-fail", "down-ignore"]) {
      for (let i = 0; i < 120; i++) {
        if ((await kubectlAsync(["get", "serviceaccount", "default", "-n", ns])).status === 0) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    // The API server picks up webhook configurations asynchronously: probe until one is injected.
    for (let i = 0; i < 40; i++) {
      const probe = (await createPod(pod(`probe-${i}`, "shop"))).stored;
      cluster.kubectl(["delete", "pod", "-n", "shop", `probe-${i}`, "--wait=false"]);
      if (names(probe["spec"]["initContainers"]).includes("weft-proxy")) break;
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 240_000);

  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    await cluster?.stop();
  });

  it("injects a native sidecar that the API server accepts", async () => {
    const { stored } = await createPod(pod("reviews-1", "shop"));
    const spec = stored["spec"];
    expect(names(spec["initContainers"])).toEqual(["weft-init", "weft-proxy"]);
    expect(names(spec["containers"])).toEqual(["app"]);
    const proxy = spec["initContainers"][1];
    expect(proxy["restartPolicy"]).toBe("Always");
    expect(proxy["startupProbe"]["httpGet"]["path"]).toBe("/ready");
    expect(proxy["securityContext"]).toMatchObject({ runAsUser: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(spec["initContainers"][0]["securityContext"]["capabilities"]).toEqual({ add: ["NET_ADMIN", "NET_RAW"], drop: ["ALL"] });
    const token = (spec["volumes"] as Obj[]).find((v) => v["name"] === "weft-token");
    expect(token?.["projected"]["sources"][0]["serviceAccountToken"]).toMatchObject({ audience: "weft.dev/distribution", expirationSeconds: 3600 });
    expect(JSON.parse(stored["metadata"]["annotations"]["weft.dev/injection-status"]).reason).toBe("enabled-by-namespace-label");
  });

  it("injects a container sidecar with a postStart wait when native sidecars are off", async () => {
    const { stored } = await createPod(pod("reviews-2", "legacy"));
    expect(names(stored["spec"]["containers"])).toEqual(["weft-proxy", "app"]);
    expect(names(stored["spec"]["initContainers"])).toEqual(["weft-init"]);
    expect(stored["spec"]["containers"][0]["lifecycle"]["postStart"]["exec"]["command"][0]).toBe("node");
    expect(stored["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"]).toBe("app");
  });

  it("leaves pods of an unlabelled namespace alone", async () => {
    const { stored } = await createPod(pod("web-1", "plain"));
    expect(names(stored["spec"]["initContainers"])).toEqual([]);
    expect(stored["metadata"]["annotations"]?.["weft.dev/injection-status"]).toBeUndefined();
  });

  it("injects the pods a Deployment creates (kube-controller-manager → ReplicaSet → Pod)", async () => {
    const dep = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "ratings", namespace: "shop" },
      spec: { replicas: 1, selector: { matchLabels: { app: "ratings" } }, template: { metadata: { labels: { app: "ratings" } }, spec: { containers: [{ name: "app", image: "ratings:1" }] } } } };
    const r = await kubectlAsync(["apply", "-f", "-"], JSON.stringify(dep));
    expect(r.status, r.stderr).toBe(0);
    let podSpec: Obj | undefined;
    for (let i = 0; i < 120 && podSpec === undefined; i++) {
      const list = await kubectlAsync(["get", "pods", "-n", "shop", "-l", "app=ratings", "-o", "json"]);
      podSpec = (JSON.parse(list.stdout) as { items: Obj[] }).items[0]?.["spec"];
      if (podSpec === undefined) await new Promise((res) => setTimeout(res, 250));
    }
    expect(podSpec, "the Deployment's pod was never created").toBeDefined();
    expect(names(podSpec!["initContainers"])).toEqual(["weft-init", "weft-proxy"]);
    expect(names(podSpec!["containers"])).toEqual(["app"]);
  });

  it("follows failurePolicy while the webhook is down: Fail rejects the pod, Ignore admits it without a sidecar", async () => {
    const rejected = await kubectlAsync(["create", "-o", "json", "-f", "-"], JSON.stringify(pod("web-3", "down-fail")));
    expect(rejected.status).not.toBe(0);
    expect(rejected.stderr).toMatch(/failed calling webhook "weft-down-fail\.weft\.dev"/);
    const { stored } = await createPod(pod("web-4", "down-ignore"));
    expect(names(stored["spec"]["initContainers"])).toEqual([]);
    expect(names(stored["spec"]["containers"])).toEqual(["app"]);
  });

  it("admits a pod with a bad annotation unchanged and shows the reason as a warning", async () => {
    const { stored, stderr } = await createPod(pod("web-2", "shop", { "weft.dev/exclude-outbound-ports": "99999" }));
    expect(names(stored["spec"]["initContainers"])).toEqual([]);
    expect(stderr).toContain('Warning: weft injection skipped (invalid-annotation): weft.dev/exclude-outbound-ports: "99999" is not a port 1..65535');
  });
});
