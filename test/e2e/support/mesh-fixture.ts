// mesh-fixture: a small mesh for the distribution e2e test, as real processes on loopback: manifests
// in a temp dir (namespace e2e: Services h1 (HTTP/1.1), h2 (h2c) and grpc with loopback ClusterIPs,
// EndpointSlices at pod IPs 127.0.24x.x, Pods with ServiceAccounts, a Gateway with an HTTPRoute and a
// GRPCRoute, a GAMMA route on h1), upstream apps in this process (node:http, node:http2, grpc-js),
// `weft controller --provider file --local-dev-tokens`, a gateway proxy and one sidecar per pod
// (client-0 owns the outbound face on the ClusterIPs). `gen` is stamped into response headers by the
// routes so a test can see which config answered. Another test file runs its own mesh on another block
// of loopback addresses (`MeshOptions.block`), so both can run at once. `meshPerFile` registers a test
// file's hooks that start the apps and the mesh before its tests and stop them after.
import { Server as GrpcServer, ServerCredentials, loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createH2Server, type Http2Server } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSupervisor, type LocalChild, type Supervisor } from "../../../pkg/local/processes.ts";
import { afterAll, beforeAll } from "vitest";
import { plaintextControllerFlags } from "../../../pkg/local/run.ts";
import { weftGatewayYaml } from "../../support/gateway-yaml.ts";
import { REPO, eventually, httpGet } from "./e2e-helpers.ts";

export const NS = "e2e";
export const SVC_IP = { h1: "127.0.231.1", h2: "127.0.231.2", grpc: "127.0.231.3" } as const;
const POD_IP = { h1: "127.0.241.1", h2: "127.0.241.2", grpc: "127.0.241.3", client: "127.0.241.4" } as const;
type SvcIps = { readonly [K in keyof typeof SVC_IP]: string };
type PodIps = { readonly [K in keyof typeof POD_IP]: string };

/** The Service and pod addresses of mesh `block` (0: SVC_IP, 127.0.241.x; n: 127.0.231+2n.x, 127.0.241+2n.x). */
export function meshAddresses(block = 0): { svc: SvcIps; pod: PodIps } {
  const at = (third: number, ips: Record<string, string>) => Object.fromEntries(Object.entries(ips).map(([k, ip]) => [k, ip.replace(/^127\.0\.\d+\./, `127.0.${third}.`)]));
  return { svc: at(231 + 2 * block, SVC_IP) as SvcIps, pod: at(241 + 2 * block, POD_IP) as PodIps };
}

export function manifests(gen: number, block = 0): Record<string, string> {
  const { svc: SVC_IP, pod: POD_IP } = meshAddresses(block);
  const svc = (name: string, ip: string, port: number, target: number, proto?: string): string =>
    `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${NS} }
spec:
  clusterIP: ${ip}
  ports: [{ name: p, port: ${port}, targetPort: ${target}${proto !== undefined ? `, appProtocol: ${proto}` : ""} }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-s, namespace: ${NS}, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
ports: [{ name: p, port: ${target}${proto !== undefined ? `, appProtocol: ${proto}` : ""} }]
endpoints:
  - addresses: [${POD_IP[name as keyof typeof POD_IP]}]
    conditions: { ready: true, serving: true, terminating: false }
    targetRef: { kind: Pod, namespace: ${NS}, name: ${name}-0 }
---
`;
  const pod = (name: string): string =>
    `apiVersion: v1
kind: Pod
metadata: { name: ${name}-0, namespace: ${NS} }
spec: { serviceAccountName: ${name}, containers: [{ name: c, image: none }] }
status: { podIP: ${POD_IP[name as keyof typeof POD_IP]} }
---
`;
  return {
    "00-gateway.yaml": `apiVersion: v1
kind: Namespace
metadata: { name: ${NS} }
---
${
      weftGatewayYaml({ name: "gw", namespace: NS }, `
    - { name: http, protocol: HTTP, port: 8080 }
    - { name: grpc, protocol: HTTP, port: 8080, hostname: grpc.e2e.local, allowedRoutes: { kinds: [{ kind: GRPCRoute }] } }
`)
    }`,
    "10-services.yaml": svc("h1", SVC_IP.h1, 80, 8000) + svc("h2", SVC_IP.h2, 80, 8000, "kubernetes.io/h2c") + svc("grpc", SVC_IP.grpc, 7070, 7070, "kubernetes.io/h2c"),
    "20-routes.yaml": `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: edge, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw, sectionName: http }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /h1 } }]
      filters: [{ type: ResponseHeaderModifier, responseHeaderModifier: { set: [{ name: x-gen, value: "${gen}" }] } }]
      backendRefs: [{ name: h1, port: 80 }]
    - matches: [{ path: { type: PathPrefix, value: /h2 } }]
      filters: [{ type: ResponseHeaderModifier, responseHeaderModifier: { set: [{ name: x-gen, value: "${gen}" }] } }]
      backendRefs: [{ name: h2, port: 80 }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: { name: echo, namespace: ${NS} }
spec:
  parentRefs: [{ name: gw, sectionName: grpc }]
  rules: [{ backendRefs: [{ name: grpc, port: 7070 }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: h1-mesh, namespace: ${NS} }
spec:
  parentRefs: [{ group: "", kind: Service, name: h1, port: 80 }]
  rules:
    - filters: [{ type: ResponseHeaderModifier, responseHeaderModifier: { set: [{ name: x-mesh-gen, value: "${gen}" }] } }]
      backendRefs: [{ name: h1, port: 80 }]
`,
    "30-pods.yaml": pod("h1") + pod("h2") + pod("grpc") + pod("client"),
  };
}

export function writeManifests(dir: string, gen: number, block = 0): void {
  for (const [f, text] of Object.entries(manifests(gen, block))) writeFileSync(join(dir, f), text);
}

export interface Apps {
  h1: Server;
  h2: Http2Server;
  grpc: GrpcServer;
  ports: { h1: number; h2: number; grpc: number };
  close(): Promise<void>;
}

export async function startApps(base: number): Promise<Apps> {
  const ports = { h1: base + 10, h2: base + 11, grpc: base + 12 };
  const h1 = createHttpServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ app: "h1", path: req.url, proto: req.httpVersion })));
  });
  const h2 = createH2Server((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ app: "h2", path: req.url, proto: req.httpVersion })));
  });
  const def = loadPackageDefinition(loadSync(join(REPO, "examples/apps/echo.proto")));
  const echo = (def.weft as unknown as Record<string, Record<string, { service: never }>>).demo!.Echo!;
  const grpc = new GrpcServer();
  grpc.addService(echo.service, { Say: (call: { request: { message: string } }, cb: (e: null, r: unknown) => void) => cb(null, { message: call.request.message, pod: "grpc-0" }) });
  await new Promise<void>((r) => h1.listen(ports.h1, "127.0.0.1", () => r()));
  await new Promise<void>((r) => h2.listen(ports.h2, "127.0.0.1", () => r()));
  await new Promise<void>((r, j) => grpc.bindAsync(`127.0.0.1:${ports.grpc}`, ServerCredentials.createInsecure(), (e) => (e ? j(e) : r())));
  return {
    h1,
    h2,
    grpc,
    ports,
    close: async () => {
      h1.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => h1.close(() => r())),
        new Promise<void>((r) => {
          h2.close(() => r());
          setTimeout(r, 500);
        }),
        new Promise<void>((r) => grpc.tryShutdown(() => r())),
      ]);
      grpc.forceShutdown();
    },
  };
}

export interface Mesh {
  readonly dir: string;
  readonly work: string;
  readonly sup: Supervisor;
  readonly controllerArgs: string[];
  readonly ports: { grpc: number; controllerAdmin: number; gateway: number };
  /** name → admin port of every proxy. */
  readonly proxies: ReadonlyMap<string, number>;
  /** name → the command line each proxy was started with (to restart one). */
  readonly proxyArgs: ReadonlyMap<string, readonly string[]>;
  controller: LocalChild;
}

export interface MeshOptions {
  /** Loopback address block (meshAddresses). */
  readonly block?: number;
  /** More `weft controller` flags (e.g. --ca-dir). */
  readonly controllerFlags?: readonly string[];
}

export function startMesh(base: number, apps: Apps, opts: MeshOptions = {}): Mesh {
  const { svc: SVC_IP, pod: POD_IP } = meshAddresses(opts.block);
  const work = mkdtempSync(join(tmpdir(), "weft-e2e-dist-"));
  const dir = join(work, "manifests");
  mkdirSync(join(work, "logs"));
  mkdirSync(dir);
  writeManifests(dir, 1, opts.block);
  const sup = createSupervisor(join(work, "logs"), false, { WEFT_CONTROLLER_INSECURE: "true" });
  const ids = [["h1", "h1"], ["h2", "h2"], ["grpc", "grpc"], ["client", "client"], ["gw", "weft-gw-gw"]] as const;
  const tokens = ids.map(([, sa]) => ({ namespace: NS, serviceAccount: sa, token: randomBytes(24).toString("base64url") }));
  tokens.forEach((t) => writeFileSync(join(work, `${t.serviceAccount}.token`), t.token, { mode: 0o600 }));
  writeFileSync(join(work, "tokens.json"), JSON.stringify({ tokens }), { mode: 0o600 });
  const ports = { grpc: base, controllerAdmin: base + 1, gateway: base + 2 };
  const weft = join(REPO, "cmd/weft.ts");
  const controllerArgs = [weft, "controller", "--provider", "file", "--dir", dir, "--grpc-address", "127.0.0.1", "--grpc-port", String(ports.grpc), "--admin-port", String(ports.controllerAdmin),
    "--local-dev-tokens", join(work, "tokens.json"), "--namespace", "weft-system", "--meshed-pods", "all", ...plaintextControllerFlags(), ...(opts.controllerFlags ?? [])];
  const controller = sup.start("controller", 3, controllerArgs);
  const proxies = new Map<string, number>();
  const proxyArgs = new Map<string, string[]>();
  const startProxy = (name: string, args: string[]): void => {
    proxyArgs.set(name, args);
    sup.start(name, 1, args);
  };
  const common = (name: string, sa: string, admin: number): string[] => {
    proxies.set(name, admin);
    return [weft, "proxy", "--controller", `127.0.0.1:${ports.grpc}`, "--admin-port", String(admin), "--bind", "127.0.0.1", "--drain-ms", "1000", "--namespace", NS, "--pod", name, "--service-account",
      sa, "--token-path", join(work, `${sa}.token`)];
  };
  startProxy("gateway", [...common("gateway", "weft-gw-gw", base + 20), "--mode", "gateway", "--gateway", `${NS}/gw`, "--port-map", `8080=${ports.gateway}`]);
  const appPort = { h1: apps.ports.h1, h2: apps.ports.h2, grpc: apps.ports.grpc };
  const target = { h1: 8000, h2: 8000, grpc: 7070 };
  (["h1", "h2", "grpc"] as const).forEach((n, i) => {
    const cluster = `${NS}/${n}:${n === "grpc" ? 7070 : 80}`;
    startProxy(`sidecar-${n}`, [...common(`sidecar-${n}`, n, base + 21 + i), "--mode", "sidecar", "--listen-inbound", `${POD_IP[n]}:${target[n]}=${appPort[n]}@${cluster}`]);
  });
  startProxy("sidecar-client", [...common("sidecar-client", "client", base + 24), "--mode", "sidecar", "--listen-outbound", `${SVC_IP.h1}:80,${SVC_IP.h2}:80,${SVC_IP.grpc}:7070`]);
  return { dir, work, sup, controllerArgs, ports, proxies, proxyArgs, controller };
}

/** Waits until every proxy answers /ready and holds a mesh certificate; names what is missing otherwise. */
export async function waitForMesh(m: Mesh): Promise<void> {
  let missing = "";
  const logOf = (name: string): string => {
    try {
      return readFileSync(join(m.work, "logs", `${name}.log`), "utf8");
    } catch {
      return "";
    }
  };
  await eventually("every proxy ready with a mesh certificate", 60_000, async () => {
    for (const [name, port] of m.proxies) {
      missing = `${name} /ready`;
      if ((await httpGet(`http://127.0.0.1:${port}/ready`).catch(() => ({ status: 0 }))).status !== 200) return undefined;
    }
    for (const c of m.sup.children) {
      if (c.exited) throw new Error(`${c.name} exited: ${logOf(c.name).slice(-2000)}`);
      missing = `${c.name} certificate`;
      if (c.name !== "controller" && !logOf(c.name).includes("workload certificate issued")) return undefined;
    }
    return true;
  }).catch((e: unknown) => {
    throw new Error(`${String(e)}; missing ${missing}: ${logOf(missing.split(" ")[0]!).slice(-3000)}`);
  });
}

/** One test file's mesh: apps and mesh started and ready before its tests (90 s), stopped and removed after them. */
export function meshPerFile(base: number, opts: () => MeshOptions = () => ({})): { readonly apps: Apps; readonly mesh: Mesh } {
  let apps: Apps | undefined;
  let mesh: Mesh | undefined;
  beforeAll(async () => {
    apps = await startApps(base);
    mesh = startMesh(base, apps, opts());
    await waitForMesh(mesh);
  }, 90_000);
  afterAll(async () => {
    await mesh?.sup.stopAll(3000);
    await apps?.close();
    if (mesh !== undefined) rmSync(mesh.work, { recursive: true, force: true });
  });
  const started = <T>(x: T | undefined): T => {
    if (x === undefined) throw new Error("the mesh of this file did not start");
    return x;
  };
  return {
    get apps() {
      return started(apps);
    },
    get mesh() {
      return started(mesh);
    },
  };
}
