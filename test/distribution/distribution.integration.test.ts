// Loopback integration: one distribution server, several clients over real gRPC on 127.0.0.1.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { Agent, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createDistributionClient, type DistributionClient } from "../../pkg/distribution/client.ts";
import { createDistributionServer, type DistributionServer, type DistributionServerOptions } from "../../pkg/distribution/server.ts";
import { sliceForProxy, type ProxyIdentity, type ProxySlice } from "../../pkg/distribution/slice.ts";
import { WeftError } from "../../pkg/errors/weft-error.ts";
import { credentials, status } from "@grpc/grpc-js";
import { loadDistributionProto, type DistributionStub, type ProxyMessage } from "../../pkg/distribution/proto.ts";
import type { MeshIR } from "../../pkg/ir/types.ts";
import { canonicalJson } from "../../pkg/util/canonical-json.ts";
import { sampleIr } from "./ir-fixtures.ts";

const sidecar = (ns: string, pod: string): ProxyIdentity => ({ namespace: ns, serviceAccount: "default", pod, kind: "sidecar" });
const gateway: ProxyIdentity = { namespace: "gw", serviceAccount: "edge", pod: "edge-1", kind: "gateway", gatewayNamespace: "gw", gatewayName: "edge" };
const fastBackoff = { initialMs: 20, maxMs: 200 };

interface Harness {
  client: DistributionClient;
  identity: ProxyIdentity;
  configs: { version: string; slice: ProxySlice }[];
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function startServer(ir: MeshIR, port = 0, extra: Parameters<typeof createDistributionServer>[0] = {}): Promise<{ server: DistributionServer; port: number }> {
  const server = createDistributionServer(extra);
  server.setIr(ir);
  const bound = await server.listen(`127.0.0.1:${port}`);
  cleanups.push(() => server.close(0));
  return { server, port: bound };
}

function startClient(port: number, identity: ProxyIdentity, more: Partial<Parameters<typeof createDistributionClient>[0]> = {}): Harness {
  const configs: Harness["configs"] = [];
  const client = createDistributionClient({
    address: `127.0.0.1:${port}`,
    identity,
    backoff: fastBackoff,
    onConfig: (c) => configs.push({ version: c.version, slice: c.slice }),
    ...more,
  });
  cleanups.push(() => client.close());
  void client.start();
  return { client, identity, configs };
}

async function waitFor(what: string, cond: () => boolean, limitMs = 10_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function fakeMetrics() {
  const seen = { pushes: [] as number[], connected: [] as number[], nacks: 0 };
  const metrics = {
    configPushDuration: { observe: (v: number) => void seen.pushes.push(v) },
    proxiesConnected: { set: (v: number) => void seen.connected.push(v) },
    configNacks: { inc: () => void seen.nacks++ },
  } as unknown as NonNullable<DistributionServerOptions["metrics"]>;
  return { seen, metrics };
}

const sameAsServer = (h: Harness, ir: MeshIR): boolean => {
  const cur = h.client.current();
  return cur !== undefined && canonicalJson(cur.slice) === canonicalJson(sliceForProxy(ir, h.identity));
};

describe("distribution over loopback gRPC", () => {
  it("delivers each proxy its slice, then a route change reaches all, and programmedCount follows ACKs", async () => {
    const ir1 = sampleIr(1, 100);
    const { seen, metrics } = fakeMetrics();
    const { server, port } = await startServer(ir1, 0, { metrics });
    const hs = [startClient(port, sidecar("frontend", "a")), startClient(port, sidecar("shop", "b")), startClient(port, gateway)];
    await waitFor("initial configs", () => hs.every((h) => sameAsServer(h, ir1)));
    await waitFor("acks", () => server.proxies().length === 3 && server.proxies().every((p) => p.inSync));
    expect(server.programmedCount("HTTPRoute/bookinfo/reviews-split", 1)).toEqual({ programmed: 2, total: 2 });
    expect(server.programmedCount("HTTPRoute/gw/edge-route", 5)).toEqual({ programmed: 1, total: 1 });
    expect(server.programmedCount("HTTPRoute/frontend/reviews-canary", 3)).toEqual({ programmed: 1, total: 1 });

    const ir2 = sampleIr(2, 50);
    server.setIr(ir2);
    await waitFor("route change everywhere", () => hs.every((h) => sameAsServer(h, ir2)));
    await waitFor("acks of gen 2", () => server.programmedCount("HTTPRoute/bookinfo/reviews-split", 2).programmed === 2);
    expect(server.programmedCount("HTTPRoute/bookinfo/reviews-split", 2)).toEqual({ programmed: 2, total: 2 });
    await waitFor("push duration observed", () => seen.pushes.length === 1);
    expect(seen.connected.at(-1)).toBe(3);
    // The gateway's slice did not change, so it received no second update.
    expect(hs[2]!.configs.length).toBe(1);
    expect(hs[0]!.configs.length).toBe(2);
  });

  it("gatewayProgrammedCount (and the replica report) counts a Gateway's own proxies that acknowledged its current listeners", async () => {
    const ir1 = sampleIr(1, 100);
    const { server, port } = await startServer(ir1);
    // This gateway proxy refuses a second port: the Gateway's new listeners are then held by no proxy.
    const refuseSecondPort = (s: ProxySlice): string | undefined => (s.gateways.some((g) => g.ports.length > 1) ? "second port refused" : undefined);
    const gw = startClient(port, gateway, { validate: refuseSecondPort });
    startClient(port, sidecar("gw", "app"));
    await waitFor("both in sync", () => sameAsServer(gw, ir1) && server.proxies().length === 2 && server.proxies().every((p) => p.inSync));
    expect(server.gatewayProgrammedCount("gw", "edge")).toEqual({ programmed: 1, total: 1 });
    expect(server.gatewayProgrammedCount("gw", "other")).toEqual({ programmed: 0, total: 0 });
    // The same count goes into the report other controller replicas' leader adds up.
    expect(server.programmedReport().get("Gateway/gw/edge")).toEqual({ generation: 0, total: 1, programmed: 1 });
    const edge = ir1.gateways[0]!;
    const ir2: MeshIR = { ...ir1, gateways: [{ ...edge, ports: [...edge.ports, { ...edge.ports[0]!, port: 8443 }] }] };
    server.setIr(ir2);
    await waitFor("the NACK", () => server.proxies().some((p) => p.lastNack?.reason === "second port refused"));
    expect(server.gatewayProgrammedCount("gw", "edge")).toEqual({ programmed: 0, total: 1 });
    expect(server.programmedReport().get("Gateway/gw/edge")).toEqual({ generation: 0, total: 1, programmed: 0 });
    server.setIr(ir1);
    await waitFor("listeners held again", () => server.gatewayProgrammedCount("gw", "edge").programmed === 1);
  });

  it("a NACKed version leaves that proxy on its last good config and is reported", async () => {
    const ir1 = sampleIr(1, 100);
    const { seen, metrics } = fakeMetrics();
    const { server, port } = await startServer(ir1, 0, { metrics });
    const rejectHalf = (s: ProxySlice): string | undefined =>
      s.services.some((svc) => svc.ports.some((p) => p.producer?.http.rules.some((r) => r.backends.some((b) => b.weight === 50))))
        ? "weight 50 not supported here"
        : undefined;
    const picky = startClient(port, sidecar("shop", "picky"), { validate: rejectHalf });
    const easy = startClient(port, sidecar("shop", "easy"));
    await waitFor("initial", () => sameAsServer(picky, ir1) && sameAsServer(easy, ir1));
    const goodVersion = picky.client.current()!.version;

    const ir2 = sampleIr(2, 50);
    server.setIr(ir2);
    await waitFor("easy on v2", () => sameAsServer(easy, ir2));
    await waitFor("nack recorded", () => server.proxies().some((p) => p.lastNack !== undefined));
    expect(picky.client.current()!.version).toBe(goodVersion);
    expect(sameAsServer(picky, ir1)).toBe(true);
    const st = server.proxies().find((p) => p.identity.pod === "picky")!;
    expect(st.lastNack?.reason).toBe("weight 50 not supported here");
    expect(st.ackedVersion).toBe(goodVersion);
    expect(st.inSync).toBe(false);
    expect(seen.nacks).toBe(1);
    await waitFor("push settled by one ACK and one NACK", () => seen.pushes.length === 1);
    await waitFor("easy acked", () => server.programmedCount("HTTPRoute/bookinfo/reviews-split", 2).programmed === 1);
    expect(server.programmedCount("HTTPRoute/bookinfo/reviews-split", 2)).toEqual({ programmed: 1, total: 2 });

    const ir3 = sampleIr(3, 100);
    server.setIr(ir3);
    await waitFor("picky accepts v3", () => sameAsServer(picky, ir3));
    await waitFor("all acked gen 3", () => server.programmedCount("HTTPRoute/bookinfo/reviews-split", 3).programmed === 2);
  });

  it("a server killed under load loses nothing: clients serve their last config and resync when it returns", async () => {
    const ir1 = sampleIr(1, 100);
    const first = await startServer(ir1);
    const hs = Array.from({ length: 5 }, (_, i) => startClient(first.port, sidecar(i % 2 ? "frontend" : "shop", `w${i}`)));
    await waitFor("initial", () => hs.every((h) => sameAsServer(h, ir1)));
    const configsBefore = hs.map((h) => h.configs.length);

    // Local workload: each proxy answers HTTP on loopback with the cluster its current config
    // routes "reviews" to (503 without config); a bounded loop keeps sending requests to all.
    const route = (h: Harness): string | undefined => {
      const port = h.client.current()?.slice.services.find((s) => s.name === "reviews")?.ports[0];
      const table = port?.consumers[h.identity.namespace] ?? port?.producer;
      const backend = table?.http.rules[0]?.backends[0];
      return backend?.kind === "cluster" ? backend.cluster : undefined;
    };
    const workloads = await Promise.all(
      hs.map(async (h) => {
        const srv = createServer((_req, res) => {
          const cluster = route(h);
          res.writeHead(cluster ? 200 : 503).end(cluster ?? "no config");
        });
        await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
        cleanups.push(() => new Promise<void>((r) => srv.close(() => r())));
        return (srv.address() as AddressInfo).port;
      }),
    );
    const agent = new Agent({ keepAlive: true, maxSockets: 5 });
    cleanups.push(() => agent.destroy());
    const get = (port: number): Promise<number> =>
      new Promise((resolve) => {
        const req = request({ host: "127.0.0.1", port, path: "/reviews", agent }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", () => resolve(0));
        req.end();
      });
    let served = 0;
    let failed = 0;
    let stop = false;
    const loadUntil = Date.now() + 20_000;
    const load = (async () => {
      for (let tick = 0; tick < 3000 && !stop && Date.now() < loadUntil; tick++) {
        const codes = await Promise.all(workloads.map(get));
        for (const c of codes) {
          if (c === 200) served++;
          else failed++;
        }
      }
    })();
    await waitFor("load running", () => served > 0);
    await first.server.close(0);
    await waitFor("clients notice the outage", () => hs.every((h) => !h.client.connected()));
    const servedAtOutage = served;
    await waitFor("requests served during the outage", () => served >= servedAtOutage + 50);
    const servedDuringOutage = served - servedAtOutage;

    // Same IR on the new server: clients resync from their held hashes and receive no update.
    const second = await startServer(ir1, first.port);
    await waitFor("reconnected and in sync", () => second.server.proxies().length === 5 && second.server.proxies().every((p) => p.inSync));
    expect(hs.map((h) => h.configs.length)).toEqual(configsBefore);
    await waitFor("clients report the stream up", () => hs.every((h) => h.client.connected()));

    const ir2 = sampleIr(2, 50);
    second.server.setIr(ir2);
    await waitFor("change after resync", () => hs.every((h) => sameAsServer(h, ir2)));
    stop = true;
    await load;
    expect(servedDuringOutage).toBeGreaterThan(0);
    expect(failed).toBe(0);
  });

  it("a restarted proxy serves its on-disk last-known-good config with no controller reachable", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-lkg-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cachePath = join(dir, "lkg.json");
    const ir = sampleIr(4, 100);
    const { server, port } = await startServer(ir);
    const h1 = startClient(port, gateway, { cachePath });
    await waitFor("config", () => sameAsServer(h1, ir));
    await waitFor("cache written", () => {
      try {
        return statSync(cachePath).size > 0;
      } catch {
        return false;
      }
    });
    expect(statSync(cachePath).mode & 0o777).toBe(0o600);
    h1.client.close();
    await server.close(0);

    const h2 = startClient(port, gateway, { cachePath });
    await waitFor("cached config emitted", () => h2.configs.length === 1);
    expect(h2.configs[0]!.slice).toEqual(sliceForProxy(ir, gateway));
  });

  it("rejects a stream whose token names another ServiceAccount than its hello, or that the authorizer refuses", async () => {
    const authenticateToken = async (token: string) => {
      if (token === "tok-shop-default") return { namespace: "shop", serviceAccount: "default" };
      throw new WeftError("WEFT_ERR_UNAUTHENTICATED", "token rejected");
    };
    const authorize = async (p: ProxyIdentity) => {
      if (p.kind === "gateway" && p.serviceAccount !== "edge") throw new WeftError("WEFT_ERR_PERMISSION_DENIED", `${p.serviceAccount} may not serve gateway ${p.gatewayName}`);
    };
    const { server, port } = await startServer(sampleIr(), 0, { authenticateToken, authorize });
    const errors: string[] = [];
    const log = (_l: string, _m: string, f: Record<string, unknown>) => errors.push(String(f["details"]));
    const good = startClient(port, sidecar("shop", "ok"), { token: () => "tok-shop-default" });
    startClient(port, { ...sidecar("shop", "liar"), serviceAccount: "admin" }, { token: () => "tok-shop-default", log });
    await waitFor("good client configured", () => good.configs.length === 1);
    startClient(port, { ...gateway, namespace: "shop", serviceAccount: "default", pod: "thief" }, { token: () => "tok-shop-default", log });
    await waitFor("liar refused", () => errors.some((e) => e.includes("does not match hello shop/admin")));
    await waitFor("gateway impostor refused", () => errors.some((e) => e === "default may not serve gateway edge"));
    expect(server.proxies().map((p) => p.identity.pod)).toEqual(["ok"]);
  });

  it("ends hostile streams with INVALID_ARGUMENT and a precise message, and keeps serving others", async () => {
    const { server, port } = await startServer(sampleIr());
    const { Client } = loadDistributionProto();
    const stub = new Client(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as DistributionStub;
    cleanups.push(() => stub.close());
    const failWith = (first: ProxyMessage): Promise<{ code: number; details: string }> =>
      new Promise((resolve) => {
        const call = stub.Stream();
        call.on("error", (e: { code: number; details: string }) => resolve({ code: e.code, details: e.details }));
        call.on("data", () => {});
        call.write(first);
      });
    expect(await failWith({ msg: "ack", ack: { version: "x", resources: [] } })).toEqual({ code: status.INVALID_ARGUMENT, details: "the first message must be a hello" });
    const hello = { namespace: "shop", serviceAccount: "default", pod: "p", kind: "router", gatewayNamespace: "", gatewayName: "", version: "", known: [] };
    expect(await failWith({ msg: "hello", hello })).toEqual({ code: status.INVALID_ARGUMENT, details: 'hello.kind must be "gateway" or "sidecar", got "router"' });
    expect((await failWith({ msg: "hello", hello: { ...hello, kind: "sidecar", namespace: "../etc" } })).details).toMatch(/hello.namespace .* is not a valid Kubernetes name/);
    const ok = startClient(port, sidecar("shop", "fine"));
    await waitFor("healthy client still served", () => ok.configs.length === 1);
    expect(server.proxies().map((p) => p.identity.pod)).toEqual(["fine"]);
  });
});
