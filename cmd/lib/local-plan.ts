// local-plan: reads a local-mode manifest directory and plans the processes of `weft local`: the
// controller, one demo app + one sidecar per Pod (loopback pod IP), the outbound face on every
// loopback Service ClusterIP:port (owned by the Pod annotated local.weft.dev/outbound), and a
// gateway proxy per Gateway. Ports come from a base port so runs and tests do not collide.
// Pod annotations: local.weft.dev/app (an app in examples/apps, by name: http-demo | grpc-echo),
// local.weft.dev/upstream (http-demo --upstream URL), local.weft.dev/outbound ("true").
// Takes the directory and LocalOptions; gives a LocalPlan (pure data) or throws a precise message.
// Must not: run anything named by a manifest other than an app file inside examples/apps.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { provisionedName } from "./controller-provisioner.ts";

export interface LocalOptions {
  readonly dir: string;
  readonly basePort: number;
  readonly gatewayPort: number;
  readonly verbose: boolean;
}

export interface PlannedApp {
  readonly pod: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly app: string;
  readonly script: string;
  readonly args: readonly string[];
  readonly appPort: number;
  readonly podIp: string;
  /** pod IP target ports (from EndpointSlices naming this Pod) → inbound listeners forwarding to appPort. */
  readonly inboundPorts: readonly number[];
  /** target port → cluster id (`ns/service:port`) whose protocol the sidecar uses towards the app. */
  readonly inboundClusters: ReadonlyMap<number, string>;
  readonly outbound: readonly { host: string; port: number }[];
  readonly adminPort: number;
}

export interface PlannedGateway {
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  /** Gateway listener port → local port. */
  readonly portMap: ReadonlyMap<number, number>;
  readonly adminPort: number;
}

export interface LocalPlan {
  readonly dir: string;
  readonly controllerGrpcPort: number;
  readonly controllerAdminPort: number;
  readonly traceReceiverPort: number;
  readonly apps: readonly PlannedApp[];
  readonly gateways: readonly PlannedGateway[];
  /** Loopback Service ClusterIP:port → namespace/name (for the banner). */
  readonly services: readonly { namespace: string; name: string; clusterIp: string; port: number }[];
}

type Obj = { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown>; status?: Record<string, unknown>; [k: string]: unknown };

export const APPS_DIR = join(import.meta.dirname, "../../examples/apps");
const IMAGE_APPS: Readonly<Record<string, string>> = { "weft-demo/web": "http-demo", "weft-demo/reviews": "http-demo", "weft-demo/echo-grpc": "grpc-echo" };

export function readManifestObjects(dir: string): Obj[] {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no .yaml manifests in ${dir}`);
  const out: Obj[] = [];
  for (const f of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) {
      const v = doc.toJS() as unknown;
      if (v !== null && typeof v === "object" && !Array.isArray(v)) out.push(v as Obj);
    }
  }
  return out;
}

const isLoopback = (ip: unknown): ip is string => typeof ip === "string" && /^127\.\d+\.\d+\.\d+$/.test(ip);

export function planLocal(o: LocalOptions): LocalPlan {
  const objs = readManifestObjects(o.dir);
  const of = (kind: string): Obj[] => objs.filter((x) => x.kind === kind);
  const b = o.basePort;
  const services = of("Service").flatMap((s) => {
    const ip = s.spec?.["clusterIP"];
    const ports = (s.spec?.["ports"] as { port?: number }[] | undefined) ?? [];
    return isLoopback(ip) ? ports.filter((p) => typeof p.port === "number").map((p) => ({ namespace: s.metadata?.namespace ?? "default", name: s.metadata?.name ?? "", clusterIp: ip, port: p.port! })) : [];
  });
  const pods = of("Pod").filter((p) => isLoopback(p.status?.["podIP"]));
  if (pods.length > 30) throw new Error(`${pods.length} local pods: at most 30 are supported`);
  const slices = of("EndpointSlice");
  const outboundOwner = pods.find((p) => p.metadata?.annotations?.["local.weft.dev/outbound"] === "true") ?? pods[0];
  const apps: PlannedApp[] = pods.map((p, i) => {
    const name = p.metadata?.name ?? `pod-${i}`;
    const ns = p.metadata?.namespace ?? "default";
    const ann = p.metadata?.annotations ?? {};
    const image = ((p.spec?.["containers"] as { image?: string }[] | undefined) ?? [])[0]?.image ?? "";
    const app = ann["local.weft.dev/app"] ?? IMAGE_APPS[image] ?? "";
    if (!/^[a-z0-9-]+$/.test(app) || !existsSync(join(APPS_DIR, `${app}.ts`))) {
      throw new Error(`Pod ${ns}/${name}: no local app (set annotation local.weft.dev/app to one of examples/apps: http-demo, grpc-echo)`);
    }
    const podIp = p.status!["podIP"] as string;
    const inboundClusters = new Map<number, string>();
    const inboundPorts = [...new Set(slices.flatMap((s) => {
      const refs = ((s["endpoints"] as { addresses?: string[]; targetRef?: { name?: string; namespace?: string } }[] | undefined) ?? [])
        .filter((e) => e.targetRef?.name === name && (e.targetRef.namespace ?? s.metadata?.namespace) === ns && (e.addresses ?? []).includes(podIp));
      const ports = refs.length === 0 ? [] : ((s["ports"] as { port?: number }[] | undefined) ?? []).map((x) => x.port).filter((x): x is number => typeof x === "number");
      const svcName = s.metadata?.labels?.["kubernetes.io/service-name"];
      const svc = of("Service").find((x) => x.metadata?.name === svcName && (x.metadata?.namespace ?? "default") === ns);
      for (const port of ports) {
        const sp = ((svc?.spec?.["ports"] as { port?: number; targetPort?: number | string }[] | undefined) ?? []).find((x) => (x.targetPort ?? x.port) === port);
        if (sp?.port !== undefined && !inboundClusters.has(port)) inboundClusters.set(port, `${ns}/${svcName}:${sp.port}`);
      }
      return ports;
    }))].sort((x, y) => x - y);
    const appPort = b + 10 + i;
    const labels = p.metadata?.labels ?? {};
    const args = app === "http-demo"
      ? ["--host", "127.0.0.1", "--port", String(appPort), "--service", labels["app"] ?? name, "--version", labels["version"] ?? "v1", "--pod", name,
        ...(ann["local.weft.dev/upstream"] !== undefined ? ["--upstream", ann["local.weft.dev/upstream"]] : [])]
      : ["--host", "127.0.0.1", "--port", String(appPort), "--pod", name];
    return {
      pod: name, namespace: ns, serviceAccount: (p.spec?.["serviceAccountName"] as string | undefined) ?? "default",
      app, script: join(APPS_DIR, `${app}.ts`), args, appPort, podIp, inboundPorts, inboundClusters,
      outbound: p === outboundOwner ? services.map((s) => ({ host: s.clusterIp, port: s.port })) : [],
      adminPort: b + 50 + i,
    };
  });
  const gateways: PlannedGateway[] = of("Gateway").map((g, i) => {
    const ports = [...new Set(((g.spec?.["listeners"] as { port?: number }[] | undefined) ?? []).map((l) => l.port).filter((x): x is number => typeof x === "number"))];
    const portMap = new Map<number, number>(ports.map((p, j) => [p, i === 0 && j === 0 ? o.gatewayPort : b + 4 + i * 3 + j]));
    const name = g.metadata?.name ?? `gateway-${i}`;
    return { namespace: g.metadata?.namespace ?? "default", name, serviceAccount: provisionedName(name), portMap, adminPort: b + 40 + i };
  });
  if (gateways.length > 2) throw new Error("local mode runs at most 2 Gateways");
  return { dir: o.dir, controllerGrpcPort: b, controllerAdminPort: b + 1, traceReceiverPort: b + 2, apps, gateways, services };
}
