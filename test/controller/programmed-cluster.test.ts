// programmed-cluster: route status on a real API server carries "applied by N/M proxies" from real
// distribution clients (simulated sidecars over loopback gRPC) and follows them as they come and go;
// with two replicas (leader election) the count covers the proxies of both, shared through the report
// Lease (issue 15 item 3: the leader counted only its own), and a stopped replica's proxies leave it.
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseControllerOptions } from "../../pkg/controller/options.ts";
import { startController, type ControllerHandle } from "../../pkg/controller/runtime.ts";
import { createDistributionClient, type DistributionClient } from "../../pkg/distribution/index.ts";
import { createKubeClient, type KubeClient } from "../../pkg/k8s/index.ts";
import { SILENT_LOG } from "../../pkg/k8s/log.ts";
import { clusterTier, startCluster, type TestCluster } from "../support/cluster.ts";

const NS = "prog";
let cluster: TestCluster;
let client: KubeClient;
let controller: ControllerHandle | undefined;
const proxies: DistributionClient[] = [];
/** A projected-style token of ServiceAccount prog/default (the kube provider requires proxy tokens). */
let token = "";

async function programmedMessage(): Promise<string | undefined> {
  const r = await client.request<{ status?: { parents?: { conditions: { type: string; message: string }[] }[] } }>(
    "GET",
    `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes/cart`,
  );
  return r.status?.parents?.[0]?.conditions.find((c) => c.type === "weft.dev/Programmed")?.message;
}

async function waitForMessage(expected: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  while (Date.now() < deadline) {
    last = await programmedMessage().catch(() => undefined);
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`weft.dev/Programmed is "${last}", expected "${expected}"`);
}

function sidecar(pod: string, via: ControllerHandle = controller!): DistributionClient {
  const c = createDistributionClient({
    address: `127.0.0.1:${via.grpcPort}`,
    identity: { namespace: NS, serviceAccount: "default", pod, kind: "sidecar" },
    onConfig: () => {},
    token: () => token,
    backoff: { initialMs: 50, maxMs: 500 },
  });
  proxies.push(c);
  void c.start();
  return c;
}

clusterTier.describe("route status counts proxies", () => {
  beforeAll(async () => {
    cluster = await startCluster({ controllerManager: false });
    client = createKubeClient(cluster.kc);
    cluster.kubectl(["create", "namespace", NS]);
    cluster.kubectl(["create", "serviceaccount", "default", "-n", NS]);
    token = (await client.request<{ status: { token: string } }>("POST", `/api/v1/namespaces/${NS}/serviceaccounts/default/token`, {
      body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { audiences: ["weft.dev/distribution"], expirationSeconds: 3600 } },
    })).status.token;
    controller = await startController(parseControllerOptions(
      ["--provider=kube", "--grpc-insecure", "--grpc-address=127.0.0.1", "--grpc-port=0", "--admin-port=0", "--identity=prog", `--lease-namespace=${NS}`],
      {},
    ), SILENT_LOG, cluster.kc);
  }, 180_000);

  afterAll(async () => {
    for (const p of proxies) p.close();
    await controller?.stop(true);
    await cluster?.stop();
  });

  it("reports NoProxies, then N/M as sidecars ACK, and drops a disconnected one", async () => {
    cluster.kubectl(["apply", "-f", "-"], [
      { apiVersion: "v1", kind: "Service", metadata: { name: "cart", namespace: NS }, spec: { ports: [{ port: 80 }], selector: { app: "cart" } } },
      { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "cart", namespace: NS },
        spec: { parentRefs: [{ group: "", kind: "Service", name: "cart", port: 80 }], rules: [{ backendRefs: [{ name: "cart", port: 80 }] }] } },
    ].map((o) => JSON.stringify(o)).join("\n"));
    await waitForMessage("no connected proxy serves this route yet (generation 1)");
    const a = sidecar("a-0");
    sidecar("b-0");
    await waitForMessage("applied by 2/2 proxies at generation 1");
    a.close();
    await waitForMessage("applied by 1/1 proxies at generation 1");
    cluster.kubectl(["patch", "httproute", "cart", "-n", NS, "--type=merge", "-p", JSON.stringify({ spec: { rules: [{ backendRefs: [{ name: "cart", port: 80, weight: 2 }] }] } })]);
    await waitForMessage("applied by 1/1 proxies at generation 2");
    expect(await programmedMessage()).toBe("applied by 1/1 proxies at generation 2");
  }, 90_000);

  it("with two replicas, counts the proxies connected to each, and drops a stopped replica's", async () => {
    await controller?.stop(true);
    controller = undefined;
    for (const p of proxies.splice(0)) p.close();
    const replica = (id: string) =>
      startController(parseControllerOptions([
        "--provider=kube",
        "--grpc-insecure",
        "--grpc-address=127.0.0.1",
        "--grpc-port=0",
        "--admin-port=0",
        `--identity=${id}`,
        `--lease-namespace=${NS}`,
        "--leader-elect",
        "--lease-duration=3s",
        "--renew-deadline=2s",
        "--retry-period=500ms",
      ], {}), SILENT_LOG, cluster.kc);
    const leader = await replica("rep-1");
    const deadline = Date.now() + 20_000;
    while (!leader.isLeader() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(leader.isLeader()).toBe(true);
    const follower = await replica("rep-2");
    try {
      expect(follower.isLeader()).toBe(false);
      sidecar("c-0", leader);
      const onFollower = [sidecar("c-1", follower), sidecar("c-2", follower)];
      await waitForMessage("applied by 3/3 proxies at generation 2");
      // A new generation is counted once the follower's proxies acknowledge it too.
      cluster.kubectl(["patch", "httproute", "cart", "-n", NS, "--type=merge", "-p", JSON.stringify({ spec: { rules: [{ backendRefs: [{ name: "cart", port: 80, weight: 3 }] }] } })]);
      await waitForMessage("applied by 3/3 proxies at generation 3");
      for (const p of onFollower) p.close();
      await follower.stop(true);
      await waitForMessage("applied by 1/1 proxies at generation 3");
    } finally {
      await follower.stop(true).catch(() => undefined);
      await leader.stop(true);
    }
  }, 120_000);
});
