// app-probes (injector): HTTP and TCP kubelet probes of app containers on captured ports are pointed at the
// proxy's admin port with their timing kept, and their original targets reach the proxy as WEFT_APP_PROBES
// — checked on the patched pod, in both injection modes (the legacy mode inserts the proxy at
// containers[0], so the rewrites must name the app containers' original indexes). Probes aimed elsewhere
// (explicit host, excluded or not-included ports, undeclared named ports, exec) stay as they are.
import { describe, expect, it } from "vitest";
import type { Pod } from "../../pkg/api/index.ts";
import { APP_PROBES_ENV, parseAppProbes } from "../../pkg/util/app-probes.ts";
import { applyJsonPatch, DEFAULT_INJECTOR_CONFIG, mutate } from "../../injector/index.ts";

type Obj = Record<string, any>;
const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { "weft.dev/inject": "enabled" } } };
const admin = DEFAULT_INJECTOR_CONFIG.adminPort;

function podWith(containers: Obj[], annotations: Record<string, string> = {}): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "shop", annotations }, spec: { containers } } as unknown as Pod;
}

function inject(pod: Pod, native: boolean): { pod: Obj; probesEnv: string | undefined; report: Obj } {
  const r = mutate(pod, ns as never, { ...DEFAULT_INJECTOR_CONFIG, nativeSidecars: native });
  expect(r.report.injected).toBe(true);
  const out = applyJsonPatch(pod, r.patch) as Obj;
  const proxy = [...(out.spec.initContainers ?? []), ...out.spec.containers].find((c: Obj) => c.name === "weft-proxy");
  const probesEnv = proxy.env.find((e: Obj) => e.name === APP_PROBES_ENV)?.value as string | undefined;
  return { pod: out, probesEnv, report: r.report };
}

const app = (): Obj => ({
  name: "web",
  image: "web:1",
  ports: [{ name: "http", containerPort: 8080 }, { name: "admin", containerPort: 9901 }],
  livenessProbe: { httpGet: { path: "/healthz", port: "http", httpHeaders: [{ name: "X-Probe", value: "live" }] }, initialDelaySeconds: 3, periodSeconds: 7, timeoutSeconds: 2, failureThreshold: 4 },
  readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 5 },
  startupProbe: { httpGet: { path: "/started", port: 8080, scheme: "HTTPS" }, failureThreshold: 30 },
});

describe("app probe rewriting", () => {
  for (const native of [true, false]) {
    it(`points HTTP and TCP probes at the admin port, keeping their timing (${native ? "native sidecar" : "sidecar container"})`, () => {
      const { pod, probesEnv, report } = inject(podWith([{ name: "log", image: "log:1" }, app()]), native);
      const web = pod.spec.containers.find((c: Obj) => c.name === "web");
      expect(web.livenessProbe).toEqual({ httpGet: { path: "/app-health/web/livez", port: admin, scheme: "HTTP" }, initialDelaySeconds: 3, periodSeconds: 7, timeoutSeconds: 2, failureThreshold: 4 });
      expect(web.readinessProbe).toEqual({ httpGet: { path: "/app-health/web/readyz", port: admin, scheme: "HTTP" }, periodSeconds: 5 });
      expect(web.startupProbe).toEqual({ httpGet: { path: "/app-health/web/startupz", port: admin, scheme: "HTTP" }, failureThreshold: 30 });
      expect(pod.spec.containers.find((c: Obj) => c.name === "log")).toEqual({ name: "log", image: "log:1" });
      const parsed = parseAppProbes(probesEnv);
      expect(parsed.problems).toEqual([]);
      expect(Object.fromEntries(parsed.probes)).toEqual({
        "/app-health/web/livez": { kind: "http", port: 8080, path: "/healthz", scheme: "HTTP", headers: [{ name: "X-Probe", value: "live" }], timeoutSeconds: 2 },
        "/app-health/web/readyz": { kind: "tcp", port: 8080, timeoutSeconds: 1 },
        "/app-health/web/startupz": { kind: "http", port: 8080, path: "/started", scheme: "HTTPS", headers: [], timeoutSeconds: 1 },
      });
      expect(report.rewrittenProbes).toEqual(["/app-health/web/livez", "/app-health/web/readyz", "/app-health/web/startupz"]);
    });
  }

  it("leaves probes that do not reach a captured app port as they are", () => {
    const untouched: Obj[] = [
      { name: "a", image: "a", livenessProbe: { httpGet: { host: "10.0.0.9", path: "/", port: 8080 } } },
      { name: "b", image: "b", livenessProbe: { httpGet: { path: "/", port: 9102 } } },
      { name: "c", image: "c", livenessProbe: { httpGet: { path: "/", port: "undeclared" } } },
      { name: "d", image: "d", livenessProbe: { exec: { command: ["true"] } }, readinessProbe: { grpc: { port: 9102 } } },
    ];
    const pod = podWith(untouched.map((c) => structuredClone(c)), { "weft.dev/exclude-inbound-ports": "9102" });
    const { pod: out, probesEnv, report } = inject(pod, true);
    for (const c of untouched) expect(out.spec.containers.find((x: Obj) => x.name === c.name)).toEqual(c);
    expect(probesEnv).toBeUndefined();
    expect(report.rewrittenProbes).toBeUndefined();
  });

  it("points gRPC probes at the admin port too, keeping the service name", () => {
    const c = { name: "g", image: "g", ports: [{ containerPort: 7070 }], livenessProbe: { grpc: { port: 7070, service: "weft.demo.Echo" }, periodSeconds: 3 },
      readinessProbe: { grpc: { port: 7070 } } };
    const { pod, probesEnv } = inject(podWith([c]), true);
    expect(pod.spec.containers[0].livenessProbe).toEqual({ httpGet: { path: "/app-health/g/livez", port: admin, scheme: "HTTP" }, periodSeconds: 3 });
    expect(Object.fromEntries(parseAppProbes(probesEnv).probes)).toEqual({
      "/app-health/g/livez": { kind: "grpc", port: 7070, service: "weft.demo.Echo", timeoutSeconds: 1 },
      "/app-health/g/readyz": { kind: "grpc", port: 7070, service: "", timeoutSeconds: 1 },
    });
  });

  it("rewrites only ports the pod includes when it lists them", () => {
    const c = { name: "w", image: "w", livenessProbe: { httpGet: { path: "/l", port: 8080 } }, readinessProbe: { httpGet: { path: "/r", port: 8081 } } };
    const { pod } = inject(podWith([c], { "weft.dev/include-inbound-ports": "8081" }), true);
    expect(pod.spec.containers[0].livenessProbe).toEqual({ httpGet: { path: "/l", port: 8080 } });
    expect(pod.spec.containers[0].readinessProbe.httpGet.path).toBe("/app-health/w/readyz");
  });

  it("is switched off mesh-wide by the config, and back on per pod", () => {
    const off = { ...DEFAULT_INJECTOR_CONFIG, rewriteAppProbes: false };
    const plain = mutate(podWith([app()]), ns as never, off);
    expect((applyJsonPatch(podWith([app()]), plain.patch) as Obj).spec.initContainers[1].env.some((e: Obj) => e.name === APP_PROBES_ENV)).toBe(false);
    const optedIn = mutate(podWith([app()], { "weft.dev/rewrite-app-probes": "true" }), ns as never, off);
    expect(optedIn.report.rewrittenProbes).toHaveLength(3);
  });

  it('is switched off per pod with weft.dev/rewrite-app-probes: "false", and refuses other values', () => {
    const { pod, probesEnv } = inject(podWith([app()], { "weft.dev/rewrite-app-probes": "false" }), true);
    expect(pod.spec.containers[0]).toEqual(app());
    expect(probesEnv).toBeUndefined();
    const bad = mutate(podWith([app()], { "weft.dev/rewrite-app-probes": "maybe" }), ns as never, DEFAULT_INJECTOR_CONFIG);
    expect(bad.report).toMatchObject({ injected: false, reason: "invalid-annotation" });
    expect(bad.report.problems).toEqual(['weft.dev/rewrite-app-probes: "maybe" must be true or false']);
  });
});
