// conformance-run: the official Gateway API conformance suite (sigs.k8s.io/gateway-api/conformance at
// GATEWAY_API_VERSION, the test binary scripts/build-test-cluster.sh conformance builds with `go test -c`),
// run unmodified against the Weft the chart installed: its flags, the run, and what its report says.
// - profiles GATEWAY-HTTP, GATEWAY-GRPC, MESH-HTTP, MESH-GRPC; the features Weft claims are the ones
//   its GatewayClass and mesh declare (pkg/translate/features.ts), nothing else;
// - conformance namespaces are labelled weft.dev/inject=enabled (every backend is meshed);
// - the suite's Parallel tests run side by side (-test.parallel), never -allow-crds-mismatch, no skip.
// Takes the cluster's kubeconfig and where to write the report; gives the run (exit code, duration,
// log) and reportProblems(report): why the report is not a passing one, or nothing.
// Must not: change what the suite checks (no -skip-tests, no -exempt-features, no -allow-crds-mismatch);
// only its own -timeout-config-overrides flag gives a shared 2-core node more time to converge.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { parse } from "yaml";
import { MESH_SUPPORTED_FEATURES, SUPPORTED_FEATURES } from "../../pkg/translate/features.ts";

export const PROFILES = ["GATEWAY-HTTP", "GATEWAY-GRPC", "MESH-HTTP", "MESH-GRPC"] as const;
/** What the report's implementation block says. */
export const IMPLEMENTATION = {
  organization: "weft-mesh",
  project: "weft",
  url: "https://github.com/weft-mesh/weft",
  contact: "@weft-mesh/maintainers",
} as const;
/** The suite's tests marked Parallel run this many at a time (Go's default is GOMAXPROCS: 2 here). */
const PARALLEL = 8;

/**
 * The suite's waits (utils/config/timeout.go), raised for a 2-core node shared with other work: the
 * defaults assume a dedicated cluster (e.g. 300 s for ~20 meshed backend pods to be Ready, 30 s for
 * a route change to reach every proxy). Each value is seconds; nothing else of the suite is changed.
 */
export const TIMEOUT_OVERRIDES: Readonly<Record<string, number>> = {
  NamespacesMustBeReady: 1200,
  GatewayMustHaveAddress: 600,
  GatewayMustHaveCondition: 600,
  GWCMustBeAccepted: 300,
  GatewayStatusMustHaveListeners: 180,
  GatewayListenersMustHaveConditions: 180,
  HTTPRouteMustHaveCondition: 180,
  HTTPRouteMustNotHaveParents: 180,
  RouteMustHaveParents: 180,
  LatestObservedGenerationSet: 180,
  MaxTimeToConsistency: 120,
  CreateTimeout: 180,
  DeleteTimeout: 60,
  GetTimeout: 30,
  RequestTimeout: 30,
  DefaultTestTimeout: 180,
};

/** Every feature Weft claims, Gateway side and mesh side, as the suite's -supported-features. */
export function claimedFeatures(): string[] {
  return [...new Set([...SUPPORTED_FEATURES, ...MESH_SUPPORTED_FEATURES])].sort();
}

export function conformanceArgs(o: { readonly reportPath: string; readonly version: string; readonly gatewayClass: string }): string[] {
  return [
    "-test.v",
    "-test.run",
    "^TestConformance$",
    "-test.timeout",
    "60m",
    "-test.parallel",
    String(PARALLEL),
    "-gateway-class",
    o.gatewayClass,
    "-conformance-profiles",
    PROFILES.join(","),
    "-supported-features",
    claimedFeatures().join(","),
    "-namespace-labels",
    "weft.dev/inject=enabled",
    "-timeout-config-overrides",
    Object.entries(TIMEOUT_OVERRIDES).map(([k, v]) => `${k}:${v}`).join(";"),
    "-report-output",
    o.reportPath,
    "-organization",
    IMPLEMENTATION.organization,
    "-project",
    IMPLEMENTATION.project,
    "-url",
    IMPLEMENTATION.url,
    "-version",
    o.version,
    "-contact",
    IMPLEMENTATION.contact,
    "-mode",
    "default",
  ];
}

export interface ConformanceRun {
  readonly exitCode: number | null;
  readonly ms: number;
}

/** Runs the suite binary, its output going to `logPath` (and each test's verdict line to `onLine`). */
export function runConformance(binary: string, args: readonly string[], env: NodeJS.ProcessEnv, logPath: string, onLine: (line: string) => void): Promise<ConformanceRun> {
  const t0 = Date.now();
  const log = createWriteStream(logPath);
  const child = spawn(binary, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let pending = "";
  const take = (chunk: Buffer): void => {
    log.write(chunk);
    pending += chunk.toString("utf8");
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const l of lines) if (/^\s*--- (PASS|FAIL|SKIP)|^(PASS|FAIL|ok)\b/.test(l)) onLine(l);
  };
  child.stdout.on("data", take);
  child.stderr.on("data", take);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => log.end(() => resolve({ exitCode: code, ms: Date.now() - t0 })));
  });
}

interface Statistics {
  Passed?: number;
  Failed?: number;
  Skipped?: number;
}
interface Level {
  result?: string;
  statistics?: Statistics;
  skippedTests?: string[];
  failedTests?: string[];
}
export interface ProfileReport {
  readonly name: string;
  readonly core: Level;
  readonly extended?: Level & { supportedFeatures?: string[]; unsupportedFeatures?: string[] };
}
export interface ConformanceReport {
  readonly gatewayAPIVersion?: string;
  readonly gatewayAPIChannel?: string;
  readonly profiles?: readonly ProfileReport[];
}

export function parseReport(text: string): ConformanceReport {
  return parse(text) as ConformanceReport;
}

/** Why this report is not a pass of every profile (core success, nothing skipped, claimed extended features passing). */
export function reportProblems(r: ConformanceReport, gatewayApiVersion: string): string[] {
  const problems: string[] = [];
  if (r.gatewayAPIVersion !== gatewayApiVersion) problems.push(`gatewayAPIVersion is ${r.gatewayAPIVersion ?? "missing"}, not ${gatewayApiVersion}`);
  const claimed = new Set(claimedFeatures());
  for (const name of PROFILES) {
    const p = r.profiles?.find((x) => x.name === name);
    if (p === undefined) {
      problems.push(`${name}: no profile report`);
      continue;
    }
    if (p.core.result !== "success") problems.push(`${name}: core ${p.core.result ?? "missing"} (failed: ${(p.core.failedTests ?? []).join(", ") || "none listed"})`);
    if ((p.core.statistics?.Skipped ?? 0) > 0 || (p.core.skippedTests ?? []).length > 0) problems.push(`${name}: core tests skipped: ${(p.core.skippedTests ?? []).join(", ")}`);
    const ext = p.extended;
    if (ext !== undefined && (ext.supportedFeatures ?? []).length > 0 && ext.result !== "success") {
      problems.push(`${name}: extended ${ext.result ?? "missing"} (failed: ${(ext.failedTests ?? []).join(", ") || "none listed"})`);
    }
    for (const f of ext?.unsupportedFeatures ?? []) if (claimed.has(f)) problems.push(`${name}: claimed feature ${f} reported unsupported`);
  }
  return problems;
}
