// local-nonroot: `weft local` (what `npm start` runs) as a normal user. As root (CI), the child runs as
// uid/gid 65534 (nobody); as a normal user, as that user. On Linux a normal user cannot bind ports below
// net.ipv4.ip_unprivileged_port_start (1024 by default), and the example's `web` Service listens on
// port 80: its ClusterIP listener moves to port 10080, the banner prints the real address, and a request
// to it is still routed as web:80 (original destination). The printed east-west command answers too.
// As root, directories above the checkout that other users cannot traverse get o+x for the run (restored
// after); the tier "unprivileged-user" is missing when the checkout is still not readable by uid 65534.
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { requireTier } from "../support/tiers.ts";
import { httpGet, killTree, parseCurl, REPO } from "./support/e2e-helpers.ts";
import { copyLocalExample, startWeftLocal, type WeftLocalRun } from "./support/weft-local.ts";

// Below the kernel's ephemeral range (32768+); local mode uses base … base+159.
const BASE = 18000 + (process.pid % 10) * 200;
const GATEWAY_PORT = BASE + 170;
const asRoot = process.getuid?.() === 0;
const ids = asRoot ? { uid: 65534, gid: 65534 } : {};
const NODE = join(REPO, "node_modules/.bin/node");

/** Directories from / to the checkout that others cannot traverse, opened (o+x) now; restored by the returned function. */
function openAncestors(): () => void {
  const changed: { path: string; mode: number }[] = [];
  if (asRoot) {
    for (let p = REPO;; p = dirname(p)) {
      const mode = statSync(p).mode & 0o7777;
      if ((mode & 0o001) === 0) {
        chmodSync(p, mode | 0o001);
        changed.push({ path: p, mode });
      }
      if (dirname(p) === p) break;
    }
  }
  return () => {
    for (const c of changed) chmodSync(c.path, c.mode);
  };
}
const restoreAncestors = openAncestors();
const reachable = spawnSync(NODE, ["-e", "require('node:fs').accessSync(process.argv[1] + '/cmd/weft.ts')", REPO], { ...ids, cwd: "/", encoding: "utf8" });
const skip = reachable.status !== 0 ? `the checkout is not readable by uid ${asRoot ? 65534 : process.getuid?.()}: ${(reachable.stderr || String(reachable.error)).slice(0, 200)}` : undefined;
const tier = requireTier("unprivileged-user", skip);
const unprivilegedStart = ((): number => {
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8").trim());
  } catch {
    return 1024;
  }
})();

let work = "";
let run: WeftLocalRun | undefined;

beforeAll(async () => {
  if (!tier.present) return;
  work = mkdtempSync(join(tmpdir(), "weft-e2e-nonroot-"));
  const dir = join(work, "manifests");
  copyLocalExample(dir, "127.0.214.", "127.0.224.");
  mkdirSync(join(work, "state"));
  if (asRoot) {
    for (const p of [work, dir, join(work, "state"), ...readdirSync(dir).map((f) => join(dir, f))]) chownSync(p, 65534, 65534);
  }
  chmodSync(work, 0o755);
  run = startWeftLocal(NODE, ["--dir", dir, "--base-port", String(BASE), "--gateway-port", String(GATEWAY_PORT), "--ca-dir", join(work, "state", "ca")], {
    ...ids,
    env: { PATH: `${join(REPO, "node_modules/.bin")}:/usr/bin:/bin`, HOME: work, WEFT_TRACING_ENDPOINT: "" },
  });
  await run.banner;
}, 120_000);

afterAll(async () => {
  killTree(run?.proc);
  if (work !== "") rmSync(work, { recursive: true, force: true });
  restoreAncestors();
});

tier.describe("weft local as a normal user", () => {
  tier.it("serves privileged Service ports on port + 10000, routed by original destination, and prints the real address", async () => {
    const moved = 80 < unprivilegedStart;
    const web = moved ? "127.0.214.1:10080" : "127.0.214.1:80";
    if (moved) expect(run!.stdout).toContain("127.0.214.1:10080 (for :80)");
    const r = await httpGet(`http://${web}/`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ service: "web" });
  }, 30_000);

  tier.it("answers the printed east-west and gateway commands", async () => {
    const lines = run!.stdout.split("\n");
    const cmd = (kind: string): string => lines[lines.findIndex((l) => l.startsWith(`  # ${kind}:`)) + 1]!.slice(4);
    const ew = parseCurl(cmd("east-west"));
    const a = await httpGet(ew.url, ew.headers);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toMatchObject({ service: "reviews", version: "v2" });
    const gw = parseCurl(cmd("header-match"));
    expect(gw.url).toBe(`http://127.0.0.1:${GATEWAY_PORT}/reviews`);
    expect((await httpGet(gw.url, gw.headers)).status).toBe(200);
  }, 30_000);

  tier.it("stops cleanly on SIGTERM", async () => {
    const code = new Promise<number | null>((r) => run!.proc.once("exit", (c) => r(c)));
    run!.proc.kill("SIGTERM");
    expect(await code).toBe(0);
  }, 30_000);
});
