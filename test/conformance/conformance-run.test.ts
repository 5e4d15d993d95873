// conformance-run (unit): the flags the suite gets and the verdict read from its report — a report is a
// pass only with every profile present, core success with nothing skipped, and claimed features passing.
import { describe, expect, it } from "vitest";
import { claimedFeatures, conformanceArgs, PROFILES, reportProblems, type ConformanceReport, type ProfileReport } from "./conformance-run.ts";

const passing = (name: string): ProfileReport => ({
  name,
  core: { result: "success", statistics: { Passed: 5, Failed: 0, Skipped: 0 } },
  extended: { result: "success", statistics: { Passed: 3, Failed: 0, Skipped: 0 }, supportedFeatures: ["HTTPRouteQueryParamMatching"], unsupportedFeatures: ["TLSRoute"] },
});
const report = (profiles: ProfileReport[]): ConformanceReport => ({ gatewayAPIVersion: "v1.6.3", profiles });

describe("the conformance run", () => {
  it("passes a report with every profile's core and claimed features successful", () => {
    expect(reportProblems(report(PROFILES.map(passing)), "v1.6.3")).toEqual([]);
  });

  it("names a missing profile, a failed or skipped core test, a failed extended test and another API version", () => {
    const [http, grpc, meshHttp] = PROFILES.map(passing);
    const r = report([
      { ...http!, core: { result: "failure", statistics: { Failed: 1 }, failedTests: ["HTTPRouteSimpleSameNamespace"] } },
      { ...grpc!, core: { result: "partial", statistics: { Skipped: 1 }, skippedTests: ["GRPCExactMethodMatching"] } },
      { ...meshHttp!, extended: { result: "failure", supportedFeatures: ["MeshHTTPRouteRewritePath"], failedTests: ["MeshHTTPRouteRewritePath"] } },
    ]);
    expect(reportProblems({ ...r, gatewayAPIVersion: "v1.5.1" }, "v1.6.3")).toEqual([
      "gatewayAPIVersion is v1.5.1, not v1.6.3",
      "GATEWAY-HTTP: core failure (failed: HTTPRouteSimpleSameNamespace)",
      "GATEWAY-GRPC: core partial (failed: none listed)",
      "GATEWAY-GRPC: core tests skipped: GRPCExactMethodMatching",
      "MESH-HTTP: extended failure (failed: MeshHTTPRouteRewritePath)",
      "MESH-GRPC: no profile report",
    ]);
  });

  it("names a claimed feature the report lists as unsupported", () => {
    const p = passing("MESH-HTTP");
    const r = report(PROFILES.map((n) => (n === "MESH-HTTP" ? { ...p, extended: { ...p.extended, unsupportedFeatures: ["MeshConsumerRoute"] } } : passing(n))));
    expect(reportProblems(r, "v1.6.3")).toEqual(["MESH-HTTP: claimed feature MeshConsumerRoute reported unsupported"]);
  });

  it("claims exactly Weft's features, labels namespaces for injection and never relaxes what the suite checks", () => {
    const args = conformanceArgs({ reportPath: "/r.yaml", version: "v0.1.0", gatewayClass: "weft" });
    const flag = (f: string): string | undefined => args[args.indexOf(f) + 1];
    expect(flag("-supported-features")?.split(",")).toEqual(claimedFeatures());
    expect(flag("-conformance-profiles")).toBe("GATEWAY-HTTP,GATEWAY-GRPC,MESH-HTTP,MESH-GRPC");
    expect(flag("-namespace-labels")).toBe("weft.dev/inject=enabled");
    for (const f of ["-skip-tests", "-exempt-features", "-allow-crds-mismatch", "-all-features", "-run-test"]) expect(args).not.toContain(f);
    expect(args.some((a) => a.startsWith("-allow-crds-mismatch"))).toBe(false);
  });
});
