// admin app probes: the admin server answers a rewritten kubelet probe by running the original check
// against a real app on loopback — 200 for a 2xx/3xx answer, the app's own 4xx/5xx, 503 with the reason
// when the app is down or too slow; TCP probes by connecting; the probe's headers reach the app; HTTPS
// apps are checked without verifying their certificate (as the kubelet does); gRPC probes by a
// grpc.health.v1 Check against a real @grpc/grpc-js server (its messages encoded by hand here, so the
// proxy's health descriptor is checked on the wire). Paths it was not given 404.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdminServer, type AdminServer } from "../../pkg/proxy/admin/admin-server.ts";
import { createHttpEngine } from "../../pkg/proxy/engine.ts";
import { parseAppProbes } from "../../pkg/util/app-probes.ts";
import { testCa } from "../support/certs.ts";
import { h1 } from "./client.ts";

let app: Server;
let appPort = 0;
let tlsApp: ReturnType<typeof createHttpsServer>;
let tlsPort = 0;
let closedPort = 0;
let admin: AdminServer;
let seen: IncomingHttpHeaders | undefined;
let grpcServer: grpc.Server;
let bare: grpc.Server;
let grpcPort = 0;
let grpcBarePort = 0;
const askedServices: string[] = [];
const engine = createHttpEngine();

const listen = (s: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }): Promise<number> =>
  new Promise((r) => {
    s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port));
  });

beforeAll(async () => {
  app = createServer((req, res) => {
    seen = req.headers;
    const status = Number(new URL(req.url ?? "/", "http://x").searchParams.get("status") ?? 200);
    if (req.url?.startsWith("/slow")) {
      setTimeout(() => res.end("late"), 2500);
      return;
    }
    res.writeHead(status, status === 301 ? { location: "/elsewhere" } : {});
    res.end("app");
  });
  appPort = await listen(app);
  const ca = testCa("admin-probe-ca");
  const leaf = ca.leaf({ cn: "app.local", dns: ["app.local"] });
  tlsApp = createHttpsServer({ key: leaf.keyPem, cert: leaf.certPem }, (_req, res) => {
    res.end("secure");
  });
  tlsPort = await listen(tlsApp);
  // grpc.health.v1.Health/Check, wire format by hand: request field 1 = service (string); response
  // field 1 = status enum (1 SERVING, 2 NOT_SERVING, 3 SERVICE_UNKNOWN).
  grpcServer = new grpc.Server();
  const raw = (b: Buffer) => b;
  grpcServer.addService({
    Check: { path: "/grpc.health.v1.Health/Check", requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
  }, {
    Check: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
      const req = call.request;
      const service = req.length >= 2 && req[0] === 0x0a ? req.subarray(2, 2 + req[1]!).toString() : "";
      askedServices.push(service);
      cb(null, Buffer.from([0x08, service === "" || service === "shop.Reviews" ? 1 : service === "shop.Down" ? 2 : 3]));
    },
  });
  grpcPort = await new Promise<number>((res, rej) => grpcServer.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  // A gRPC server without the health service: the check answers UNIMPLEMENTED.
  bare = new grpc.Server();
  grpcBarePort = await new Promise<number>((res, rej) => bare.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
  const probe = createNetServer();
  closedPort = await listen(probe);
  await new Promise<void>((r) => probe.close(() => r()));
  const http = (path: string, extra: Record<string, unknown> = {}) => ({ kind: "http", port: appPort, path, scheme: "HTTP", headers: [], timeoutSeconds: 1, ...extra });
  const { probes, problems } = parseAppProbes(JSON.stringify({
    "/app-health/web/livez": http("/healthz", { headers: [{ name: "X-Probe", value: "live" }] }),
    "/app-health/web/readyz": http("/ready?status=503"),
    "/app-health/web/startupz": http("/moved?status=301"),
    "/app-health/slow/livez": http("/slow"),
    "/app-health/down/livez": http("/", { port: closedPort }),
    "/app-health/tls/livez": http("/", { port: tlsPort, scheme: "HTTPS" }),
    "/app-health/db/readyz": { kind: "tcp", port: appPort },
    "/app-health/db/livez": { kind: "tcp", port: closedPort },
    "/app-health/g/livez": { kind: "grpc", port: grpcPort, service: "" },
    "/app-health/g/readyz": { kind: "grpc", port: grpcPort, service: "shop.Reviews" },
    "/app-health/g/startupz": { kind: "grpc", port: grpcPort, service: "shop.Down" },
    "/app-health/bare/livez": { kind: "grpc", port: grpcBarePort, service: "" },
    "/app-health/nogrpc/livez": { kind: "grpc", port: closedPort, service: "" },
  }));
  expect(problems).toEqual([]);
  admin = await startAdminServer(engine, { port: 0, host: "127.0.0.1", appProbes: probes });
});

afterAll(async () => {
  await admin.close();
  app.closeAllConnections();
  app.close();
  tlsApp.close();
  grpcServer.forceShutdown();
  bare.forceShutdown();
  await engine.drain(0);
});

describe("admin /app-health", () => {
  it("passes a healthy HTTP probe, with the probe's headers reaching the app", async () => {
    const r = await h1(admin.port, "/app-health/web/livez");
    expect(r.status).toBe(200);
    expect(r.body).toBe(`http ${appPort}/healthz: 200\n`);
    expect(seen?.["x-probe"]).toBe("live");
    expect(seen?.["user-agent"]).toBe("kube-probe/weft");
  });
  it("fails with the app's own status, and passes a redirect as the kubelet does", async () => {
    expect((await h1(admin.port, "/app-health/web/readyz")).status).toBe(503);
    expect((await h1(admin.port, "/app-health/web/startupz")).status).toBe(200);
  });
  it("answers 503 with the reason when the app is down or slower than the probe's timeout", async () => {
    const down = await h1(admin.port, "/app-health/down/livez");
    expect(down.status).toBe(503);
    expect(down.body).toBe(`http ${closedPort}: ECONNREFUSED\n`);
    const slow = await h1(admin.port, "/app-health/slow/livez");
    expect(slow.status).toBe(503);
    expect(slow.body).toBe(`http ${appPort}: timed out after 1s\n`);
  });
  it("checks an HTTPS app without verifying its certificate", async () => {
    expect((await h1(admin.port, "/app-health/tls/livez")).status).toBe(200);
  });
  it("checks TCP probes by connecting", async () => {
    expect((await h1(admin.port, "/app-health/db/readyz")).status).toBe(200);
    const r = await h1(admin.port, "/app-health/db/livez");
    expect(r.status).toBe(503);
    expect(r.body).toBe(`tcp ${closedPort}: ECONNREFUSED\n`);
  });
  it("checks gRPC probes with grpc.health.v1 Check: SERVING passes, anything else fails with its name", async () => {
    expect((await h1(admin.port, "/app-health/g/livez")).status).toBe(200);
    const ready = await h1(admin.port, "/app-health/g/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toBe(`grpc ${grpcPort} shop.Reviews: SERVING\n`);
    expect(askedServices).toEqual(["", "shop.Reviews"]);
    const down = await h1(admin.port, "/app-health/g/startupz");
    expect(down.status).toBe(503);
    expect(down.body).toBe(`grpc ${grpcPort} shop.Down: NOT_SERVING\n`);
    expect((await h1(admin.port, "/app-health/bare/livez")).body).toBe(`grpc ${grpcBarePort}: UNIMPLEMENTED\n`);
    const gone = await h1(admin.port, "/app-health/nogrpc/livez");
    expect(gone.status).toBe(503);
    expect(gone.body).toBe(`grpc ${closedPort}: UNAVAILABLE\n`);
  });
  it("answers 404 for paths it was not given, so it forwards nothing else", async () => {
    expect((await h1(admin.port, "/app-health/web/other")).status).toBe(404);
    expect((await h1(admin.port, "/app-health/")).status).toBe(404);
  });
});
