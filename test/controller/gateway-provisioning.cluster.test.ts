// gateway-provisioning (real node): a Gateway of class weft, provisioned by the installed chart's
// controller, in a namespace that enforces Pod Security `restricted` (issue 15 items 4-6):
// - its pod is admitted and binds :80 as UID 1337 (every capability dropped) and serves the route (to a
//   meshed backend in another namespace, over mTLS, allowed by a ReferenceGrant);
// - Programmed is never True while its Deployment has no ready pod (it was True from the spec alone);
// - its proxy registers with the controller under its real pod name (it was <ns>/unknown#N);
// - a rollout of its Deployment under load fails no request, over new and kept-alive connections;
// - in a namespace whose ResourceQuota admits no pod, Programmed=False/NoResources carries the
//   Deployment's reason (the same path as Pod Security rejecting the ReplicaSet's pods).
// Load is bounded in count and time; traffic goes only to the Gateway's ClusterIP inside the node's netns.
import { Agent } from "node:http";
import { expect, it } from "vitest";
import { realNodeTier, sharedCluster, until, type SharedCluster } from "../support/node/shared-cluster.ts";
import { load, request } from "../support/node/http-load.ts";
import { demoApp } from "../support/node/demo-app.ts";
import { installWeft, WEFT_NAMESPACE } from "../support/node/weft-install.ts";

const RESTRICTED = { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };

const backend = (ns: string): string => demoApp(ns, "web", 1, RESTRICTED);

function gateway(ns: string, backendNs?: string): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "public", namespace: ns },
        spec: { gatewayClassName: "weft", listeners: [{ name: "http", protocol: "HTTP", port: 80 }] } },
      ...(backendNs !== undefined ?
        [
          { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "web", namespace: ns },
            spec: { parentRefs: [{ name: "public" }], rules: [{ backendRefs: [{ name: "web", namespace: backendNs, port: 80 }] }] } },
          { apiVersion: "gateway.networking.k8s.io/v1beta1", kind: "ReferenceGrant", metadata: { name: "from-gateway", namespace: backendNs },
            spec: { from: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: ns }], to: [{ group: "", kind: "Service" }] } },
        ] :
        []),
    ],
  });
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}
interface GatewayView {
  status?: { conditions?: Condition[]; addresses?: { value: string }[] };
}

function programmedOf(c: SharedCluster, ns: string): { condition: Condition | undefined; address: string | undefined } {
  const gw = JSON.parse(c.kubectl(["-n", ns, "get", "gateway", "public", "-o", "json"])) as GatewayView;
  return { condition: gw.status?.conditions?.find((x) => x.type === "Programmed"), address: gw.status?.addresses?.[0]?.value };
}

function readyReplicas(c: SharedCluster, ns: string): number | undefined {
  const out = c.kubectl(["-n", ns, "get", "deployment", "weft-gw-public", "-o", "jsonpath={.status.readyReplicas}"], undefined, 20_000).trim();
  return out === "" ? 0 : Number(out);
}

realNodeTier.describe("a provisioned Gateway on a real node", () => {
  it("runs under Pod Security restricted, is Programmed only with a ready pod, registers by pod name and rolls without failing a request", async () => {
    const c = sharedCluster();
    installWeft(c);
    const ns = c.namespace("gwprov", { "pod-security.kubernetes.io/enforce": "restricted" });
    const apps = c.namespace("gwapps", { "weft.dev/inject": "enabled" });
    const dump = (): string => `${c.dump(ns)}\n${c.dump(apps)}\n${c.dump(WEFT_NAMESPACE)}`;
    c.kubectl(["apply", "-f", "-"], backend(apps));
    c.kubectl(["apply", "-f", "-"], gateway(ns, apps));

    // Sample Programmed and the Deployment's readiness together until Programmed is True.
    const seen: string[] = [];
    const address = await until("Gateway Programmed=True", () => {
      const p = programmedOf(c, ns);
      const ready = readyReplicas(c, ns) ?? 0;
      if (p.condition !== undefined) seen.push(`${p.condition.status}/${p.condition.reason} with ${ready} ready`);
      if (p.condition?.status === "True" && ready < 1) throw new Error(`Programmed=True while the Deployment has no ready pod: ${p.condition.message}`);
      return p.condition?.status === "True" ? p.address : undefined;
    }, 150_000, dump).catch((e: unknown) => {
      throw new Error(`${String(e)}\nseen: ${seen.join(", ")}`);
    });
    // Unknown/Pending is the CRD default before the controller writes; ours is False/Pending until a pod is ready.
    expect(seen[0], `first Programmed seen (all: ${seen.join(", ")})`).toMatch(/^(Unknown|False)\/Pending with 0 ready/);
    expect(seen).toContain("False/Pending with 0 ready");
    expect(address).toMatch(/^10\.96\./);

    const url = `http://${address}/hello`;
    await until("an answer through the Gateway on port 80", async () => {
      const { status } = await request(url, false);
      if (status !== 200) throw new Error(`HTTP ${status}`);
      return true;
    }, 60_000, dump);

    const pod = c.kubectl(["-n", ns, "get", "pods", "-l", "gateway.networking.k8s.io/gateway-name=public", "-o", "jsonpath={.items[0].metadata.name}"]).trim();
    const registered = await until("the gateway proxy's registration in a controller's log", () => {
      const logs = c.kubectl(["-n", WEFT_NAMESPACE, "logs", "-l", "app.kubernetes.io/name=weft", "--tail=-1", "--prefix"], undefined, 30_000);
      return logs.split("\n").find((l) => l.includes("proxy connected") && l.includes(`"kind":"gateway"`) && l.includes(`"${ns}/`));
    }, 30_000, dump);
    expect(registered).toContain(`"proxy":"${ns}/${pod}#`);

    // Roll the gateway under load: fresh connections and one kept-alive connection, bounded.
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const loads = [load(url, false, 5_000, 150_000), load(url, keepAlive, 5_000, 150_000)];
    try {
      c.kubectl(["-n", ns, "rollout", "restart", "deployment/weft-gw-public"]);
      c.kubectl(["-n", ns, "rollout", "status", "deployment/weft-gw-public", "--timeout=120s"], undefined, 130_000);
      await until("the old gateway pod gone", () => {
        const names = c.kubectl(["-n", ns, "get", "pods", "-l", "gateway.networking.k8s.io/gateway-name=public", "-o", "jsonpath={.items[*].metadata.name}"]).trim().split(/\s+/);
        return names.includes(pod) ? undefined : true;
      }, 60_000, dump);
    } finally {
      const results = await Promise.all(loads.map((l) => l.stop()));
      keepAlive.destroy();
      const failed = results.flatMap((r) => r.failed);
      expect(failed, `requests failed during the rollout: ${failed.slice(0, 5).join("; ")}`).toEqual([]);
      expect(results.every((r) => r.ok > 20)).toBe(true);
      process.stdout.write(`${JSON.stringify({ figure: "gateway-rollout", freshConnections: results[0]!.ok, keptAlive: results[1]!.ok, failed: failed.length })}\n`);
    }

    // Pods that cannot be created: Programmed says so, with the Deployment's reason.
    const full = c.namespace("gwquota");
    c.kubectl(["-n", full, "create", "quota", "no-pods", "--hard=pods=0"]);
    c.kubectl(["apply", "-f", "-"], gateway(full));
    const refused = await until("Programmed=False/NoResources", () => {
      const p = programmedOf(c, full).condition;
      return p?.reason === "NoResources" ? p : undefined;
    }, 120_000, () => c.dump(full));
    expect(refused.status).toBe("False");
    expect(refused.message).toMatch(/^the gateway's pods cannot be created \(Deployment gwquota-[0-9a-f]+\/weft-gw-public\): .*exceeded quota: no-pods/);
  }, 420_000);
});
