// proxy-config: `weftctl proxy-config` against a real engine admin server (pkg/proxy) started on
// loopback in this test: default tables, sections as JSON equal to the IR in force, key material never
// printed, exit 1 before any config / when unreachable / when the answer is not valid IR, exit 2 on bad flags.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runTranslate } from "../../pkg/weftctl/translate-run.ts";
import { startAdminServer, type AdminServer } from "../../pkg/proxy/admin/admin-server.ts";
import { createHttpEngine, engineStateOf, type WeftHttpEngine } from "../../pkg/proxy/index.ts";
import type { MeshIR } from "../../pkg/ir/types.ts";

const root = resolve(import.meta.dirname, "../..");
const SECRET = "-----BEGIN PRIVATE KEY-----TOPSECRETKEYMATERIAL";

function weftctl(args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((res) => {
    execFile(process.execPath, ["cmd/weftctl.ts", ...args], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1;
      res({ stdout, stderr, code });
    });
  });
}

let engine: WeftHttpEngine;
let admin: AdminServer;
let ir: MeshIR;

beforeAll(async () => {
  const text = readFileSync(join(root, "test/golden/explain/invalid-backend-share.in.yaml"), "utf8");
  const base = runTranslate([{ text, source: "x" }]).result.ir;
  ir = { ...base, secrets: [{ id: "infra/tls", certPem: "CERT", keyPem: SECRET }] };
  engine = createHttpEngine();
  admin = await startAdminServer(engine, { port: 0, host: "127.0.0.1" });
});

afterAll(async () => {
  await admin.close();
  await engine.drain(10);
});

describe("weftctl proxy-config", () => {
  it("exits 1 while the proxy has no config yet", async () => {
    const r = await weftctl(["proxy-config", "--admin", `http://127.0.0.1:${admin.port}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("no configuration in force");
  });

  it("prints version, route entries and clusters as tables", async () => {
    engine.setState(engineStateOf(ir, "v7"));
    const r = await weftctl(["proxy-config", "--admin", `http://127.0.0.1:${admin.port}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("VERSION v7");
    expect(r.stdout).toMatch(/gateway infra\/web\/http:80\s+HTTPRoute\s+1\s+infra\/split#0\.0/);
    expect(r.stdout).toContain("invalid(BackendNotFound)×1");
    for (const c of ir.clusters) {
      const ready = c.endpoints.filter((e) => e.ready).length;
      expect(r.stdout).toMatch(new RegExp(`${c.id.replace(/[/.]/g, "\\$&")}\\s+${c.protocol}\\s+${c.endpoints.length}\\s+${ready}`));
    }
    expect(r.stdout).not.toContain("TOPSECRET");
  });

  it("--section clusters -o json equals the clusters in force; full yaml has keys redacted", async () => {
    engine.setState(engineStateOf(ir, "v8"));
    const clusters = await weftctl(["proxy-config", "--admin", `http://127.0.0.1:${admin.port}`, "--section", "clusters", "-o", "json"]);
    expect(clusters.code).toBe(0);
    expect(JSON.parse(clusters.stdout)).toEqual(JSON.parse(JSON.stringify(ir.clusters)));
    const all = await weftctl(["proxy-config", "--admin", `http://127.0.0.1:${admin.port}`, "-o", "yaml"]);
    const doc = parse(all.stdout) as { version: string; ir: MeshIR };
    expect(doc.version).toBe("v8");
    expect(doc.ir.secrets[0]?.keyPem).toBe("[redacted]");
    expect(all.stdout).not.toContain("TOPSECRET");
    const listeners = await weftctl(["proxy-config", "--admin", `http://127.0.0.1:${admin.port}`, "--section", "listeners"]);
    expect(listeners.stdout).toMatch(/infra\/web\s+80\s+HTTP\s+http\s+\*\s+1/);
    expect(listeners.stdout).toMatch(/infra\/app\s+10\.96\.1\.1\s+80/);
  });

  it("exit 1 when unreachable or not a Weft admin, exit 2 on bad flags", async () => {
    const closed = await weftctl(["proxy-config", "--admin", "http://127.0.0.1:1", "--timeout-ms", "2000"]);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain("cannot reach");
    expect((await weftctl(["proxy-config", "--section", "bogus"])).code).toBe(2);
    expect((await weftctl(["proxy-config", "--admin", "ftp://x"])).code).toBe(1);
  });

  it("exit 1 naming the problem when the admin answers IR the validator refuses (the same door as --config)", async () => {
    const fake = createServer((_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ version: "v1", ir: { gateways: [], services: [], clusters: [{ id: "c", namespace: "n", service: "s", port: 70000, protocol: "http1", endpoints: [] }], secrets: [] } }));
    });
    const port = await new Promise<number>((r) => fake.listen(0, "127.0.0.1", () => r((fake.address() as { port: number }).port)));
    try {
      const r = await weftctl(["proxy-config", "--admin", `http://127.0.0.1:${port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("answered a config that is not valid IR: clusters[0].port: expected integer in [1, 65535] (OutOfRange)");
      expect(r.stdout).toBe("");
    } finally {
      await new Promise<void>((r) => fake.close(() => r()));
    }
  });
});
