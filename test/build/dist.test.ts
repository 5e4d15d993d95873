// dist: the production build (tsconfig.build.json, what `npm run build` and the Dockerfile run) emits
// JavaScript that runs without type stripping: `weft --help` and `weftctl --help` list their commands,
// and `weft proxy` (sidecar face, static config) starts from the emitted files and answers /ready.
// The emit goes to a directory of its own under .cache/ (inside the repo, so node_modules resolve), not to
// dist/, and is removed afterwards.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const node = join(root, "node_modules/.bin/node");
const out = join(root, ".cache", `test-dist-${process.pid}`);
let proxy: ChildProcess | undefined;

beforeAll(() => {
  mkdirSync(out, { recursive: true });
  const r = spawnSync(node, [join(root, "node_modules/typescript/bin/tsc"), "-p", join(root, "tsconfig.build.json"), "--outDir", out], { cwd: root, encoding: "utf8", timeout: 110_000 });
  expect(r.stdout + r.stderr).toBe("");
  expect(r.status).toBe(0);
  cpSync(join(root, "pkg/distribution/weft-distribution.proto"), join(out, "pkg/distribution/weft-distribution.proto"));
});

afterAll(async () => {
  if (proxy !== undefined && proxy.exitCode === null) {
    const gone = new Promise((r) => proxy!.once("exit", r));
    proxy.kill("SIGTERM");
    const t = setTimeout(() => proxy!.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(t);
  }
  rmSync(out, { recursive: true, force: true });
});

describe("production build (tsconfig.build.json)", () => {
  it("emits .js with relative imports rewritten and no .ts left behind", () => {
    expect(existsSync(join(out, "cmd/weft.js"))).toBe(true);
    expect(existsSync(join(out, "cmd/weft/proxy.js"))).toBe(true);
    const r = spawnSync("grep", ["-rlE", String.raw`from "\.{1,2}/[^"]*\.ts"|import\("\.{1,2}/[^"]*\.ts"\)`, out], { encoding: "utf8" });
    expect(r.stdout).toBe("");
  });

  it("weft --help and weftctl --help run from the build and list their commands", () => {
    const weft = spawnSync(node, [join(out, "cmd/weft.js"), "--help"], { encoding: "utf8", timeout: 20_000 });
    expect(weft.status).toBe(0);
    for (const c of ["controller", "init", "proxy"]) expect(weft.stdout).toMatch(new RegExp(`^  ${c} `, "m"));
    const ctl = spawnSync(node, [join(out, "cmd/weftctl.js"), "--help"], { encoding: "utf8", timeout: 20_000 });
    expect(ctl.status).toBe(0);
    expect(ctl.stdout).toContain("usage: weftctl <command>");
    const bad = spawnSync(node, [join(out, "cmd/weft.js"), "no-such-command"], { encoding: "utf8", timeout: 20_000 });
    expect(bad.status).toBe(2);
  });

  it("weft proxy (sidecar, static config) starts from the build and is ready", async () => {
    const cfg = join(out, "ir.json");
    writeFileSync(cfg, JSON.stringify({ gateways: [], services: [], clusters: [], secrets: [] }));
    proxy = spawn(node, [join(out, "cmd/weft.js"), "proxy", "--mode", "sidecar", "--namespace", "t", "--config", cfg, "--admin-port", "0", "--inbound-port", "0", "--outbound-port", "0", "--bind",
      "127.0.0.1"], { stdio: ["ignore", "pipe", "pipe"] });
    proxy.stderr!.resume();
    let adminPort: number | undefined;
    for await (const line of createInterface({ input: proxy.stdout! })) {
      const m = /"adminPort":(\d+)/.exec(line);
      if (m !== null) {
        adminPort = Number(m[1]);
        break;
      }
    }
    expect(adminPort).toBeGreaterThan(0);
    const status = await new Promise<number>((res, rej) => {
      get({ host: "127.0.0.1", port: adminPort, path: "/ready" }, (r) => {
        r.resume();
        res(r.statusCode ?? 0);
      }).on("error", rej);
    });
    expect(status).toBe(200);
  });
});
