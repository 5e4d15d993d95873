// journey (real node): the platform engineer's first day with Weft, step by step as issue 15 item 3 lists
// it, on the run's real-node cluster with the image built here:
//  1. helm install (chart defaults, the built image; CRDs installed with the cluster): controller Ready,
//     GatewayClass weft Accepted;
//  2. labelled namespaces; Deployments (HTTP/1.1 web, reviews in two versions, gRPC echo, a strict-mTLS
//     service) with probes, one service in an unmeshed namespace: weft-init + native sidecar injected,
//     capture through the image's addon, probes passing through the sidecar, the chart's limits;
//  3. a Gateway: provisioned, Programmed, reachable at its status address, routing to web;
//  4-5. producer split 90/10 with a header override (from outside, through web's sidecar), a consumer
//     route for the client namespace only, a GRPCRoute by method, pod to pod by Service DNS over mTLS,
//     meshed → unmeshed in plaintext, a plaintext attempt on a strict pod refused; every route Accepted,
//     ResolvedRefs and Programmed by exactly the proxies that serve it;
//  6. the in-cluster Jaeger of examples/jaeger (deployed as-is but for its image, the Go-module build) gets one
//     trace per request gateway → sidecar → sidecar and passes the checks of test/support/jaeger.ts: one
//     service per workload, pod and namespace on every process, no clock-skew warning, every child inside its
//     parent, Weft's reason on the error span, and the chart's tracing.otelEnv resource attribute on every
//     process; Prometheus's metrics linter (promtool check metrics) passes the proxies' and the controllers' /metrics;
//  7. a route edit takes effect; a controller pod deleted under load (no request fails, every proxy back,
//     counts right with two replicas); the gateway rolled under load (no request fails); a backend pod
//     killed (its peers stop sending to it); web's sidecar's working set at 1,000 req/s through the Gateway
//     printed beside its idle figure, with its cgroup's own 250 ms peak split into anonymous, page cache and
//     kernel memory, the sockets it held and the cgroup's high-water mark (not judged);
//  8. the namespace un-labelled and web restarted: no sidecar, traffic still flows.
// A failing step prints pods, events, logs, `weftctl proxy-config` of the proxies involved and the routes'
// status (journey-probes.ts failureReport). Prints one JSON line of figures. Load is bounded in count and
// time and goes only to addresses inside the node's network namespace.
import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { spanClockMs } from "../../pkg/telemetry/index.ts";
import { sendClientSpan, spanTree, traceProblems, type JaegerSpan, type JaegerTrace } from "../support/jaeger.ts";
import { applyExampleJaeger, deleteExampleJaeger, exampleJaeger } from "../support/node/cluster-jaeger.ts";
import { containerMemoryCgroup, memoryPeak, type MemoryPeak, type PodRef } from "../support/node/container-memory.ts";
import { load, pacedLoad, request } from "../support/node/http-load.ts";
import { isReady, mib, pods, readyPod, workingSetBytes, workingSetPeak, type PodView } from "../support/node/pod-views.ts";
import { realNodeTier, sharedCluster, until, type SharedCluster } from "../support/node/shared-cluster.ts";
import { installWeft, SIDECAR_CPU_REQUEST, TRACE_ENVIRONMENT, WEFT_NAMESPACE } from "../support/node/weft-install.ts";
import { consumerAndGrpcRoutes, gateway, producerRoute, workloads, type JourneyNamespaces } from "./support/journey-manifests.ts";
import { clusterProxyAdmins, countScript, failureReport, inPod, promlintProblems, proxiesServing, routeConditions, type Counts } from "./support/journey-probes.ts";

const SIDECAR_ADMIN = 15020;
const GATEWAY_ADMIN = 15021;
const CONTROLLER_ADMIN = 15014;
/** The Jaeger service of the test's own client spans (step 6). */
const CLIENT = "journey-client";
const none = (): string => "";

realNodeTier.describe("the user journey on a real node", () => {
  const started = Date.now();
  const figures: Record<string, unknown> = {};
  let c: SharedCluster;
  let n: JourneyNamespaces;
  let gatewayUrl = "";
  const routes = (): { ns: string; kind: "httproute" | "grpcroute"; name: string; key: string }[] => [
    { ns: n.shop, kind: "httproute", name: "web", key: `HTTPRoute/${n.shop}/web` },
    { ns: n.shop, kind: "httproute", name: "reviews", key: `HTTPRoute/${n.shop}/reviews` },
    { ns: n.client, kind: "httproute", name: "reviews-v2-only", key: `HTTPRoute/${n.client}/reviews-v2-only` },
    { ns: n.shop, kind: "grpcroute", name: "echo", key: `GRPCRoute/${n.shop}/echo` },
  ];
  const pod = (ns: string, app: string): PodView => {
    const p = readyPod(c, ns, app);
    if (p === undefined) throw new Error(`no Ready pod app=${app} in ${ns}`);
    return p;
  };
  /** Admin URLs of every Weft proxy in the journey: the meshed pods' sidecars and the gateway's pods. */
  const proxyAdmins = (): string[] => {
    const meshed = [n.shop, n.client].flatMap((ns) => JSON.parse(c.kubectl(["-n", ns, "get", "pods", "-o", "json"])).items as PodView[])
      .filter((p) => isReady(p) && (p.spec.initContainers ?? []).some((x) => x.name === "weft-proxy"))
      .map((p) => `http://${p.status?.podIP}:${SIDECAR_ADMIN}`);
    const gw = pods(c, n.shop, "gateway.networking.k8s.io/gateway-name=public").filter(isReady).map((p) => `http://${p.status?.podIP}:${GATEWAY_ADMIN}`);
    return [...meshed, ...gw];
  };
  /** Runs a step; a failure carries what issue 15 item 4 asks for. */
  const step = async <T>(name: string, fn: () => Promise<T> | T, proxies: () => string[] = () => []): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      let admins: string[];
      try {
        admins = proxies();
      } catch {
        admins = [];
      }
      const namespaces = n === undefined ? [WEFT_NAMESPACE] : [n.shop, n.client, n.legacy, WEFT_NAMESPACE];
      throw new Error(`journey step "${name}" failed: ${msg}\n${failureReport(c, { namespaces, proxyAdmins: admins, routes: n === undefined ? [] : routes() })}`, { cause: e });
    }
  };
  const viaGateway = async (headers: Record<string, string> = {}): Promise<{ status: number; web: string; upstream: number; version: string; pod: string }> => {
    const a = await request(gatewayUrl, false, headers);
    let b: { service?: string; upstream?: { status?: number; body?: { version?: string; pod?: string } } } = {};
    try {
      b = JSON.parse(a.body);
    } catch { /* not JSON: reported through status */ }
    return { status: a.status, web: b.service ?? "", upstream: b.upstream?.status ?? 0, version: b.upstream?.body?.version ?? "", pod: b.upstream?.body?.pod ?? "" };
  };
  const counts = (ns: string, from: string, url: string, times: number, headers: Record<string, string> = {}): Counts =>
    JSON.parse(inPod(c, ns, pod(ns, from).metadata.name, countScript(url, times, headers))) as Counts;

  beforeAll(async () => {
    c = sharedCluster();
    // Up by step 6; the installed proxies export to it (weft-install.ts).
    applyExampleJaeger(c);
  }, 120_000);

  afterAll(() => {
    figures["journeyMs"] = Date.now() - started;
    figures["clusterStartMs"] = c?.info.timings["total"];
    process.stdout.write(`${JSON.stringify({ figure: "real-node-journey", ...figures })}\n`);
    if (c !== undefined) deleteExampleJaeger(c);
  });

  it("1. helm install: the controller becomes Ready and GatewayClass weft is Accepted", () =>
    step("install", async () => {
      figures["chartInstallMs"] = installWeft(c);
      await until("both controller replicas Ready",
        () => (c.kubectl(["-n", WEFT_NAMESPACE, "get", "deploy", "weft-controller", "-o", "jsonpath={.status.readyReplicas}"]).trim() === "2" ? true : undefined), 120_000, none);
      await until("GatewayClass weft Accepted", () => {
        const gc = JSON.parse(c.kubectl(["get", "gatewayclass", "weft", "-o", "json"])) as { status?: { conditions?: { type: string; status: string }[] } };
        return gc.status?.conditions?.some((x) => x.type === "Accepted" && x.status === "True") === true ? true : undefined;
      }, 60_000, none);
    }), 420_000);

  it("2. labelled namespaces: Deployments come up injected, capturing, probed through the sidecar, with the chart's limits", () =>
    step("workloads", async () => {
      const inject = { "weft.dev/inject": "enabled" };
      n = { shop: c.namespace("shop", inject), client: c.namespace("client", inject), legacy: c.namespace("legacy") };
      const applied = Date.now();
      c.kubectl(["apply", "-f", "-"], workloads(n));
      await until("the web pod Ready", () => readyPod(c, n.shop, "web"), 180_000, none);
      figures["podWithSidecarReadyMs"] = Date.now() - applied;
      for (const ns of [n.shop, n.client, n.legacy]) c.kubectl(["-n", ns, "wait", "--for=condition=Available", "deployment", "--all", "--timeout=240s"], undefined, 250_000);
      figures["allWorkloadsReadyMs"] = Date.now() - applied;

      for (const ns of [n.shop, n.client]) {
        for (const p of JSON.parse(c.kubectl(["-n", ns, "get", "pods", "-o", "json"])).items as PodView[]) {
          const init = p.spec.initContainers ?? [];
          expect(init.map((x) => x.name), p.metadata.name).toEqual(["weft-init", "weft-proxy"]);
          const sidecar = init[1]!;
          expect(sidecar.restartPolicy).toBe("Always");
          // The chart's sidecar resources (values.yaml proxy.resources; the test install lowers only the CPU request).
          expect(sidecar.resources).toEqual({ requests: { cpu: SIDECAR_CPU_REQUEST, memory: "64Mi" }, limits: { memory: "256Mi" } });
          const app = p.spec.containers.find((x) => x.name === "app")!;
          expect(app.readinessProbe?.httpGet?.port, `${p.metadata.name} readiness probe points at the sidecar`).toBe(SIDECAR_ADMIN);
          expect(app.livenessProbe?.httpGet?.port).toBe(SIDECAR_ADMIN);
          expect(isReady(p), `${p.metadata.name} Ready`).toBe(true);
          const log = c.kubectl(["-n", ns, "logs", p.metadata.name, "-c", "weft-proxy"]);
          expect(log, `${p.metadata.name}: capture recovers original destinations through the image's addon`).toMatch(/"originalDst":"addon"/);
        }
      }
      const secure = pod(n.shop, "secure").spec.initContainers!.find((x) => x.name === "weft-proxy")!;
      expect(secure.env?.find((e) => e.name === "WEFT_INBOUND_MTLS")?.value).toBe("strict");
      const legacy = pod(n.legacy, "legacy");
      expect([...(legacy.spec.initContainers ?? []), ...legacy.spec.containers].map((x) => x.name)).toEqual(["app"]);
      const web = pod(n.shop, "web");
      figures["sidecarIdleWorkingSetMiB"] = mib(await until("the web sidecar's working set", () => workingSetBytes(c, n.shop, web.metadata.name, "weft-proxy"), 60_000, none));
    }), 420_000);

  it("3. a Gateway of class weft is provisioned, Programmed and reachable at its status address", () =>
    step("gateway", async () => {
      c.kubectl(["apply", "-f", "-"], gateway(n));
      const address = await until("Gateway public Programmed with an address", () => {
        const gw = JSON.parse(c.kubectl(["-n", n.shop, "get", "gateway", "public", "-o", "json"])) as { status?: { conditions?: { type: string; status: string }[]; addresses?: { value: string }[] } };
        return gw.status?.conditions?.some((x) => x.type === "Programmed" && x.status === "True") === true ? gw.status.addresses?.[0]?.value : undefined;
      }, 180_000, none);
      gatewayUrl = `http://${address}/`;
      const first = await until("an answer from web through the Gateway", async () => {
        const a = await viaGateway();
        return a.status === 200 && a.web === "web" ? a : undefined;
      }, 60_000, none);
      expect(first.upstream, "web reached reviews through its sidecar").toBe(200);
    }, proxyAdmins), 300_000);

  it("4-5. producer split with a header override, consumer route, GRPCRoute by method, mTLS, strict mode, route status", () =>
    step("routes", async () => {
      c.kubectl(["apply", "-f", "-"], producerRoute(n, 90));
      c.kubectl(["apply", "-f", "-"], consumerAndGrpcRoutes(n));
      for (const r of routes()) {
        await until(`${r.kind} ${r.ns}/${r.name} Accepted, ResolvedRefs and Programmed by every proxy serving it`, async () => {
          const cond = routeConditions(c, r.ns, r.kind, r.name);
          const want = await proxiesServing(clusterProxyAdmins(c), r.key);
          const programmed = cond.find((x) => x.type === "weft.dev/Programmed");
          const ok = cond.some((x) => x.type === "Accepted" && x.status === "True") && cond.some((x) => x.type === "ResolvedRefs" && x.status === "True")
            && want > 0 && programmed?.status === "True" && programmed.message.startsWith(`applied by ${want}/${want} proxies`);
          if (!ok) throw new Error(`${want} proxies serve it; conditions: ${JSON.stringify(cond)}`);
          return true;
        }, 60_000, none);
      }
      // From outside: the gateway → web (its sidecar applies the shop namespace's producer route to reviews).
      const versions: Record<string, number> = {};
      for (let i = 0; i < 200; i++) {
        const a = await viaGateway();
        expect([a.status, a.upstream], `request ${i}`).toEqual([200, 200]);
        versions[a.version] = (versions[a.version] ?? 0) + 1;
      }
      figures["split200"] = versions;
      // 90/10 (without the route, kube-proxy's spread over 1 v1 and 2 v2 pods would give v1 about a third).
      expect(versions["v1"]).toBeGreaterThanOrEqual(150);
      expect(versions["v2"]).toBeGreaterThanOrEqual(3);
      for (let i = 0; i < 20; i++) expect((await viaGateway({ "x-version": "v2" })).version, "x-version: v2 overrides the split").toBe("v2");

      // Pod to pod by Service DNS name: the client namespace's consumer route wins for its clients.
      const fromClient = counts(n.client, "client", `http://reviews.${n.shop}.svc.cluster.local/`, 30);
      expect(fromClient).toMatchObject({ statuses: { 200: 30 }, versions: { v2: 30 }, errors: [] });
      // GRPCRoute by method: Say goes to echo-v2, not to the Service's own pods.
      for (let i = 0; i < 3; i++) {
        const out = c.kubectl(["-n", n.client, "exec", pod(n.client, "client").metadata.name, "-c", "app", "--", "node", "/app/examples/apps/grpc-call.ts", "--target",
          `echo.${n.shop}.svc.cluster.local:7070`, "--message", `m${i}`], undefined, 30_000);
        expect(JSON.parse(out)).toMatchObject({ message: `m${i}`, pod: expect.stringMatching(/^echo-v2-/) });
      }
      // Over mTLS: the reviews sidecars saw web's and the client's SPIFFE identities.
      const reviewsLogs = pods(c, n.shop, "app=reviews").map((p) => c.kubectl(["-n", n.shop, "logs", p.metadata.name, "-c", "weft-proxy"])).join("\n");
      expect(reviewsLogs).toContain(`"peerIdentity":"spiffe://cluster.local/ns/${n.shop}/sa/default"`);
      expect(reviewsLogs).toContain(`"peerIdentity":"spiffe://cluster.local/ns/${n.client}/sa/default"`);
      // Meshed client → unmeshed service: plaintext, answered.
      expect(counts(n.client, "client", `http://legacy.${n.legacy}.svc.cluster.local/`, 5)).toMatchObject({ statuses: { 200: 5 }, errors: [] });
      // Strict mode: plaintext from the unmeshed pod is refused; the meshed client gets through; a permissive pod answers plaintext.
      const secureIp = pod(n.shop, "secure").status?.podIP;
      const plain = counts(n.legacy, "legacy", `http://${secureIp}:8080/`, 3);
      expect(plain.statuses, "plaintext to a strict pod must not be answered").toEqual({});
      expect(plain.errors).toHaveLength(3);
      expect(counts(n.legacy, "legacy", `http://secure.${n.shop}.svc.cluster.local/`, 2).errors).toHaveLength(2);
      expect(counts(n.legacy, "legacy", `http://web.${n.shop}.svc.cluster.local/`, 2)).toMatchObject({ statuses: { 200: 2 } });
      expect(counts(n.client, "client", `http://secure.${n.shop}.svc.cluster.local/`, 3)).toMatchObject({ statuses: { 200: 3 }, errors: [] });
      const secureLog = c.kubectl(["-n", n.shop, "logs", pod(n.shop, "secure").metadata.name, "-c", "weft-proxy"]).split("\n");
      expect(secureLog.filter((l) => l.includes("inbound.refused") && l.includes("strict mTLS")), "the secure sidecar logs its refusals").not.toHaveLength(0);
    }, proxyAdmins), 300_000);

  it("6. traces in the in-cluster Jaeger (examples/jaeger): one per request, a service per workload, true timelines, reasons; Prometheus's metrics linter passes every /metrics",
    () =>
      step("traces and metrics", async () => {
        const t0 = Date.now();
        const jaeger = await exampleJaeger(c);
        figures["jaegerReadyWaitMs"] = Date.now() - t0;
        const S = n.shop;
        // The test is a traced client: its span (service CLIENT) is each trace's root, the gateway's span its child.
        const traced = async (path: string, headers: Record<string, string> = {}): Promise<{ traceId: string; status: number; body: string }> => {
          const traceId = randomBytes(16).toString("hex");
          const spanId = randomBytes(8).toString("hex");
          const startMs = spanClockMs();
          const a = await request(`${gatewayUrl}${path}`, false, { ...headers, traceparent: `00-${traceId}-${spanId}-01` });
          const endMs = spanClockMs();
          await sendClientSpan(jaeger.otlpHttp, { service: CLIENT, traceId, spanId, name: `GET /${path}`, startMs, endMs, httpStatus: a.status });
          return { traceId, ...a };
        };
        // Through the gateway to web → reviews (the split, and v2 by header), and to a Service without endpoints.
        const sent: { traceId: string; version: string }[] = [];
        const asks: Record<string, string>[] = [{}, {}, {}, {}, { "x-version": "v2" }, { "x-version": "v2" }, { "x-version": "v2" }];
        for (const headers of asks) {
          const a = await traced("", headers);
          const b = JSON.parse(a.body) as { upstream?: { status?: number; body?: { version?: string } } };
          expect([a.status, b.upstream?.status]).toEqual([200, 200]);
          sent.push({ traceId: a.traceId, version: b.upstream?.body?.version ?? "" });
        }
        const refused = await traced("ghost");
        expect(refused.status).toBe(503);

        const waited = Date.now();
        const roots = (t: JaegerTrace): JaegerSpan[] => t.spans.filter((s) => !t.spans.some((p) => p.spanId === s.parentId));
        const traces: JaegerTrace[] = [];
        for (const { traceId, version } of sent) {
          // Complete: one root (the client's), and the reviews sidecar's inbound span has its call to the app under it.
          traces.push(
            await until(`trace ${traceId} from the client through the gateway, web and reviews-${version}`, async () => {
              const t = await jaeger.trace(traceId);
              if (t === undefined) throw new Error("not in Jaeger yet");
              const last = t.spans.some((s) => s.service === `reviews-${version}.${S}` && t.spans.some((x) => x.parentId === s.spanId));
              if (roots(t).length !== 1 || roots(t)[0]!.service !== CLIENT || !last) throw new Error(`${t.spans.length} spans so far:\n${spanTree(t)}`);
              return t;
            }, 30_000, none),
          );
        }
        const ghost = await until(`trace ${refused.traceId} of the request to a Service without endpoints`, async () => {
          const t = await jaeger.trace(refused.traceId);
          return t !== undefined && t.spans.length >= 2 && roots(t).length === 1 ? t : undefined;
        }, 30_000, none);
        figures["traceWaitMs"] = Date.now() - waited;

        // True timelines: no clock-skew adjustment, no orphan, every child inside its parent.
        expect([...traces, ghost].flatMap((t) => traceProblems(t).map((p) => `${t.traceId}: ${p}`))).toEqual([]);
        // One service per workload, `<workload>.<namespace>`; the pod and the namespace on every process.
        const podNames = new Set((JSON.parse(c.kubectl(["-n", S, "get", "pods", "-o", "json"])).items as PodView[]).map((p) => p.metadata.name));
        const meshSpans = [...traces, ghost].flatMap((t) => t.spans).filter((sp) => sp.service !== CLIENT);
        for (const sp of meshSpans) {
          const p = sp.process;
          const label = `${sp.service} "${sp.name}" ${JSON.stringify(p)}`;
          expect(p["k8s.namespace.name"], label).toBe(S);
          // The chart's tracing.otelEnv reached the gateway and every sidecar (through the controller).
          expect(p["deployment.environment.name"], label).toBe(TRACE_ENVIRONMENT);
          expect(podNames.has(String(p["k8s.pod.name"])), `${label}: k8s.pod.name is a pod of ${S}`).toBe(true);
          if (p["weft.proxy.mode"] === "gateway") {
            expect(sp.service, label).toBe(`public.${S}`);
            expect(String(p["k8s.pod.name"]), label).toMatch(/^weft-gw-public-/);
          } else {
            expect(sp.service, label).toBe(`${String(p["k8s.deployment.name"])}.${S}`);
            expect(String(p["k8s.pod.name"]).startsWith(`${String(p["k8s.deployment.name"])}-`), label).toBe(true);
          }
        }
        const seen = [...new Set(traces.flatMap((t) => t.spans.map((sp) => sp.service)).filter((x) => x !== CLIENT))].sort();
        expect(seen).toEqual([...new Set([`public.${S}`, `web.${S}`, ...sent.map((x) => `reviews-${x.version}.${S}`)])].sort());
        const services = await jaeger.services();
        figures["jaegerServices"] = services;
        expect(services).toEqual(expect.arrayContaining(seen));
        const workloads = ["public", "web", "reviews-v1", "reviews-v2", "echo", "echo-v2", "secure", "client"];
        for (const name of services.filter((x) => x.endsWith(`.${S}`) || x.endsWith(`.${n.client}`))) {
          expect(workloads, `Jaeger service ${name} is one of the journey's workloads`).toContain(name.slice(0, name.lastIndexOf(".")));
        }
        expect(services).not.toContain("weft-proxy");
        // The request's story: each hop names its route; the refused request says why.
        for (const t of traces) {
          const routesSeen = new Set(t.spans.map((sp) => String(sp.tags["weft.route"] ?? "")));
          expect([...routesSeen].some((r) => r.includes("web")), `route names on spans: ${[...routesSeen].join(", ")}`).toBe(true);
          expect([...routesSeen].some((r) => r.includes("reviews")), `route names on spans: ${[...routesSeen].join(", ")}`).toBe(true);
        }
        const ghostGateway = ghost.spans.find((sp) => sp.parentId === roots(ghost)[0]!.spanId);
        expect(ghostGateway?.service).toBe(`public.${S}`);
        expect(ghostGateway?.tags).toMatchObject({ "http.response.status_code": 503, "weft.error": "no_endpoints", "error.type": "no_endpoints", error: true });
        for (const sp of meshSpans.filter((x) => x.tags["error"] === true)) {
          expect(sp.tags["error.type"], `${sp.service} "${sp.name}" is an error span with a reason`).toBe(sp.tags["weft.error"]);
        }
        figures["traceTree"] = spanTree(traces[0]!, ["http.route", "url.path", "url.scheme", "http.response.status_code", "weft.backend", "weft.peer.identity"]).split("\n");
        figures["ghostTree"] = spanTree(ghost, ["http.response.status_code", "weft.error", "error.type"]).split("\n");

        const targets = [
          `http://${pod(n.shop, "web").status?.podIP}:${SIDECAR_ADMIN}/metrics`,
          ...pods(c, n.shop, "gateway.networking.k8s.io/gateway-name=public").filter(isReady).map((p) => `http://${p.status?.podIP}:${GATEWAY_ADMIN}/metrics`),
          ...pods(c, WEFT_NAMESPACE, "app.kubernetes.io/name=weft").filter(isReady).map((p) => `http://${p.status?.podIP}:${CONTROLLER_ADMIN}/metrics`),
        ];
        expect(targets.length).toBeGreaterThanOrEqual(4);
        for (const url of targets) expect(await promlintProblems(url), `promlint (promtool check metrics) ${url}`).toBe("");
      }, proxyAdmins), 180_000);

  it("7. a route edit takes effect; the controller and the gateway restart under load without a failed request; a killed backend is left", () =>
    step("operations", async () => {
      // Edit: all of reviews to v2.
      c.kubectl(["apply", "-f", "-"], producerRoute(n, 0));
      const edited = Date.now();
      let streak = 0;
      let firstOfStreak = 0;
      await until("20 answers in a row from v2 after the edit", async () => {
        const a = await viaGateway();
        if (a.version === "v2") { if (streak++ === 0) firstOfStreak = Date.now(); }
        else streak = 0;
        return streak >= 20 ? true : undefined;
      }, 30_000, none);
      figures["routeEditEffectiveMs"] = firstOfStreak - edited;

      // Delete the leading controller pod under load.
      const check = (a: { body: string }): string | undefined => ((JSON.parse(a.body) as { upstream?: { status?: number } }).upstream?.status === 200 ? undefined : `upstream ${a.body.slice(0, 120)}`);
      const lease = c.kubectl(["-n", WEFT_NAMESPACE, "get", "lease", "weft-controller", "-o", "jsonpath={.spec.holderIdentity}"]).trim();
      const controllers = pods(c, WEFT_NAMESPACE, "app.kubernetes.io/name=weft").map((p) => p.metadata.name);
      const victim = controllers.find((p) => lease.startsWith(`${p}-`)) ?? controllers[0]!;
      const duringControllerLoss = load(gatewayUrl, false, 3_000, 120_000, { check });
      c.kubectl(["-n", WEFT_NAMESPACE, "delete", "pod", victim, "--wait=false"]);
      await until("a replacement controller Ready and the deleted one gone", () => {
        const now = pods(c, WEFT_NAMESPACE, "app.kubernetes.io/name=weft");
        return now.filter(isReady).length === 2 && !now.some((p) => p.metadata.name === victim) ? true : undefined;
      }, 120_000, none);
      await until("every proxy connected again (both replicas' weft_proxies_connected add up)", async () => {
        const admins = clusterProxyAdmins(c);
        let sum = 0;
        for (const p of pods(c, WEFT_NAMESPACE, "app.kubernetes.io/name=weft").filter(isReady)) {
          const text = await (await fetch(`http://${p.status?.podIP}:${CONTROLLER_ADMIN}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
          sum += Number(/^weft_proxies_connected (\d+)/m.exec(text)?.[1] ?? 0);
        }
        if (sum !== admins.length) throw new Error(`${sum} proxies connected, ${admins.length} running`);
        return true;
      }, 60_000, none);
      for (const r of routes()) {
        await until(`${r.kind} ${r.name} programmed by every proxy serving it after the controller restart`, async () => {
          const want = await proxiesServing(clusterProxyAdmins(c), r.key);
          const p = routeConditions(c, r.ns, r.kind, r.name).find((x) => x.type === "weft.dev/Programmed");
          if (p?.status !== "True" || !p.message.startsWith(`applied by ${want}/${want} proxies`)) throw new Error(`want ${want}/${want}, status says ${p?.message}`);
          return true;
        }, 60_000, none);
      }
      const controllerLoss = await duringControllerLoss.stop();
      expect(controllerLoss.failed, `failed while the controller restarted: ${controllerLoss.failed.slice(0, 5).join("; ")}`).toEqual([]);
      figures["controllerRestart"] = { ok: controllerLoss.ok, failed: controllerLoss.failed.length };

      // Roll the gateway under load (new connections and one kept alive), sampling web's sidecar memory.
      const gwPods = pods(c, n.shop, "gateway.networking.k8s.io/gateway-name=public").map((p) => p.metadata.name);
      const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
      const loads = [load(gatewayUrl, false, 5_000, 150_000, { check }), load(gatewayUrl, keepAlive, 5_000, 150_000, { check })];
      const web = pod(n.shop, "web").metadata.name;
      const sampler = workingSetPeak(c, n.shop, web, "weft-proxy");
      try {
        // kubectlAsync: a synchronous kubectl would stop this process's load for the whole rollout.
        await c.kubectlAsync(["-n", n.shop, "rollout", "restart", "deployment/weft-gw-public"]);
        await c.kubectlAsync(["-n", n.shop, "rollout", "status", "deployment/weft-gw-public", "--timeout=120s"], 130_000);
        await until("the old gateway pod gone", () => (pods(c, n.shop, "gateway.networking.k8s.io/gateway-name=public").some((p) => gwPods.includes(p.metadata.name)) ? undefined : true), 60_000,
          none);
      } finally {
        const peak = sampler.stop();
        const results = await Promise.all(loads.map((l) => l.stop()));
        keepAlive.destroy();
        const failed = results.flatMap((r) => r.failed);
        figures["gatewayRoll"] = { fresh: results[0]!.ok, keptAlive: results[1]!.ok, failed: failed.length };
        figures["sidecarUnderLoadWorkingSetMiB"] = mib(peak);
        expect(failed, `failed during the gateway rollout: ${failed.slice(0, 5).join("; ")}`).toEqual([]);
      }

      // Printed, not judged (issue 18 goal 4): web's sidecar working set as the kubelet reports it at 1,000
      // req/s through the Gateway for 20 s (gateway → web's sidecar → web → its sidecar → reviews), beside
      // the idle figure of step 2 and the rate the node answered.
      // Beside it, the container's own cgroup sampled every 250 ms (container-memory.ts): its peak working set
      // and what that is made of, the most sockets the sidecar held, and the kernel's high-water mark.
      const paced = new Agent({ keepAlive: true, maxSockets: 64 });
      const pacedSampler = workingSetPeak(c, n.shop, web, "weft-proxy");
      const cgroup = memoryPeak(containerMemoryCgroup(c.info.dir, JSON.parse(c.kubectl(["-n", n.shop, "get", "pod", web, "-o", "json"])) as PodRef, "weft-proxy"));
      try {
        const r = await pacedLoad(gatewayUrl, paced, 1_000, 20_000);
        figures["sidecarAt1000rps"] = { idleWorkingSetMiB: figures["sidecarIdleWorkingSetMiB"], peakWorkingSetMiB: mib(pacedSampler.stop()), cgroupPeak: cgroup.stop(), ...r };
      } finally {
        pacedSampler.stop();
        cgroup.stop();
        paced.destroy();
      }
      expect((figures["sidecarAt1000rps"] as { cgroupPeak: MemoryPeak }).cgroupPeak.workingSetMiB, "web's sidecar's memory cgroup found and read").not.toBeNull();

      // Kill one of the two v2 pods (all traffic goes to v2 now): its peers stop sending to it.
      const v2 = pods(c, n.shop, "app=reviews,version=v2").filter(isReady).map((p) => p.metadata.name);
      expect(v2).toHaveLength(2);
      const killed = v2[0]!;
      c.kubectl(["-n", n.shop, "delete", "pod", killed, "--grace-period=0", "--force"]);
      const tKill = Date.now();
      let clean = 0;
      let failures = 0;
      await until(`30 answers in a row, none from ${killed}`, async () => {
        const a = await viaGateway().catch(() => undefined);
        if (a !== undefined && a.status === 200 && a.upstream === 200 && a.pod !== killed) clean++;
        else {
          clean = 0;
          failures++;
        }
        return clean >= 30 ? true : undefined;
      }, 60_000, none);
      figures["backendKill"] = { recoveredMs: Date.now() - tKill, failedMeanwhile: failures };
    }, proxyAdmins), 480_000);

  it("8. the namespace un-labelled and web restarted: no sidecar, traffic still flows", () =>
    step("un-label", async () => {
      const before = pod(n.shop, "web").metadata.name;
      c.kubectl(["label", "namespace", n.shop, "weft.dev/inject-"]);
      c.kubectl(["-n", n.shop, "rollout", "restart", "deployment/web"]);
      c.kubectl(["-n", n.shop, "rollout", "status", "deployment/web", "--timeout=180s"], undefined, 190_000);
      const after = await until("the new web pod Ready and the old one gone", () => {
        const all = pods(c, n.shop, "app=web");
        return all.length === 1 && all[0]!.metadata.name !== before && isReady(all[0]!) ? all[0] : undefined;
      }, 120_000, none);
      expect([...(after.spec.initContainers ?? []), ...after.spec.containers].map((x) => x.name)).toEqual(["app"]);
      await until("web answers through the Gateway in plaintext and reaches reviews", async () => {
        const a = await viaGateway();
        return a.status === 200 && a.upstream === 200 ? true : undefined;
      }, 60_000, none);
      for (let i = 0; i < 10; i++) expect(await viaGateway().then((a) => [a.status, a.upstream])).toEqual([200, 200]);
    }, proxyAdmins), 300_000);
});
