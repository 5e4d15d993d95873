// real-pods: plain Kubernetes on the shared real node, what the mesh tests stand on (and what the fake
// pod runner used to stand in for). Proves: a Deployment's pods run under the real kubelet and become
// ready endpoints in the Service's EndpointSlices with the pods' own IPs; each pod answers on its IP
// from the test process (it runs inside the node's network namespace) and through the Service's
// ClusterIP and its cluster DNS name (kube-proxy, CoreDNS); deleting the Deployment stops the pods and
// empties the slices. No sidecar here: the namespace is not labelled for injection.
import { get as httpGet } from "node:http";
import { expect, it } from "vitest";
import { demoApp } from "../support/node/demo-app.ts";
import { realNodeTier, sharedCluster, until, type SharedCluster } from "../support/node/shared-cluster.ts";

function readyEndpoints(c: SharedCluster, ns: string): string[] {
  const l = JSON.parse(c.kubectl(["-n", ns, "get", "endpointslices", "-l", "kubernetes.io/service-name=echo", "-o", "json"])) as {
    items: { endpoints?: { addresses: string[]; conditions?: { ready?: boolean } }[] }[];
  };
  return l.items.flatMap((i) => i.endpoints ?? []).filter((e) => e.conditions?.ready === true).flatMap((e) => e.addresses);
}

/** GET on a new connection each time (no keep-alive: each request is balanced by kube-proxy anew). */
function get(url: string): Promise<{ service: string; pod: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => (res.statusCode === 200 ? resolve(JSON.parse(Buffer.concat(chunks).toString()) as { service: string; pod: string }) : reject(new Error(`${url}: HTTP ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: timeout`)));
    req.on("error", (e: NodeJS.ErrnoException) => reject(new Error(`${url}: ${e.code ?? e.message}`)));
  });
}

realNodeTier.describe("pods on the real node", () => {
  it("a Deployment's pods become ready endpoints, answer on their IPs, the ClusterIP and DNS, and go when it is deleted", async () => {
    const c = sharedCluster();
    const ns = c.namespace("pods");
    const dump = (): string => c.dump(ns);
    c.kubectl(["apply", "-f", "-"], demoApp(ns, "echo", 2));
    const ips = await until("2 ready endpoints", () => {
      const eps = readyEndpoints(c, ns);
      return eps.length === 2 ? eps : undefined;
    }, 120_000, dump);
    const pods = JSON.parse(c.kubectl(["-n", ns, "get", "pods", "-l", "app=echo", "-o", "json"])) as { items: { metadata: { name: string }; status: { podIP: string } }[] };
    const byIp = new Map(pods.items.map((p) => [p.status.podIP, p.metadata.name]));
    for (const ip of ips) {
      expect(ip).toMatch(/^10\.244\.0\./);
      expect((await get(`http://${ip}:8080/`)).pod).toBe(byIp.get(ip));
    }
    const clusterIp = c.kubectl(["-n", ns, "get", "service", "echo", "-o", "jsonpath={.spec.clusterIP}"]);
    // A pod is Ready a moment before kube-proxy has programmed its endpoint: poll the first request.
    const seen = new Set<string>();
    await until("answers from both pods through the ClusterIP", async () => {
      seen.add((await get(`http://${clusterIp}/`)).pod);
      return seen.size === 2 ? true : undefined;
    }, 30_000, dump);
    const viaDns = await until("an answer through the Service's cluster DNS name", () => {
      const out = c.kubectl(["-n", ns, "exec", `deploy/echo`, "--", "node", "-e",
        `fetch("http://echo.${ns}.svc.cluster.local/").then(async (r) => console.log(r.status, (await r.json()).service), (e) => console.log("error", e.cause?.code ?? e.message))`]);
      return out.startsWith("200 ") ? out.trim() : undefined;
    }, 30_000, dump);
    expect(viaDns).toBe("200 echo");

    c.kubectl(["-n", ns, "delete", "deployment", "echo", "--wait=false"]);
    await until("the endpoints gone", () => (readyEndpoints(c, ns).length === 0 ? true : undefined), 60_000, dump);
    await until("the pods stopped answering", async () => {
      const alive = await Promise.all(ips.map((ip) => get(`http://${ip}:8080/`).then(() => true, () => false)));
      return alive.every((a) => !a) ? true : undefined;
    }, 60_000, dump);
  }, 300_000);
});
