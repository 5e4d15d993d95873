// distribution e2e: file provider → controller → gRPC distribution → gateway + sidecar proxies (real
// `weft proxy` processes) → real node:http / node:http2 / @grpc/grpc-js upstreams, with mTLS from the
// mesh CA (local dev tokens) between proxies. Proves: traffic on every path with SPIFFE-verified mTLS;
// a route change reaches every proxy (/config version) and the traffic; a controller SIGKILLed under
// a bounded request load loses zero requests and proxies resync when it comes back; a NACKed config
// (from an in-test distribution server) leaves a real proxy on its last good config.
import { credentials, loadPackageDefinition, type Client, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect as h2connect } from "node:http2";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDistributionServer, type DistributionServer } from "../../pkg/distribution/index.ts";
import type { MeshIR } from "../../pkg/ir/types.ts";
import { createSupervisor, type Supervisor } from "../../pkg/local/processes.ts";
import { REPO, eventually, httpGet } from "./support/e2e-helpers.ts";
import { meshPerFile, NS, SVC_IP, writeManifests, type Mesh } from "./support/mesh-fixture.ts";

const BASE = 25000 + (process.pid % 50) * 100;
const fixture = meshPerFile(BASE);

type EchoClient = Client & { Say(req: { message: string }, opts: { deadline: number }, cb: (e: ServiceError | null, r?: { message: string; pod: string }) => void): void };
function grpcSay(port: number, message: string): Promise<{ message: string; pod: string }> {
  const def = loadPackageDefinition(loadSync(join(REPO, "examples/apps/echo.proto")));
  const Echo = (def.weft as unknown as Record<string, Record<string, new(t: string, c: unknown, o: object) => EchoClient>>).demo!.Echo!;
  const c = new Echo(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.default_authority": "grpc.e2e.local" });
  return new Promise((resolve, reject) =>
    c.Say({ message }, { deadline: Date.now() + 5000 }, (e, r) => {
      c.close();
      if (e !== null) reject(e);
      else resolve(r!);
    })
  );
}

function h2cGet(url: string): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = h2connect(u.origin);
    s.on("error", reject);
    const r = s.request({ ":path": u.pathname });
    let body = "";
    let status = 0;
    r.on("response", (h) => {
      status = Number(h[":status"]);
    });
    r.on("data", (c: Buffer) => {
      body += c.toString();
    });
    r.on("end", () => {
      s.close();
      resolve({ status, body });
    });
    r.on("error", reject);
    r.setTimeout(5000, () => r.close());
    r.end();
  });
}

async function versions(m: Mesh): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [name, port] of m.proxies) {
    const r = await httpGet(`http://127.0.0.1:${port}/config`);
    out.set(name, (JSON.parse(r.body) as { version: string | null }).version ?? "");
  }
  return out;
}

/** Waits until every proxy's config version differs from `before` and the traffic shows `gen`. */
async function expectGeneration(m: Mesh, before: Map<string, string>, gen: number): Promise<void> {
  await eventually(`every proxy on a new version (gen ${gen})`, 60_000, async () => {
    const now = await versions(m);
    return [...now].every(([k, v]) => v !== "" && v !== before.get(k)) ? true : undefined;
  });
  const gw = await eventually(`gateway answers with x-gen ${gen}`, 10_000, async () => {
    const r = await httpGet(`http://127.0.0.1:${m.ports.gateway}/h1`);
    return r.headers["x-gen"] === String(gen) ? r : undefined;
  });
  expect(gw.status).toBe(200);
  const ew = await eventually(`east-west answers with x-mesh-gen ${gen}`, 10_000, async () => {
    const r = await httpGet(`http://${SVC_IP.h1}:80/`);
    return r.headers["x-mesh-gen"] === String(gen) ? r : undefined;
  });
  expect(JSON.parse(ew.body)).toMatchObject({ app: "h1" });
}

describe("distribution end to end (controller → proxies → upstreams)", () => {
  it("serves every path: gateway → h1 and h2c, gRPC, east-west; inbound sidecars see SPIFFE-verified mTLS peers", async () => {
    const m = fixture.mesh;
    const a = await eventually("gateway /h1", 20_000, async () => {
      const r = await httpGet(`http://127.0.0.1:${m.ports.gateway}/h1`);
      return r.status === 200 ? r : undefined;
    });
    expect(JSON.parse(a.body)).toMatchObject({ app: "h1" });
    expect(a.headers["x-gen"]).toBe("1");
    const b = await httpGet(`http://127.0.0.1:${m.ports.gateway}/h2`);
    expect(b.status).toBe(200);
    expect(JSON.parse(b.body)).toMatchObject({ app: "h2" });
    const viaClient = await h2cGet(`http://${SVC_IP.h2}:80/x`);
    expect(viaClient.status).toBe(200);
    expect(JSON.parse(viaClient.body)).toMatchObject({ app: "h2", proto: "2.0" });
    expect(await grpcSay(m.ports.gateway, "hi")).toEqual({ message: "hi", pod: "grpc-0" });
    const ew = await httpGet(`http://${SVC_IP.h1}:80/`);
    expect(ew.headers["x-mesh-gen"]).toBe("1");
    // The sidecars are other processes: their log lines reach the files after the answers did.
    const logged = (file: string, id: string) =>
      eventually(`${file} logs peer ${id}`, 10_000,
        async () => (readFileSync(join(m.work, "logs", file), "utf8").includes(`"peerIdentity":"spiffe://cluster.local/ns/${NS}/sa/${id}"`) ? true : undefined));
    await logged("sidecar-h1.log", "weft-gw-gw");
    await logged("sidecar-h1.log", "client");
    await logged("sidecar-grpc.log", "weft-gw-gw");
  }, 40_000);

  it("a route change reaches every proxy (/config version) and the traffic", async () => {
    const m = fixture.mesh;
    const before = await versions(m);
    expect(before.size).toBe(5);
    writeManifests(m.dir, 2);
    await expectGeneration(m, before, 2);
  }, 60_000);

  it("a controller SIGKILLed under load loses zero requests; proxies resync when it returns", async () => {
    const m = fixture.mesh;
    const before = await versions(m);
    const results: { ok: boolean; what: string }[] = [];
    const deadline = Date.now() + 20_000;
    let killed = false;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; i < 100 && Date.now() < deadline; i++) {
        const url = (i + w) % 2 === 0 ? `http://127.0.0.1:${m.ports.gateway}/h1` : `http://${SVC_IP.h1}:80/`;
        const r = await httpGet(url).catch((e: unknown) => ({ status: 0, body: String(e), headers: {} }));
        results.push({ ok: r.status === 200, what: `${url} → ${r.status} ${r.status === 200 ? "" : r.body.slice(0, 200)}` });
        if (!killed && results.length >= 60) {
          killed = true;
          m.controller.proc.kill("SIGKILL");
          // It comes back while the load is still running, with the next generation of manifests.
          setTimeout(() => {
            writeManifests(m.dir, 3);
            m.controller = m.sup.start("controller-2", 3, m.controllerArgs);
          }, 2000);
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
    expect(killed).toBe(true);
    expect(results.length).toBeGreaterThanOrEqual(200);
    expect(results.filter((r) => !r.ok).map((r) => r.what)).toEqual([]);
    expect(m.sup.children.find((c) => c.name === "controller")!.exited).toBe(true);
    await expectGeneration(m, before, 3);
  }, 90_000);
});

describe("NACK end to end (in-test distribution server → real weft proxy)", () => {
  let server: DistributionServer | undefined;
  let sup: Supervisor | undefined;
  afterAll(async () => {
    await sup?.stopAll(3000);
    await server?.close(0);
  });

  it("a config the proxy rejects is NACKed and the proxy keeps serving the last good one", async () => {
    const out = execFileSync(process.execPath, [join(REPO, "cmd/weftctl.ts"), "translate", "-f", fixture.mesh.dir, "-o", "json"], { encoding: "utf8" });
    const translated = (JSON.parse(out) as { ir: MeshIR }).ir;
    // This proxy has no mesh identity (no CA here): its h1 cluster points at the app itself, so the
    // last good config must answer 200, through its route (x-gen), not a 503.
    const good: MeshIR = { ...translated, clusters: translated.clusters.map((c) =>
      c.service !== "h1" ? c : {
        ...c,
        endpoints: [{ address: "127.0.0.1", port: fixture.apps.ports.h1, ready: true, serving: true, terminating: false }],
      }
    ) };
    expect(good.clusters.some((c) => c.service === "h1")).toBe(true);
    const nacks: string[] = [];
    server = createDistributionServer({ onNack: (s) => {
      if (s.lastNack !== undefined) nacks.push(s.lastNack.reason);
    } });
    const port = await server.listen("127.0.0.1:0");
    server.setIr(good);
    sup = createSupervisor(join(fixture.mesh.work, "logs"), false, { WEFT_CONTROLLER_INSECURE: "true" });
    const admin = BASE + 40;
    const gwPort = BASE + 41;
    sup.start("nack-gateway", 1, [join(REPO, "cmd/weft.ts"), "proxy", "--mode", "gateway", "--gateway", `${NS}/gw`, "--controller", `127.0.0.1:${port}`, "--admin-port", String(admin), "--bind",
      "127.0.0.1", "--port-map", `8080=${gwPort}`, "--drain-ms", "500"]);
    const goodVersion = await eventually("the proxy on the good config", 30_000, async () => {
      const v = (JSON.parse((await httpGet(`http://127.0.0.1:${admin}/config`)).body) as { version: string | null }).version;
      return v ?? undefined;
    });
    const bad: MeshIR = { ...good, clusters: good.clusters.map((c) => ({ ...c, endpoints: c.endpoints.map((e) => ({ ...e, port: 0 })) })) };
    server.setIr(bad);
    await eventually("a NACK from the proxy", 20_000, async () => (nacks.length > 0 ? true : undefined));
    expect(nacks[0]).toMatch(/port/);
    const status = server.proxies()[0]!;
    expect(status.ackedVersion).toBe(goodVersion);
    expect(status.inSync).toBe(false);
    const cfg = JSON.parse((await httpGet(`http://127.0.0.1:${admin}/config`)).body) as { version: string };
    expect(cfg.version).toBe(goodVersion);
    // Still routing by the last good config: the route's header, the app's answer.
    const r = await httpGet(`http://127.0.0.1:${gwPort}/h1`);
    expect(r.status).toBe(200);
    expect(r.headers["x-gen"]).toMatch(/^\d+$/);
    expect(JSON.parse(r.body)).toMatchObject({ app: "h1" });
  }, 60_000);
});
