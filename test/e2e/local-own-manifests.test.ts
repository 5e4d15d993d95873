// local-own-manifests: `weft local --dir D` on a user's own manifests, planned without processes: JSON
// files and `kind: List` next to YAML, more than two Gateways (each listener and admin port distinct and
// on loopback), a Pod whose app runs elsewhere (local.weft.dev/app-address: nothing started for it, its
// sidecar forwards there), and a normal user's plan: a privileged Service port listens on port + 10000,
// still standing for the Service port, and the banner prints the real address. Bad input gets a precise
// message naming the object.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderBanner } from "../../pkg/local/banner.ts";
import { planLocal } from "../../pkg/local/plan.ts";
import { plannedAddresses } from "../../pkg/local/run.ts";
import { REPO } from "./support/e2e-helpers.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function manifestDir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), "weft-local-own-"));
  dirs.push(d);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(d, f), text);
  return d;
}

const gateway = (name: string, ports: number[]) => ({
  apiVersion: "gateway.networking.k8s.io/v1",
  kind: "Gateway",
  metadata: { name, namespace: "shop" },
  spec: { gatewayClassName: "weft", listeners: ports.map((port, i) => ({ name: `l${i}`, protocol: "HTTP", port })) },
});
const service = (name: string, ip: string, port: number, targetPort: number) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "shop" },
  spec: { clusterIP: ip, ports: [{ name: "http", port, targetPort }] },
});
const slice = (name: string, podIp: string, pod: string, port: number) => ({
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: `${name}-s`, namespace: "shop", labels: { "kubernetes.io/service-name": name } },
  addressType: "IPv4",
  ports: [{ name: "http", port }],
  endpoints: [{ addresses: [podIp], conditions: { ready: true }, targetRef: { kind: "Pod", namespace: "shop", name: pod } }],
});
const pod = (name: string, ip: string, annotations: Record<string, string>) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "shop", annotations },
  spec: { serviceAccountName: name, containers: [{ name: "c", image: "mine" }] },
  status: { podIP: ip },
});

function ownDir(): string {
  return manifestDir({
    "gateways.json": JSON.stringify({ apiVersion: "v1", kind: "List", items: [gateway("a", [80, 8443]), gateway("b", [8080]), gateway("c", [80])] }),
    "services.yaml": [service("shop", "127.0.116.1", 80, 3000), service("cart", "127.0.116.2", 9090, 9090)].map((o) => JSON.stringify(o)).join("\n---\n"),
    "endpoints.json": JSON.stringify({ apiVersion: "v1", kind: "List", items: [slice("shop", "127.0.126.1", "shop-0", 3000), slice("cart", "127.0.126.2", "cart-0", 9090)] }),
    "pods.json": JSON.stringify({ apiVersion: "v1", kind: "PodList", items: [
      pod("shop-0", "127.0.126.1", { "local.weft.dev/app-address": "127.0.0.1:3000", "local.weft.dev/outbound": "true" }),
      pod("cart-0", "127.0.126.2", { "local.weft.dev/app": "http-demo" }),
    ] }),
  });
}

describe("weft local on a user's own manifests", () => {
  it("reads JSON and List files, plans three Gateways on distinct loopback ports", () => {
    const plan = planLocal({ dir: ownDir(), basePort: 41000, gatewayPort: 41900, verbose: false });
    expect(plan.gateways.map((g) => `${g.name}:${[...g.portMap].map(([l, p]) => `${l}=${p}`).join("+")}`)).toEqual(["a:80=41900+8443=41080", "b:8080=41081", "c:80=41082"]);
    expect(plan.gateways.map((g) => g.serviceAccount)).toEqual(["weft-gw-a", "weft-gw-b", "weft-gw-c"]);
    const addrs = plannedAddresses(plan);
    expect(addrs.every((a) => a.host.startsWith("127."))).toBe(true);
    const keys = addrs.map((a) => `${a.host}:${a.port}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("starts nothing for a Pod whose app runs elsewhere; its sidecar forwards to that port", () => {
    const plan = planLocal({ dir: ownDir(), basePort: 41000, gatewayPort: 41900, verbose: false });
    const shop = plan.apps.find((a) => a.pod === "shop-0")!;
    expect(shop).toMatchObject({ script: undefined, appPort: 3000, inboundPorts: [3000], app: "yours" });
    expect(plan.apps.find((a) => a.pod === "cart-0")!.script).toBe(join(REPO, "examples/apps/http-demo.ts"));
    expect(plannedAddresses(plan).some((a) => a.port === 3000 && a.host === "127.0.0.1")).toBe(false);
    expect(renderBanner(plan, "traces", "/tmp/logs", REPO)).toContain("shop/shop-0 (your app, sa shop-0): app 127.0.0.1:3000");
  });

  it("as a normal user, moves a privileged Service port to port + 10000 and prints the real address", () => {
    const plan = planLocal({ dir: ownDir(), basePort: 41000, gatewayPort: 41900, verbose: false, privilegedBelow: 1024 });
    const owner = plan.apps.find((a) => a.outbound.length > 0)!;
    expect(owner.outbound).toEqual([{ host: "127.0.116.1", port: 80, bindPort: 10080 }, { host: "127.0.116.2", port: 9090, bindPort: 9090 }]);
    expect(plannedAddresses(plan).map((a) => `${a.host}:${a.port}`)).toContain("127.0.116.1:10080");
    expect(renderBanner(plan, "traces", "/tmp/logs", REPO)).toContain("outbound 127.0.116.1:10080 (for :80) 127.0.116.2:9090");
    const root = planLocal({ dir: ownDir(), basePort: 41000, gatewayPort: 41900, verbose: false, privilegedBelow: 0 });
    expect(root.apps.find((a) => a.outbound.length > 0)!.outbound[0]).toEqual({ host: "127.0.116.1", port: 80, bindPort: 80 });
  });

  it("refuses, naming the object, a privileged pod port for a normal user and an app address off loopback", () => {
    const privileged = manifestDir({
      "all.yaml": [service("web", "127.0.117.1", 80, 80), slice("web", "127.0.127.1", "web-0", 80), pod("web-0", "127.0.127.1", { "local.weft.dev/app": "http-demo" })].map((o) => JSON.stringify(o))
        .join("\n---\n"),
    });
    expect(() => planLocal({ dir: privileged, basePort: 41000, gatewayPort: 41900, verbose: false, privilegedBelow: 1024 }))
      .toThrow("Pod shop/web-0: target port 80 is below 1024, which only root can bind here; give its Service a targetPort (and its EndpointSlice a port) of 1024 or more");
    const remote = manifestDir({ "p.json": JSON.stringify(pod("x-0", "127.0.128.1", { "local.weft.dev/app-address": "10.0.0.5:80" })) });
    expect(() => planLocal({ dir: remote, basePort: 41000, gatewayPort: 41900, verbose: false }))
      .toThrow('Pod shop/x-0: local.weft.dev/app-address must be 127.0.0.1:PORT (the sidecar reaches its app on 127.0.0.1, as in a pod), not "10.0.0.5:80"');
  });
});
