// plan: reads a local-mode manifest directory (.yaml, .yml, .json; `kind: List` flattened) and
// plans the processes of `weft local`: the controller, one app + one sidecar per Pod (loopback pod IP),
// the outbound face on every loopback Service ClusterIP:port (owned by the Pod annotated
// local.weft.dev/outbound), and a gateway proxy per Gateway (up to 10). Ports come from a base port
// so runs and tests do not collide: base+0..2 controller and traces, +10+i apps, +40+i gateway admin,
// +50+i sidecar admin, +80.. gateway listeners (the first Gateway's first listener on gatewayPort).
// Pod annotations: local.weft.dev/app (an app in examples/apps, by name: http-demo | grpc-echo),
// local.weft.dev/app-address (127.0.0.1:PORT: the Pod's app is yours, already running there; nothing
// is started for it), local.weft.dev/upstream (http-demo --upstream URL), local.weft.dev/outbound ("true").
// A Service port below `privilegedBelow` (a normal user on Linux cannot bind ports < 1024) gets its
// ClusterIP listener on port + 10000 instead, marked with the Service port it stands for, so the
// sidecar still matches by original destination; pod target ports must not be privileged.
// Takes the directory and LocalOptions; gives a LocalPlan (pure data) or throws a precise message.
// Must not: run anything named by a manifest other than an app file inside examples/apps.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { provisionedName } from "../controller/gateway-objects.ts";

export interface LocalOptions {
  readonly dir: string;
  readonly basePort: number;
  readonly gatewayPort: number;
  /** The controller's --ca-dir: the mesh CA kept across runs. */
  readonly caDir?: string;
  /** Ports below this cannot be bound here (Linux non-root: 1024; 0 = any port can be bound). */
  readonly privilegedBelow?: number;
  readonly verbose: boolean;
}

export interface PlannedApp {
  readonly pod: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly app: string;
  /** The app file started for this Pod; undefined when the Pod names its own app (local.weft.dev/app-address). */
  readonly script: string | undefined;
  readonly args: readonly string[];
  readonly appPort: number;
  readonly podIp: string;
  /** pod IP target ports (from EndpointSlices naming this Pod) → inbound listeners forwarding to appPort. */
  readonly inboundPorts: readonly number[];
  /** target port → cluster id (`ns/service:port`) whose protocol the sidecar uses towards the app. */
  readonly inboundClusters: ReadonlyMap<number, string>;
  /** ClusterIP:port listeners; `bindPort` is where the listener really is (port + 10000 for a privileged port). */
  readonly outbound: readonly { host: string; port: number; bindPort: number }[];
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
  /** Loopback Service ClusterIP:port → namespace/name (for the banner); `bindPort` as in PlannedApp.outbound. */
  readonly services: readonly { namespace: string; name: string; clusterIp: string; port: number; bindPort: number }[];
}

type Obj = { kind?: string; metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: Record<string, unknown>;
  status?: Record<string, unknown>; [k: string]: unknown };

export const APPS_DIR = join(import.meta.dirname, "../../examples/apps");
const IMAGE_APPS: Readonly<Record<string, string>> = { "weft-demo/web": "http-demo", "weft-demo/reviews": "http-demo", "weft-demo/echo-grpc": "grpc-echo" };

const MANIFEST = /\.(ya?ml|json)$/i;

/** Every object of the directory's manifests (YAML or JSON; `List` and `*List` items flattened). */
export function readManifestObjects(dir: string): Obj[] {
  const files = readdirSync(dir).filter((f) => MANIFEST.test(f)).sort();
  if (files.length === 0) throw new Error(`no .yaml, .yml or .json manifests in ${dir}`);
  const out: Obj[] = [];
  const add = (v: unknown): void => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return;
    const o = v as Obj;
    if (typeof o.kind === "string" && o.kind.endsWith("List") && Array.isArray(o["items"])) (o["items"] as unknown[]).forEach(add);
    else out.push(o);
  };
  for (const f of files) {
    // YAML 1.2 is a superset of JSON: one parser for both.
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), "utf8"))) add(doc.toJS());
  }
  return out;
}

export const MAX_LOCAL_GATEWAYS = 10;
/** Ports used from --base-port on. */
export const LOCAL_PORT_SPAN = 160;
/** Where a privileged Service port's ClusterIP listener goes instead. */
export const PRIVILEGED_PORT_SHIFT = 10_000;

/** `127.0.0.1:PORT` (or localhost:PORT) from local.weft.dev/app-address; throws naming the Pod. */
function appAddressPort(value: string, pod: string): number {
  const m = /^(?:127\.0\.0\.1|localhost):(\d{1,5})$/.exec(value.trim());
  const port = Number(m?.[1]);
  if (m === null || port < 1 || port > 65535) {
    throw new Error(`Pod ${pod}: local.weft.dev/app-address must be 127.0.0.1:PORT (the sidecar reaches its app on 127.0.0.1, as in a pod), not ${JSON.stringify(value.slice(0, 100))}`);
  }
  return port;
}

const isLoopback = (ip: unknown): ip is string => typeof ip === "string" && /^127\.\d+\.\d+\.\d+$/.test(ip);

export function planLocal(o: LocalOptions): LocalPlan {
  const objs = readManifestObjects(o.dir);
  const of = (kind: string): Obj[] => objs.filter((x) => x.kind === kind);
  const b = o.basePort;
  const low = o.privilegedBelow ?? 0;
  const services = of("Service").flatMap((s) => {
    const ip = s.spec?.["clusterIP"];
    const ports = (s.spec?.["ports"] as { port?: number }[] | undefined) ?? [];
    return isLoopback(ip) ?
      ports.filter((p) => typeof p.port === "number").map((p) => ({
        namespace: s.metadata?.namespace ?? "default",
        name: s.metadata?.name ?? "",
        clusterIp: ip,
        port: p.port!,
        bindPort: p.port! < low ? p.port! + PRIVILEGED_PORT_SHIFT : p.port!,
      })) :
      [];
  });
  const taken = new Set<string>();
  for (const s of services) {
    const key = `${s.clusterIp}:${s.bindPort}`;
    if (taken.has(key)) throw new Error(`Service ${s.namespace}/${s.name}: ${key} is taken twice (port ${s.port} moved by ${PRIVILEGED_PORT_SHIFT} because ports below ${low} need root here)`);
    taken.add(key);
  }
  const pods = of("Pod").filter((p) => isLoopback(p.status?.["podIP"]));
  if (pods.length > 30) throw new Error(`${pods.length} local pods: at most 30 are supported`);
  const slices = of("EndpointSlice");
  const outboundOwner = pods.find((p) => p.metadata?.annotations?.["local.weft.dev/outbound"] === "true") ?? pods[0];
  const apps: PlannedApp[] = pods.map((p, i) => {
    const name = p.metadata?.name ?? `pod-${i}`;
    const ns = p.metadata?.namespace ?? "default";
    const ann = p.metadata?.annotations ?? {};
    const image = ((p.spec?.["containers"] as { image?: string }[] | undefined) ?? [])[0]?.image ?? "";
    const own = ann["local.weft.dev/app-address"];
    const app = own !== undefined ? "yours" : ann["local.weft.dev/app"] ?? IMAGE_APPS[image] ?? "";
    if (own === undefined && (!/^[a-z0-9-]+$/.test(app) || !existsSync(join(APPS_DIR, `${app}.ts`)))) {
      throw new Error(
        `Pod ${ns}/${name}: no local app (set annotation local.weft.dev/app to one of examples/apps: http-demo, grpc-echo, or local.weft.dev/app-address to 127.0.0.1:PORT where your app runs)`,
      );
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
    const privileged = inboundPorts.filter((p) => p < low);
    if (privileged.length > 0) {
      throw new Error(
        `Pod ${ns}/${name}: target port ${privileged.join(", ")} is below ${low}, which only root can bind here; give its Service a targetPort (and its EndpointSlice a port) of 1024 or more`,
      );
    }
    const appPort = own !== undefined ? appAddressPort(own, `${ns}/${name}`) : b + 10 + i;
    const labels = p.metadata?.labels ?? {};
    const args = app === "http-demo"
      ? ["--host", "127.0.0.1", "--port", String(appPort), "--service", labels["app"] ?? name, "--version", labels["version"] ?? "v1", "--pod", name,
        ...(ann["local.weft.dev/upstream"] !== undefined ? ["--upstream", ann["local.weft.dev/upstream"]] : [])]
      : ["--host", "127.0.0.1", "--port", String(appPort), "--pod", name];
    return {
      pod: name,
      namespace: ns,
      serviceAccount: (p.spec?.["serviceAccountName"] as string | undefined) ?? "default",
      app,
      script: own !== undefined ? undefined : join(APPS_DIR, `${app}.ts`),
      args: own !== undefined ? [] : args,
      appPort,
      podIp,
      inboundPorts,
      inboundClusters,
      outbound: p === outboundOwner ? services.map((s) => ({ host: s.clusterIp, port: s.port, bindPort: s.bindPort })) : [],
      adminPort: b + 50 + i,
    };
  });
  const gatewayObjs = of("Gateway");
  if (gatewayObjs.length > MAX_LOCAL_GATEWAYS) throw new Error(`${gatewayObjs.length} Gateways: local mode runs at most ${MAX_LOCAL_GATEWAYS}`);
  let nextListener = b + 80;
  const gateways: PlannedGateway[] = gatewayObjs.map((g, i) => {
    const ports = [...new Set(((g.spec?.["listeners"] as { port?: number }[] | undefined) ?? []).map((l) => l.port).filter((x): x is number => typeof x === "number"))];
    const portMap = new Map<number, number>(ports.map((p, j) => [p, i === 0 && j === 0 ? o.gatewayPort : nextListener++]));
    const name = g.metadata?.name ?? `gateway-${i}`;
    return { namespace: g.metadata?.namespace ?? "default", name, serviceAccount: provisionedName(name), portMap, adminPort: b + 40 + i };
  });
  if (nextListener > b + LOCAL_PORT_SPAN) throw new Error(`the Gateways have ${nextListener - b - 80} listener ports besides the first: at most ${LOCAL_PORT_SPAN - 80} fit above --base-port`);
  return { dir: o.dir, controllerGrpcPort: b, controllerAdminPort: b + 1, traceReceiverPort: b + 2, apps, gateways, services };
}
