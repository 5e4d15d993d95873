// h2spec: the HTTP/2 conformance suite (github.com/summerwind/h2spec, built by scripts/build-test-cluster.sh
// h2spec) as the tests run it. Gives `h2specTier` (the "h2spec" tier gate: a skip with the reason, or a
// failure under CI) and runH2spec(port, report, tls): every case against one port, its counts and the ids
// ("http2/5.1 Sends a DATA frame") of the cases that failed, read from h2spec's JUnit report.
// Bounded: h2spec waits at most `-o` seconds for each frame it expects (10 s unless the caller says) and the
// process has a deadline (240 s). Loopback only.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { pieceBin, toolsetMissing } from "../../tools/toolset.ts";
import { requireTier } from "./tiers.ts";

const h2specBin = pieceBin("h2spec", "h2spec");
export const h2specTier = requireTier("h2spec", toolsetMissing(["h2spec"]) ?? (h2specBin === undefined ? "h2spec binary missing: run scripts/build-test-cluster.sh h2spec" : undefined));

export interface H2specOutcome {
  readonly passed: number;
  readonly skipped: number;
  readonly failed: readonly string[];
}

/**
 * Runs h2spec against 127.0.0.1:`port` (TLS without certificate checks when `tls`), its JUnit report written
 * to `report`, waiting at most `waitS` seconds for each frame it expects. A case that passes never waits that
 * long, so the default is wide: at 3 s, on a loaded machine (load average 12–18, five runs at once), a
 * proxied answer sometimes came later and a passing face failed a case (6.5.3/1 "Unable to get server data
 * length" on three faces at once, 4.2, 5.1). Only a case the server fails by staying silent costs `waitS`.
 */
export function runH2spec(port: number, report: string, tls = false, waitS = 10): Promise<H2specOutcome> {
  if (h2specBin === undefined) return Promise.reject(new Error("h2spec not built: run scripts/build-test-cluster.sh h2spec"));
  return new Promise((resolve, reject) => {
    const args = ["-h", "127.0.0.1", "-p", String(port), "-o", String(waitS), "-j", report, ...(tls ? ["-t", "-k"] : [])];
    const child = spawn(h2specBin, args, { stdio: ["ignore", "ignore", "pipe"] });
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
        reject(new Error(`h2spec ${report}: no report (${err.slice(0, 500)})`));
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
