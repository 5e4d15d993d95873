// local-mode e2e: starts `node cmd/weft.ts local` as a user would (on a temp copy of examples/local
// with other loopback IPs and free ports), waits for the banner, runs every printed command (curl
// lines through node:http, the gRPC and weftctl lines as printed) and checks their outcomes; then
// edits the copied manifests and sees the route change take effect; then stops it with SIGTERM and
// checks that no child process survives.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_BIN_PATH, REPO, alive, descendants, eventually, httpGet, killTree, parseCurl, runCurl } from "./support/e2e-helpers.ts";
import { copyLocalExample, startWeftLocal, type WeftLocalRun } from "./support/weft-local.ts";

// Below the kernel's ephemeral range (32768+), so no outgoing connection of another test holds one of ours.
const BASE = 20000 + (process.pid % 50) * 100;
const GATEWAY_PORT = BASE + 95;
let dir = "";
let run: WeftLocalRun | undefined;
const commands = new Map<string, string>();

function sh(cmd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile("sh", ["-c", cmd], { cwd: REPO, env: { ...process.env, PATH: NODE_BIN_PATH }, timeout: 30_000 }, (e, out, err) => {
      resolve({ code: e === null ? 0 : typeof e.code === "number" ? e.code : 1, out, err });
    });
  });
}

const versionOf = (body: string): string => (JSON.parse(body) as { version: string }).version;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "weft-e2e-local-"));
  copyLocalExample(dir, "127.0.210.", "127.0.220.");
  run = startWeftLocal(process.execPath, ["--dir", dir, "--base-port", String(BASE), "--gateway-port", String(GATEWAY_PORT)], {
    env: { ...process.env, PATH: NODE_BIN_PATH, WEFT_TRACING_ENDPOINT: "" },
  });
  await run.banner;
  const lines = run.stdout.split("\n");
  lines.forEach((l, i) => {
    const m = /^ {2}# ([a-z-]+):/.exec(l);
    const next = lines[i + 1] ?? "";
    if (m !== null && next.startsWith("  $ ")) commands.set(m[1]!, next.slice(4));
  });
}, 120_000);

afterAll(async () => {
  killTree(run?.proc);
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("weft local, driven through its banner", () => {
  it("prints every command kind, on the ports and IPs it was given", () => {
    expect([...commands.keys()].sort()).toEqual(["east-west", "explain", "grpc", "header-match", "redirect", "translate", "weighted-split"]);
    expect(parseCurl(commands.get("header-match")!).url).toBe(`http://127.0.0.1:${GATEWAY_PORT}/reviews`);
    expect(parseCurl(commands.get("east-west")!).url).toBe("http://127.0.210.2:9080/");
  });

  it("header match: x-version v2 reaches reviews v2 (gateway → mTLS → sidecar → app)", async () => {
    const r = await runCurl(commands.get("header-match")!);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ service: "reviews", version: "v2", pod: "reviews-v2-0" });
  });

  it("weighted split: both versions answer within a bounded loop", async () => {
    const m = /^for i in \$\(seq (\d+)\); do (curl .*?) \| grep/.exec(commands.get("weighted-split")!);
    expect(m).not.toBeNull();
    const seen = new Map<string, number>();
    const printed = Number(m![1]);
    // The printed loop first; then more (bounded) so both versions show and the 80/20 ratio is clear.
    for (let i = 0; i < 200 && (i < Math.max(printed, 60) || seen.size < 2); i++) {
      const r = await runCurl(m![2]!);
      expect(r.status).toBe(200);
      const v = versionOf(r.body);
      seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual(["v1", "v2"]);
    expect(seen.get("v1")!).toBeGreaterThan(seen.get("v2")!);
  });

  it("redirect: 301 with Location /new/page", async () => {
    const r = await runCurl(commands.get("redirect")!);
    expect(r.status).toBe(301);
    expect(new URL(String(r.headers["location"])).pathname).toBe("/new/page");
  });

  it("east-west: end-user jason gets v2 through the namespace's outbound sidecar; others mostly v1", async () => {
    const r = await runCurl(commands.get("east-west")!);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ service: "reviews", version: "v2" });
    const plain = { ...parseCurl(commands.get("east-west")!) };
    const versions = await Promise.all(Array.from({ length: 10 }, () => httpGet(plain.url).then((x) => versionOf(x.body))));
    expect(versions.filter((v) => v === "v1").length).toBeGreaterThan(0);
  });

  it("gRPC: the printed script gets an Echo reply through the gateway", async () => {
    const r = await sh(commands.get("grpc")!);
    expect(r.err).toBe("");
    expect(JSON.parse(r.out)).toEqual({ message: "hello", pod: "echo-grpc-0" });
  });

  it("weftctl explain and translate run as printed and agree with the mesh", async () => {
    const ex = await sh(commands.get("explain")!);
    expect(ex.code).toBe(0);
    expect(ex.out).toMatch(/Matched:\s+HTTPRoute\/demo\/web rule 1/);
    expect(ex.out).toContain("demo/reviews-v2:9080");
    const tr = await sh(commands.get("translate")!);
    expect(tr.code).toBe(0);
    expect(tr.out).toContain("Route is accepted on listener http of Gateway demo/public");
    expect(tr.out).not.toMatch(/reason: Conflicted$/m);
    expect(tr.out).toContain("Route is accepted on listener grpc of Gateway demo/public");
  }, 60_000);

  it("prints a one-line summary per trace (built-in receiver): the Gateway's service → mTLS sidecar hops (their pods' services) with route and status", async () => {
    const line = await eventually("a trace summary line", 25_000,
      async () => /^trace [0-9a-f]{8} \d+ hops [\d.]+ ms status 200 route HTTPRoute\/demo\/web: public\.demo GET \/\S* 200 → [a-z0-9-]+\.demo\(mTLS\) GET inbound:\d+ 200/m.exec(run!.stdout)?.[0]);
    expect(line).toBeDefined();
  }, 30_000);

  it("an edited manifest takes effect end to end (header match re-pointed to v1)", async () => {
    const file = join(dir, "20-routes.yaml");
    const before = readFileSync(file, "utf8");
    const after = before.replace("backendRefs: [{ name: reviews-v2, port: 9080 }]\n    # A weighted split", "backendRefs: [{ name: reviews-v1, port: 9080 }]\n    # A weighted split");
    expect(after).not.toBe(before);
    writeFileSync(file, after);
    const v = await eventually("the header route to follow the edit", 30_000, async () => {
      const r = await runCurl(commands.get("header-match")!);
      return r.status === 200 && versionOf(r.body) === "v1" ? "v1" : undefined;
    });
    expect(v).toBe("v1");
    for (let i = 0; i < 5; i++) expect(versionOf((await runCurl(commands.get("header-match")!)).body)).toBe("v1");
  }, 40_000);

  it("a broken manifest edit is reported and the last good routes keep serving", async () => {
    const logs = /^ {2}logs +(\S+)$/m.exec(run!.stdout)?.[1];
    expect(logs).toBeDefined();
    const file = join(dir, "20-routes.yaml");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n---\nkind: HTTPRoute\napiVersion: gateway.networking.k8s.io/v1\nmetadata: {{ broken\n`);
    await eventually("the controller to report the broken file", 20_000,
      async () => (readFileSync(join(logs!, "controller.log"), "utf8").includes("keeping the last good objects of this file") ? true : undefined));
    for (let i = 0; i < 5; i++) {
      const r = await runCurl(commands.get("header-match")!);
      expect(r.status).toBe(200);
      expect(versionOf(r.body)).toBe("v1");
    }
    expect((await runCurl(commands.get("redirect")!)).status).toBe(301);
  }, 30_000);

  it("SIGTERM stops everything: exit 0 and no child survives", async () => {
    const kids = descendants(run!.proc.pid!);
    expect(kids.length).toBeGreaterThanOrEqual(10);
    const exited = new Promise<number | null>((r) => run!.proc.once("exit", (code) => r(code)));
    run!.proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    await eventually("every child to be gone", 10_000, async () => (kids.every((k) => !alive(k)) ? true : undefined));
  }, 40_000);
});
