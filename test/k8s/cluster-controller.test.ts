// cluster-controller: the controller against a real kube-apiserver (test/support/cluster.ts).
// Proves: applied resources get the right conditions on GatewayClass, Gateway and HTTPRoute; a
// deleted ReferenceGrant turns ResolvedRefs into RefNotPermitted; an edit bumps observedGeneration;
// another controller's parent entry survives our writes; a restarted controller converges with
// zero writes; watches survive an apiserver restart; a killed leader is replaced within the lease
// time and a stopped one releases the Lease; `weft controller` as a process serves /ready and exits
// 0 on SIGTERM. Skipped (with the reason) when the cluster binaries are not built.
import { expect, it } from "vitest";
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import type { Condition } from "../../pkg/api/index.ts";
import type { KubeClient } from "../../pkg/k8s/index.ts";
import type { ControllerHandle } from "../../pkg/controller/runtime.ts";
import { clusterTier, type TestCluster } from "../support/cluster.ts";
import { cond, freePort, ourParent, replicaSet, routeReader, useControllerCluster, waitFor, type Obj } from "../support/cluster-helpers.ts";

const NS = "weft-ct";
let cluster: TestCluster;
let client: KubeClient;
const replicas = replicaSet(() => cluster, NS);
const route = routeReader(() => client, NS);
let solo: ControllerHandle | undefined;
const replica = (identity: string, leaderElect: boolean, extra: readonly string[] = []) => replicas.start(identity, leaderElect, extra);

clusterTier.describe("controller on a real API server", () => {
  useControllerCluster(NS, replicas, (c, k) => {
    cluster = c;
    client = k;
  });

  it("writes Accepted/ResolvedRefs on routes, and conditions on Gateway and GatewayClass", async () => {
    const c = await replica("solo", false);
    solo = c;
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
    const other = { parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "elsewhere" }, controllerName: "example.com/other",
      conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "theirs", lastTransitionTime: "2026-01-01T00:00:00Z" }] };
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
    const old = solo!;
    await old.pipeline.idle();
    await replicas.stop(old, true);
    const fresh = await replica("restarted", false);
    await waitFor("ready", async () => (fresh.ready() ? true : undefined));
    // The event first: a finished pass (translate, then status planned and written) over every object.
    await waitFor("a finished pass covering both routes and the Gateway", async () => {
      await fresh.pipeline.idle();
      const targets = new Set(fresh.pipeline.lastResult()?.statuses.map((s) => `${s.target.kind}/${s.target.name}`));
      return ["HTTPRoute/local", "HTTPRoute/cross", "Gateway/gw"].every((t) => targets.has(t)) ? true : undefined;
    });
    await fresh.pipeline.idle();
    expect(fresh.pipeline.passes()).toBeGreaterThan(0);
    expect(fresh.writer?.totalWrites()).toBe(0);
    cluster.kubectl(["patch", "httproute", "local", "-n", NS, "--type=merge", "-p", '{"spec":{"hostnames":["c.example.com"]}}']);
    await waitFor("a write for the edit", async () => ((fresh.writer?.totalWrites() ?? 0) > 0 ? true : undefined));
    await replicas.stop(fresh, true);
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
    await replicas.stop(c, true);
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
    await replicas.stop(first, false);
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
    await replicas.stop(second, true);
    const lease = await client.request<{ spec: { holderIdentity?: string | null; leaseTransitions?: number } }>("GET", `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/weft-controller`);
    expect(lease.spec.holderIdentity ?? "").toBe("");
    expect(lease.spec.leaseTransitions).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it("`weft controller` runs as a process: /ready turns 200, SIGTERM exits 0 and releases the lease", async () => {
    const port = await freePort();
    const repo = resolve(import.meta.dirname, "../..");
    const child = spawn(process.execPath, [join(repo, "cmd/weft.ts"), "controller", "--kubeconfig", cluster.kubeconfigPath, "--grpc-insecure", "--grpc-address", "127.0.0.1", "--grpc-port", "0",
      "--admin-port", String(port), "--leader-elect", "--namespace", NS, "--lease-name", "weft-cli", "--identity", "cli", "--log-level", "warn"], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
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
