// journey-manifests: what the user journey (journey.cluster.test.ts) deploys, as a platform engineer
// would write it. Namespaces: `shop` (meshed: web → reviews, two reviews versions, a gRPC echo in two
// flavours, a `secure` service in strict mTLS, the Gateway `public`), `client` (meshed, with a consumer
// route for reviews), `legacy` (unmeshed). Every app runs the demo image with liveness/readiness probes
// and requests/limits, under the restricted-style container security context.
// Takes namespace names; gives manifests as JSON strings for `kubectl apply -f -`.
// Must not: hold test logic.
import { IMAGE_REFS } from "../../../tools/image/build-images.ts";

export interface JourneyNamespaces {
  readonly shop: string;
  readonly client: string;
  readonly legacy: string;
}

const APP_SECURITY = { runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };
const APP_RESOURCES = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } };

interface AppSpec {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  readonly port: number;
  readonly replicas?: number;
  readonly annotations?: Readonly<Record<string, string>>;
  /** tcp: a TCP probe (gRPC apps); http: GET / */
  readonly probe: "http" | "tcp";
}

function deployment(ns: string, a: AppSpec): Record<string, unknown> {
  const probe = a.probe === "http" ? { httpGet: { path: "/", port: a.port } } : { tcpSocket: { port: a.port } };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: a.name, namespace: ns },
    spec: {
      replicas: a.replicas ?? 1,
      selector: { matchLabels: a.labels },
      template: {
        metadata: { labels: a.labels, ...(a.annotations !== undefined ? { annotations: a.annotations } : {}) },
        spec: {
          terminationGracePeriodSeconds: 5,
          containers: [{
            name: "app",
            image: IMAGE_REFS.demo,
            imagePullPolicy: "IfNotPresent",
            args: a.args,
            env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
            ports: [{ name: "serve", containerPort: a.port }],
            readinessProbe: { ...probe, periodSeconds: 2 },
            livenessProbe: { ...probe, periodSeconds: 10, failureThreshold: 3 },
            resources: APP_RESOURCES,
            securityContext: APP_SECURITY,
          }],
        },
      },
    },
  };
}

function httpDemo(name: string, service: string, version: string, upstream?: string): readonly string[] {
  return ["/app/examples/apps/http-demo.ts", "--host", "0.0.0.0", "--port", "8080", "--service", service, "--version", version, "--pod", "$(POD_NAME)",
    ...(upstream !== undefined ? ["--upstream", upstream] : [])];
}

const GRPC_ECHO = ["/app/examples/apps/grpc-echo.ts", "--host", "0.0.0.0", "--port", "7070", "--pod", "$(POD_NAME)"];

function service(ns: string, name: string, selector: Readonly<Record<string, string>>, port: number, targetPort: number, appProtocol: string): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { selector, ports: [{ name: "serve", port, targetPort, appProtocol }] } };
}

const list = (items: readonly Record<string, unknown>[]): string => JSON.stringify({ apiVersion: "v1", kind: "List", items });

/** Step 2: the workloads and their Services. */
export function workloads(n: JourneyNamespaces): string {
  const reviewsUrl = `http://reviews.${n.shop}.svc.cluster.local/`;
  return list([
    deployment(n.shop, { name: "web", labels: { app: "web" }, args: httpDemo("web", "web", "v1", reviewsUrl), port: 8080, probe: "http" }),
    service(n.shop, "web", { app: "web" }, 80, 8080, "http"),
    deployment(n.shop, { name: "reviews-v1", labels: { app: "reviews", version: "v1" }, args: httpDemo("reviews-v1", "reviews", "v1"), port: 8080, probe: "http" }),
    deployment(n.shop, { name: "reviews-v2", labels: { app: "reviews", version: "v2" }, args: httpDemo("reviews-v2", "reviews", "v2"), port: 8080, probe: "http", replicas: 2 }),
    service(n.shop, "reviews", { app: "reviews" }, 80, 8080, "http"),
    service(n.shop, "reviews-v1", { app: "reviews", version: "v1" }, 80, 8080, "http"),
    service(n.shop, "reviews-v2", { app: "reviews", version: "v2" }, 80, 8080, "http"),
    deployment(n.shop, { name: "echo", labels: { app: "echo" }, args: GRPC_ECHO, port: 7070, probe: "tcp" }),
    deployment(n.shop, { name: "echo-v2", labels: { app: "echo-v2" }, args: GRPC_ECHO, port: 7070, probe: "tcp" }),
    service(n.shop, "echo", { app: "echo" }, 7070, 7070, "kubernetes.io/h2c"),
    service(n.shop, "echo-v2", { app: "echo-v2" }, 7070, 7070, "kubernetes.io/h2c"),
    deployment(n.shop, { name: "secure", labels: { app: "secure" }, args: httpDemo("secure", "secure", "v1"), port: 8080, probe: "http", annotations: { "weft.dev/inbound-mtls": "strict" } }),
    service(n.shop, "secure", { app: "secure" }, 80, 8080, "http"),
    deployment(n.client, { name: "client", labels: { app: "client" }, args: httpDemo("client", "client", "v1"), port: 8080, probe: "http" }),
    deployment(n.legacy, { name: "legacy", labels: { app: "legacy" }, args: httpDemo("legacy", "legacy", "v1"), port: 8080, probe: "http" }),
    service(n.legacy, "legacy", { app: "legacy" }, 80, 8080, "http"),
  ]);
}

/** Step 3: the Gateway and the route sending outside requests to web, but /ghost to a Service without endpoints (step 6's refused request). */
export function gateway(n: JourneyNamespaces): string {
  return list([
    { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "public", namespace: n.shop },
      spec: { gatewayClassName: "weft", listeners: [{ name: "http", protocol: "HTTP", port: 80 }] } },
    service(n.shop, "ghost", { app: "ghost" }, 80, 8080, "http"),
    { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "web", namespace: n.shop }, spec: { parentRefs: [{ name: "public" }], rules: [
      { matches: [{ path: { type: "PathPrefix", value: "/ghost" } }], backendRefs: [{ name: "ghost", port: 80 }] },
      { backendRefs: [{ name: "web", port: 80 }] },
    ] } },
  ]);
}

/** Step 4: the producer split (v1 `v1Weight`, v2 `100 - v1Weight`) with the x-version: v2 override. */
export function producerRoute(n: JourneyNamespaces, v1Weight: number): string {
  return JSON.stringify({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: { name: "reviews", namespace: n.shop },
    spec: {
      parentRefs: [{ group: "", kind: "Service", name: "reviews", port: 80 }],
      rules: [
        { matches: [{ headers: [{ name: "x-version", value: "v2" }] }], backendRefs: [{ name: "reviews-v2", port: 80 }] },
        { backendRefs: [{ name: "reviews-v1", port: 80, weight: v1Weight }, { name: "reviews-v2", port: 80, weight: 100 - v1Weight }] },
      ],
    },
  });
}

/** Step 4: the client namespace's own route for reviews (all to v2), and the GRPCRoute by method. */
export function consumerAndGrpcRoutes(n: JourneyNamespaces): string {
  return list([
    { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "reviews-v2-only", namespace: n.client },
      spec: { parentRefs: [{ group: "", kind: "Service", name: "reviews", namespace: n.shop, port: 80 }], rules: [{ backendRefs: [{ name: "reviews-v2", namespace: n.shop, port: 80 }] }] } },
    { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute", metadata: { name: "echo", namespace: n.shop },
      spec: { parentRefs: [{ group: "", kind: "Service", name: "echo", port: 7070 }], rules: [
        { matches: [{ method: { service: "weft.demo.Echo", method: "Say" } }], backendRefs: [{ name: "echo-v2", port: 7070 }] },
        { backendRefs: [{ name: "echo", port: 7070 }] },
      ] } },
  ]);
}
