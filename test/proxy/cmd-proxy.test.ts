// cmd-proxy: `weft proxy --mode gateway` as a real process: serves the Gateway from a static IR file,
// reports /ready, picks up an edited config file, keeps the last good config on a broken file, and
// exits 0 after draining on SIGTERM. Flags errors exit 2.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayIR, MeshIR } from "../../pkg/ir/types.ts";
import { createDistributionServer } from "../../pkg/distribution/index.ts";
import { h1 } from "./client.ts";
import { backend, cluster, endpoint, prefix, startEcho, tables, type Echo } from "./fixtures.ts";
import { freePort } from "../support/free-port.ts";

const root = resolve(import.meta.dirname, "../..");
const node = join(root, "node_modules/.bin/node");
let dir: string;
let a: Echo, b: Echo;
let child: ChildProcess;
let gwPort = 0, adminPort = 0;
let output = "";

function irFor(target: string): MeshIR {
  const gw: GatewayIR = { namespace: "gw", name: "web", ports: [{ port: 80, protocol: "HTTP", listeners: [
    { id: "gw/web/http", name: "http", protocol: "HTTP", certificates: [], routes: tables([{ matches: [prefix("/")], backends: [backend(target)] }]) },
  ] }] };
  return { gateways: [gw], services: [], clusters: [cluster("ns/a:80", [endpoint(a.port)]), cluster("ns/b:80", [endpoint(b.port)])], secrets: [] };
}

async function until<T>(f: () => Promise<T | undefined>, tries = 300): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition not reached");
}

beforeAll(async () => {
  [a, b] = await Promise.all([startEcho("a"), startEcho("b")]);
  dir = mkdtempSync(join(tmpdir(), "weft-proxy-"));
  writeFileSync(join(dir, "ir.json"), JSON.stringify(irFor("ns/a:80")));
  gwPort = await freePort();
  adminPort = await freePort();
  child = spawn(node, [join(root, "cmd/weft.ts"), "proxy", "--mode", "gateway", "--gateway", "gw/web", "--config", join(dir, "ir.json"), "--bind", "127.0.0.1", "--port-map", `80=${gwPort}`,
    "--admin-port", String(adminPort), "--drain-ms", "2000"], { stdio: ["ignore", "pipe", "pipe"] });
  for (const s of [child.stdout, child.stderr])
    s?.on("data", (d: Buffer) => {
      output += d.toString();
    });
  await until(async () => ((await h1(adminPort, "/ready")).status === 200 ? true : undefined));
});

afterAll(async () => {
  if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all([a.close(), b.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("weft proxy --mode gateway", () => {
  it("serves the Gateway from the config file", async () => {
    const r = await h1(gwPort, "/x");
    expect(JSON.parse(r.body).server).toBe("a");
  });
  it("reloads an edited config and keeps the last good one on a broken file", { timeout: 60_000 }, async () => {
    writeFileSync(join(dir, "ir.json"), JSON.stringify(irFor("ns/b:80")));
    await until(async () => (JSON.parse((await h1(gwPort, "/x")).body).server === "b" ? true : undefined));
    const seen = output.length;
    writeFileSync(join(dir, "ir.json"), "{ not json");
    // The event first: the proxy read the broken file and said it keeps the last good config.
    await until(async () => (/config rejected; keeping the last good one/.test(output.slice(seen)) ? true : undefined));
    expect(output.slice(seen)).toContain(join(dir, "ir.json"));
    expect(JSON.parse((await h1(gwPort, "/x")).body).server).toBe("b");
  });
  it("drains and exits 0 on SIGTERM", { timeout: 60_000 }, async () => {
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
  it("exits 2 on bad flags", { timeout: 60_000 }, () => {
    const r = spawnSync(node, [join(root, "cmd/weft.ts"), "proxy", "--mode", "nope", "--config", "x"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--mode must be gateway or sidecar");
  });
});

describe("weft proxy --controller (distribution client)", () => {
  it("serves the Gateway from the controller's IR and follows updates", { timeout: 90_000 }, async () => {
    const server = createDistributionServer({});
    server.setIr(irFor("ns/a:80"));
    const ctlPort = await server.listen("127.0.0.1:0");
    const port = await freePort();
    const admin = await freePort();
    const p = spawn(node, [join(root, "cmd/weft.ts"), "proxy", "--mode", "gateway", "--gateway", "gw/web", "--controller", `127.0.0.1:${ctlPort}`, "--bind", "127.0.0.1", "--port-map", `80=${port}`,
      "--admin-port", String(admin), "--drain-ms", "500"], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, POD_NAMESPACE: "gw", WEFT_CONTROLLER_INSECURE: "true" } });
    p.stderr?.resume();
    try {
      await until(async () => ((await h1(admin, "/ready")).status === 200 ? true : undefined));
      await until(async () => (JSON.parse((await h1(port, "/x")).body).server === "a" ? true : undefined));
      server.setIr(irFor("ns/b:80"));
      await until(async () => (JSON.parse((await h1(port, "/x")).body).server === "b" ? true : undefined));
      const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
      p.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (p.exitCode === null) p.kill("SIGKILL");
      await server.close(0);
    }
  });
});
