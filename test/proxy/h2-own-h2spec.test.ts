// h2spec (github.com/summerwind/h2spec, built by scripts/build-test-cluster.sh h2spec; "h2spec" tier) against
// an h2c server on Weft's own HTTP/2 framing (pkg/proxy/h2, test/support/h2-own-server.ts). Own framing may
// replace node:http2 only if it passes h2spec completely (issue #18): every case must pass, none skipped.
// Bounded: h2spec has a per-case timeout and the process a deadline. Loopback only.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { pieceBin, toolsetMissing } from "../../tools/toolset.ts";
import { startOwnH2Server, type OwnH2Server } from "../support/h2-own-server.ts";
import { requireTier } from "../support/tiers.ts";

const h2specBin = pieceBin("h2spec", "h2spec");
const tier = requireTier("h2spec", toolsetMissing(["h2spec"]) ?? (h2specBin === undefined ? "h2spec binary missing: run scripts/build-test-cluster.sh h2spec" : undefined));

interface Outcome {
  readonly passed: number;
  readonly skipped: number;
  readonly failed: readonly string[];
}

/** Runs h2spec against one port; gives the counts and the ids of the cases that failed. */
function h2spec(port: number, report: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(h2specBin!, ["-h", "127.0.0.1", "-p", String(port), "-o", "3", "-j", report], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.once("exit", () => {
      clearTimeout(timer);
      let xml: string;
      try {
        xml = readFileSync(report, "utf8");
      } catch {
        reject(new Error(`h2spec: no report (${err.slice(0, 500)})`));
        return;
      }
      const failed: string[] = [];
      let passed = 0;
      let skipped = 0;
      for (const m of xml.matchAll(/<testcase package="([^"]*)" classname="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
        if (m[3]!.includes("<failure") || m[3]!.includes("<error")) failed.push(`${m[1]} ${m[2]}`);
        else if (m[3]!.includes("<skipped")) skipped++;
        else passed++;
      }
      resolve({ passed, skipped, failed });
    });
  });
}

let dir: string;
let server: OwnH2Server;

beforeAll(async () => {
  if (!tier.present) return;
  dir = mkdtempSync(join(tmpdir(), "weft-h2own-h2spec-"));
  server = await startOwnH2Server();
});

afterAll(async () => {
  if (!tier.present) return;
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

tier.describe("h2spec against Weft's own HTTP/2 framing", () => {
  tier.it("passes every case (145), none failed or skipped", { timeout: 300_000 }, async () => {
    const r = await h2spec(server.port, join(dir, "own.xml"));
    expect(r.failed).toEqual([]);
    expect(r.skipped).toBe(0);
    expect(r.passed).toBe(145);
    // It was answered, not just closed on: the server served requests.
    expect(server.answered).toBeGreaterThan(50);
  });
});
