// local-jaeger e2e: what a user sees in Jaeger after `npm start` — `weft local` on a temp copy of
// examples/local (other loopback IPs, free ports, plus a route to a Service without endpoints and one to a
// missing backend) exporting over OTLP/HTTP to a real Jaeger (test/support/jaeger.ts), with requests like
// the banner's. Read back through Jaeger's HTTP API, as its UI shows them:
// - one Jaeger service per workload (each demo pod, the Gateway), each process carrying its pod and namespace;
// - no span with a warning (clock-skew adjustment) and every child inside its parent;
// - span names and attributes per the HTTP/RPC conventions, and Weft's reason on every refused request.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { jaegerTier, spanTree, startJaeger, traceProblems, type Jaeger, type JaegerSpan, type JaegerTrace } from "../support/jaeger.ts";
import { NODE_BIN_PATH, REPO, httpGet, killTree } from "./support/e2e-helpers.ts";
import { copyLocalExample, startWeftLocal, type WeftLocalRun } from "./support/weft-local.ts";

// Below the kernel's ephemeral range and apart from the other local-mode e2e files' ports and IPs.
const BASE = 16000 + (process.pid % 10) * 200;
const GATEWAY_PORT = BASE + 95;
const GW = `http://127.0.0.1:${GATEWAY_PORT}`;
const EXTRA = `
apiVersion: v1
kind: Service
metadata: { name: ghost, namespace: demo }
spec: { clusterIP: 127.0.216.9, ports: [{ name: http, port: 9090, targetPort: 9090 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: broken, namespace: demo }
spec:
  parentRefs: [{ name: public, sectionName: http }]
  rules:
    - matches: [{ path: { type: PathPrefix, value: /ghost } }]
      backendRefs: [{ name: ghost, port: 9090 }]
    - matches: [{ path: { type: PathPrefix, value: /missing } }]
      backendRefs: [{ name: nowhere, port: 80 }]
`;
const KEYS = ["http.route", "url.path", "url.scheme", "http.response.status_code", "rpc.grpc.status_code", "weft.error", "error.type", "weft.backend"];

let dir = "";
let jaeger: Jaeger | undefined;
let run: WeftLocalRun | undefined;
let traces: JaegerTrace[] = [];

const byPath = (path: string): JaegerTrace => {
  const t = traces.find((x) => x.spans.some((s) => s.parentId === "" && s.tags["url.path"] === path));
  if (t === undefined) throw new Error(`no trace whose root has url.path ${path}; roots: ${traces.map((x) => x.spans.find((s) => s.parentId === "")?.name).join(", ")}`);
  return t;
};
const root = (t: JaegerTrace): JaegerSpan => t.spans.find((s) => s.parentId === "")!;

function grpcCall(authority: string, extra: string[] = []): Promise<string> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["examples/apps/grpc-call.ts", "--target", `127.0.0.1:${GATEWAY_PORT}`, "--authority", authority, ...extra], { cwd: REPO, env: { ...process.env, PATH: NODE_BIN_PATH },
      timeout: 20_000 }, (_e, out, err) => resolve(`${out}${err}`));
  });
}

jaegerTier.describe("weft local traces in a real Jaeger", () => {
  beforeAll(async () => {
    jaeger = await startJaeger();
    dir = mkdtempSync(join(tmpdir(), "weft-e2e-jaeger-"));
    copyLocalExample(dir, "127.0.216.", "127.0.226.");
    writeFileSync(join(dir, "40-broken.yaml"), EXTRA);
    run = startWeftLocal(process.execPath, ["--dir", dir, "--base-port", String(BASE), "--gateway-port", String(GATEWAY_PORT)], {
      env: { ...process.env, PATH: NODE_BIN_PATH, WEFT_TRACING_ENDPOINT: jaeger.otlpHttp, WEFT_TRACING_PROTOCOL: "http", OTEL_SERVICE_NAME: "", OTEL_RESOURCE_ATTRIBUTES: "" },
    });
    await run.banner;
    // The banner's requests (bounded: 24 in all), then the refused ones.
    for (let i = 0; i < 6; i++) {
      expect((await httpGet(`${GW}/`, { "user-agent": "weft-e2e/1", "x-request-id": `rid-web-${i}` })).status).toBe(200);
      expect((await httpGet(`${GW}/reviews`, { "x-version": "v2" })).status).toBe(200);
      expect((await httpGet(`${GW}/reviews`)).status).toBe(200);
    }
    expect(await grpcCall("grpc.demo.local", ["--message", "hello"])).toContain("hello");
    expect((await httpGet(`${GW}/ghost`)).status).toBe(503);
    expect((await httpGet(`${GW}/missing`)).status).toBe(500);
    expect((await httpGet(`${GW}/nothing-here`, { host: "grpc.demo.local" })).status).toBe(404);
    expect((await httpGet(`${GW}/reviews?token=s3cret&page=2`, { "x-version": "v2" })).status).toBe(200);
    // Every request has its trace once the batch exporters (5 s) flushed: 18 + 1 + 3 + 1.
    // A trace is complete once every client span that reached a pod (not its own app on 127.0.0.1) has that pod's server span under it.
    const complete = (t: JaegerTrace): boolean =>
      t.spans.every((s) =>
        s.tags["span.kind"] !== "client" || s.tags["server.address"] === "127.0.0.1"
        || s.tags["http.response.status_code"] === undefined || t.spans.some((c) => c.parentId === s.spanId)
      );
    traces = await jaeger.waitForTraces(undefined, (ts) => ts.length >= 23 && ts.every(complete), 30_000);
  }, 240_000);

  afterAll(async () => {
    killTree(run?.proc);
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
    await jaeger?.stop();
  });

  jaegerTier.it("one service per workload: the Gateway and each demo pod, with its pod and namespace on the process", async () => {
    expect(await jaeger!.services()).toEqual(["echo-grpc-0.demo", "public.demo", "reviews-v1-0.demo", "reviews-v2-0.demo", "web-0.demo"]);
    const longest = traces.find((t) => t.spans.length === 8)!;
    expect(new Set(longest.spans.map((s) => s.service)).size, "services in the 8-span trace").toBe(3);
    for (const s of traces.flatMap((t) => t.spans)) {
      expect(s.process["k8s.namespace.name"], s.service).toBe("demo");
      expect(s.process["service.namespace"], s.service).toBe("demo");
      expect(typeof s.process["k8s.pod.name"], s.service).toBe("string");
      expect(s.process["service.instance.id"], s.service).toBe(`demo.${String(s.process["k8s.pod.name"])}.${s.service === "public.demo" ? "proxy" : "weft-proxy"}`);
      expect(s.process["telemetry.sdk.language"]).toBe("nodejs");
      expect(typeof s.process["host.name"]).toBe("string");
    }
    const pods = new Map(traces.flatMap((t) => t.spans).map((s) => [s.service, s.process["k8s.pod.name"]]));
    expect(Object.fromEntries(pods)).toMatchObject({ "public.demo": "public-gateway", "web-0.demo": "web-0", "reviews-v2-0.demo": "reviews-v2-0" });
  });

  jaegerTier.it("true timelines: no clock-skew warning, every child inside its parent", () => {
    const problems = traces.flatMap((t) => traceProblems(t).map((p) => `${t.traceId}: ${p}`));
    for (const t of traces.filter((x) => traceProblems(x).length > 0).slice(0, 2))
      console.log(t.spans.map((s) => `${s.service} ${s.name} start=${s.startUs} end=${s.startUs + s.durationUs} ${JSON.stringify(s.tags)}`).join("\n"));
    expect(problems).toEqual([]);
    expect(traces.reduce((n, t) => n + t.spans.length, 0)).toBeGreaterThan(100);
  });

  jaegerTier.it("the request's story: names and attributes per the HTTP conventions on every hop", () => {
    // One of this test's GET / (weft local itself may ask the gateway for / once).
    const t = traces.find((x) => x.spans.length === 8 && String(root(x).tags["http.request.header.x-request-id"]).includes("rid-web-"))!;
    expect(t, "an 8-span trace for GET /").toBeDefined();
    console.log(`span tree of ${t.traceId}:\n${spanTree(t, KEYS)}`);
    const r = root(t);
    expect(r).toMatchObject({ service: "public.demo", name: "GET /*" });
    expect(r.tags).toMatchObject({ "url.path": "/", "url.scheme": "http", "client.address": "127.0.0.1", "user_agent.original": "weft-e2e/1", "http.response.status_code": 200 });
    expect(String(r.tags["http.request.header.x-request-id"])).toMatch(/rid-web-\d/);
    // gateway → web-0 (inbound, its app; the app's call out through web-0's outbound face) → reviews v1 or v2 (inbound, its app).
    const v = t.spans.find((s) => s.service.startsWith("reviews-"))!.service.slice(9, 10);
    expect(spanTree(t)).toBe([
      'public.demo "GET /*"',
      '  public.demo "GET demo/web:80"',
      '    web-0.demo "GET inbound:8000"',
      '      web-0.demo "GET demo/web:80"',
      '        web-0.demo "GET /*"',
      `          web-0.demo "GET demo/reviews-v${v}:9080"`,
      `            reviews-v${v}-0.demo "GET inbound:9080"`,
      `              reviews-v${v}-0.demo "GET demo/reviews:9080"`,
    ].join("\n"));
    // Over mesh mTLS the hop is https: the inbound server spans (with the peer's SPIFFE id) and the client spans calling them.
    for (const s of t.spans.filter((x) => x.tags["weft.peer.identity"] !== undefined)) {
      expect(s.tags["url.scheme"], `${s.service} ${s.name}`).toBe("https");
      expect(t.spans.find((p) => p.spanId === s.parentId)?.tags["url.scheme"]).toBe("https");
    }
    for (const s of t.spans) expect(s.tags["url.path"], `${s.service} ${s.name}`).toBe("/");
  });

  jaegerTier.it("Weft's reason on every refused request, the no-route 404 tagged, HTTP status on gRPC server spans, secrets redacted", () => {
    expect(root(byPath("/ghost")).tags).toMatchObject({ "http.response.status_code": 503, "weft.error": "no_endpoints", "error.type": "no_endpoints", error: true });
    const missing = root(byPath("/missing")).tags;
    expect(missing).toMatchObject({ "http.response.status_code": 500, error: true });
    expect(missing["error.type"]).toBe(missing["weft.error"]);
    expect(String(missing["weft.error"])).toMatch(/^[a-z_]+$/);
    const noRoute = root(byPath("/nothing-here"));
    expect(noRoute.tags).toMatchObject({ "http.response.status_code": 404, "weft.error": "no_route" });
    expect(noRoute.tags["error"]).toBeUndefined();
    const grpc = traces.find((x) => root(x).tags["rpc.system"] === "grpc")!;
    for (const s of grpc.spans) {
      expect(s.tags["rpc.grpc.status_code"], `${s.service} ${s.name}`).toBe(0);
      expect(s.tags["http.response.status_code"], `${s.service} ${s.name}`).toBe(200);
      expect(s.name).toBe("weft.demo.Echo/Say");
    }
    const q = root(byPath("/reviews"));
    expect(traces.map((x) => root(x).tags["url.query"]).filter((v) => v !== undefined)).toEqual(["token=[REDACTED]&page=2"]);
    expect(JSON.stringify(traces)).not.toContain("s3cret");
    expect(q.name).toBe("GET /reviews/*");
  });
});
