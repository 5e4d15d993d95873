// status: weftctl status offline (-f: translate's statuses) and from live objects' .status (only Weft's
// controllerName entries, weft.dev/Programmed shown), health and exit codes (0 healthy, 4 not, 2 usage;
// 1 when the API server cannot be reached or a status kind cannot be listed).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { ResourceSnapshot } from "../../pkg/api/index.ts";
import { emptySnapshot } from "../../pkg/api/index.ts";
import { runTranslate } from "../../pkg/weftctl/translate-run.ts";
import { renderStatusTable, statusFromCluster, statusFromTranslate } from "../../pkg/weftctl/status.ts";

const root = resolve(import.meta.dirname, "../..");
const golden = (name: string): string => `test/golden/explain/${name}.in.yaml`;

function weftctl(args: readonly string[]): { stdout: string; stderr: string; code: number | null } {
  const r = spawnSync(process.execPath, ["cmd/weftctl.ts", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status };
}

describe("weftctl status offline", () => {
  it("reports an unresolved backend as unhealthy with its reason", () => {
    const run = runTranslate([{ text: readFileSync(join(root, golden("invalid-backend-share")), "utf8"), source: "x" }]);
    const report = statusFromTranslate(run.result.statuses, run.snapshot);
    expect(report.healthy).toBe(false);
    const split = report.routes.find((r) => r.name === "split");
    expect(split?.parents[0]?.resolvedRefs).toBe("False (BackendNotFound)");
    expect(split?.parents[0]?.message).toContain("infra/missing");
    expect(report.gateways[0]?.listeners[0]?.attachedRoutes).toBe(1);
  });

  it("exit 4 for an unhealthy route, 0 when all are healthy, table and json agree", () => {
    const bad = weftctl(["status", "-f", golden("invalid-backend-share")]);
    expect(bad.code).toBe(4);
    expect(bad.stdout).toMatch(/split\s+Gateway infra\/web\s+True\s+False \(BackendNotFound\)/);
    const good = weftctl(["status", "-f", golden("gamma-producer"), "-o", "json"]);
    expect(good.code).toBe(0);
    const doc = JSON.parse(good.stdout) as { healthy: boolean; routes: { name: string; parents: { parent: string }[] }[] };
    expect(doc.healthy).toBe(true);
    expect(doc.routes.map((r) => `${r.name} ${r.parents[0]?.parent}`)).toEqual(["reviews Service demo/reviews:9080"]);
  });

  it("filters by namespace and rejects bad flags with exit 2", () => {
    const yaml = weftctl(["status", "-f", golden("gamma-consumer"), "-n", "shop", "-o", "yaml"]);
    expect(yaml.code).toBe(0);
    expect((parse(yaml.stdout) as { routes: { namespace: string }[] }).routes.map((r) => r.namespace)).toEqual(["shop"]);
    expect(weftctl(["status", "-n", "a", "-A", "-f", "x"]).code).toBe(2);
    expect(weftctl(["status", "--bogus"]).code).toBe(2);
    expect(weftctl(["status", "-f", "/nonexistent/file.yaml"]).code).toBe(1);
  });
});

describe("weftctl status from live objects", () => {
  const snapshot = (): ResourceSnapshot =>
    ({
      ...emptySnapshot(),
      gatewayClasses: [{ apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name: "weft" }, spec: { controllerName: "weft.dev/gateway-controller" } }],
      gateways: [{
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        metadata: { name: "gw", namespace: "infra" },
        spec: { gatewayClassName: "weft", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] },
        status: {
          conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "" }, { type: "Programmed", status: "False", reason: "Invalid", message: "No listener can be served" }],
          listeners: [{ name: "http", attachedRoutes: 2, supportedKinds: [], conditions: [{ type: "Conflicted", status: "True", reason: "HostnameConflict", message: "clash" }] }],
        },
      }],
      httpRoutes: [{
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "HTTPRoute",
        metadata: { name: "r", namespace: "app" },
        spec: { parentRefs: [{ name: "gw", namespace: "infra" }] },
        status: {
          parents: [
            { parentRef: { name: "gw", namespace: "infra" }, controllerName: "weft.dev/gateway-controller", conditions: [
              { type: "Accepted", status: "True", reason: "Accepted", message: "" },
              { type: "ResolvedRefs", status: "True", reason: "ResolvedRefs", message: "" },
              { type: "weft.dev/Programmed", status: "True", reason: "Programmed", message: "applied by 3/4 proxies" },
            ] },
            { parentRef: { name: "other" }, controllerName: "example.com/other", conditions: [{ type: "Accepted", status: "False", reason: "NotAllowed", message: "" }] },
          ],
        },
      }],
    }) as unknown as ResourceSnapshot;

  it("shows only Weft's parent entries, Programmed by proxies, and unhealthy gateways", () => {
    const report = statusFromCluster(snapshot());
    expect(report.routes).toHaveLength(1);
    expect(report.routes[0]?.parents.map((p) => [p.parent, p.programmed, p.healthy])).toEqual([["Gateway infra/gw", "applied by 3/4 proxies", true]]);
    expect(report.gateways[0]?.programmed).toBe("False (Invalid)");
    expect(report.gateways[0]?.listeners[0]?.message).toBe("clash");
    expect(report.healthy).toBe(false);
    const table = renderStatusTable(report);
    expect(table).toContain("applied by 3/4 proxies");
    expect(statusFromCluster(snapshot(), "other-ns").routes).toEqual([]);
  });

  it("shows the backends' transport from weft.dev/MeshTLS; plaintext backends are information, not ill health", () => {
    const s = snapshot() as unknown as { httpRoutes: { status: { parents: { conditions: unknown[] }[] } }[] };
    s.httpRoutes[0]!.status.parents[0]!.conditions.push({ type: "weft.dev/MeshTLS", status: "False", reason: "PlaintextEndpoints", message: "plaintext (no Weft sidecar): legacy/web:80 1/1" });
    const report = statusFromCluster(s as unknown as ResourceSnapshot);
    const p = report.routes[0]!.parents[0]!;
    expect(p).toMatchObject({ transport: "plaintext (no Weft sidecar): legacy/web:80 1/1", healthy: true, message: "" });
    const table = renderStatusTable(report);
    expect(table).toMatch(/TRANSPORT/);
    expect(table).toContain("plaintext (no Weft sidecar): legacy/web:80 1/1");
  });
});

describe("weftctl status against an API server that does not answer", () => {
  const kubeconfigFor = (server: string): string => {
    const dir = mkdtempSync(join(tmpdir(), "weftctl-status-"));
    const path = join(dir, "kubeconfig");
    writeFileSync(path, [
      "apiVersion: v1",
      "kind: Config",
      "current-context: c",
      "clusters: [{name: c, cluster: {server: " + JSON.stringify(server) + ", insecure-skip-tls-verify: true}}]",
      "users: [{name: u, user: {token: t}}]",
      "contexts: [{name: c, context: {cluster: c, user: u}}]",
      "",
    ].join("\n"));
    return path;
  };

  it("exits 1 naming the unreachable API server, never 'all routes healthy'", async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = weftctl(["status", "-A", "--kubeconfig", kubeconfigFor(`http://127.0.0.1:${port}`)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("weftctl status: cannot reach the Kubernetes API server");
    expect(r.stderr).toContain("ECONNREFUSED");
    expect(r.stdout).toBe("");
  });

  it("exits 1 when a kind cannot be listed (forbidden): its health is unknown, not good", async () => {
    const api = createServer((req, res) => {
      const url = req.url ?? "";
      const json = (status: number, body: unknown): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (url === "/version") return json(200, { gitVersion: "v1.34.4" });
      if (url.startsWith("/apis/gateway.networking.k8s.io/v1?") || url === "/apis/gateway.networking.k8s.io/v1") {
        return json(200, { resources: ["gatewayclasses", "gateways", "httproutes", "grpcroutes"].map((name) => ({ name })) });
      }
      if (url.includes("/httproutes")) return json(403, { kind: "Status", reason: "Forbidden", message: 'httproutes is forbidden: User "u" cannot list resource' });
      if (/\/(gatewayclasses|gateways|grpcroutes)(\?|$)/.test(url)) return json(200, { items: [] });
      return json(404, { kind: "Status", reason: "NotFound", message: "not found" });
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (api.address() as AddressInfo).port;
      const r = await new Promise<{ code: number | null; stderr: string }>((resolveRun) => {
        const child = spawn(process.execPath, ["cmd/weftctl.ts", "status", "-A", "--kubeconfig", kubeconfigFor(`http://127.0.0.1:${port}`)], { cwd: root });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => {
          stderr += c.toString();
        });
        child.on("close", (code) => resolveRun({ code, stderr }));
      });
      expect(r.stderr).toMatch(/error: HTTPRoute: cannot list \(.*forbidden/);
      expect(r.code).toBe(1);
    } finally {
      await new Promise<void>((r) => api.close(() => r()));
    }
  });
});
