// gateway-api conformance (real node): the official suite, run unmodified against Weft installed by the
// chart with its real image (conformance-run.ts says how). Passes when `go test` exits 0 and the report
// says success for each profile's core (no core test skipped) and for the extended features Weft claims.
// The report goes to WEFT_CONFORMANCE_REPORT (`npm run conformance` writes docs/conformance/), else into
// the run's directory; the suite's whole output to WEFT_CONFORMANCE_LOG, else next to the report.
// A failure names the failed tests and prints their log lines. One JSON line of figures: duration, per
// profile passed/skipped.
import { mkdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { expect, it } from "vitest";
import { pieceBin, pins, repoRoot } from "../../tools/toolset.ts";
import { realNodeTier, sharedCluster } from "../support/node/shared-cluster.ts";
import { installWeft } from "../support/node/weft-install.ts";
import { conformanceArgs, parseReport, reportProblems, runConformance } from "./conformance-run.ts";

const version = `v${/^appVersion:\s*"?([^"\s]+)"?/m.exec(readFileSync(join(repoRoot, "mesh-charts/weft/Chart.yaml"), "utf8"))?.[1] ?? "0.0.0"}`;

/** The log lines of the named failed tests (their `=== RUN` block), for the failure message. */
function failedTestLogs(log: string, failed: readonly string[], maxLines = 40): string {
  return failed.map((name) => {
    const lines = log.split("\n").filter((l) => l.includes(`/${name}`) || l.includes(`${name}:`) || l.includes(` ${name} `));
    return `--- ${name}\n${lines.slice(-maxLines).join("\n")}`;
  }).join("\n");
}

realNodeTier.describe("Gateway API conformance", () => {
  it("the official suite passes every claimed profile and feature", async () => {
    const c = sharedCluster();
    installWeft(c);
    const binary = pieceBin("conformance", "conformance.test");
    if (binary === undefined) throw new Error("the conformance suite is not built: run scripts/build-test-cluster.sh conformance");
    const reportPath = resolve(process.env["WEFT_CONFORMANCE_REPORT"] ?? join(c.info.dir, "conformance", "report.yaml"));
    const logPath = resolve(process.env["WEFT_CONFORMANCE_LOG"] ?? join(dirname(reportPath), "conformance.log"));
    mkdirSync(dirname(reportPath), { recursive: true });
    mkdirSync(dirname(logPath), { recursive: true });
    const args = conformanceArgs({ reportPath, version, gatewayClass: "weft" });
    const verdicts: string[] = [];
    const run = await runConformance(binary, args, { ...process.env, KUBECONFIG: c.info.kubeconfig }, logPath, (l) => verdicts.push(l.trim()));
    const log = readFileSync(logPath, "utf8");
    const failed = verdicts.filter((v) => v.startsWith("--- FAIL")).map((v) => v.replace(/^--- FAIL: (\S+).*$/, "$1").replace(/^TestConformance\//, ""));
    const report = parseReport(readFileSync(reportPath, "utf8"));
    const problems = reportProblems(report, pins["GATEWAY_API_VERSION"] ?? "?");
    process.stdout.write(`${
      JSON.stringify({
        figure: "gateway-api-conformance",
        ms: run.ms,
        exitCode: run.exitCode,
        report: reportPath,
        profiles: Object.fromEntries((report.profiles ?? []).map((p) => [p.name, {
          core: p.core.result,
          corePassed: p.core.statistics?.Passed,
          coreSkipped: p.core.statistics?.Skipped,
          extended: p.extended?.result,
          extendedPassed: p.extended?.statistics?.Passed,
          extendedSkipped: p.extended?.statistics?.Skipped,
          claimed: p.extended?.supportedFeatures?.length ?? 0,
          unclaimed: p.extended?.unsupportedFeatures?.length ?? 0,
        }])),
      })
    }\n`);
    const why = `suite log: ${logPath}\nfailed: ${failed.join(", ") || "none"}\n${failedTestLogs(log, failed.filter((f) => f !== "TestConformance"))}`;
    expect(problems, why).toEqual([]);
    expect(run.exitCode, why).toBe(0);
  }, 3_600_000);
});
