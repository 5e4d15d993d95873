// app-probes (contract): WEFT_APP_PROBES is parsed defensively — entries outside /app-health/, bad ports,
// schemes, paths or header fields are left out with one sentence each; good ones are kept.
import { describe, expect, it } from "vitest";
import { appProbePath, parseAppProbes } from "../../pkg/util/app-probes.ts";

describe("parseAppProbes", () => {
  it("keeps valid HTTP and TCP probes, defaulting a missing timeout to 1 s", () => {
    const r = parseAppProbes(JSON.stringify({
      [appProbePath("web", "livenessProbe")]: { kind: "http", port: 8080, path: "/healthz?full=1", scheme: "HTTP", headers: [{ name: "X-A", value: "b c" }], timeoutSeconds: 3 },
      [appProbePath("web", "readinessProbe")]: { kind: "tcp", port: 5432 },
      [appProbePath("web", "startupProbe")]: { kind: "grpc", port: 7070, service: "pkg.Svc" },
    }));
    expect(r.problems).toEqual([]);
    expect(r.probes.get("/app-health/web/livez")).toEqual({ kind: "http", port: 8080, path: "/healthz?full=1", scheme: "HTTP", headers: [{ name: "X-A", value: "b c" }], timeoutSeconds: 3 });
    expect(r.probes.get("/app-health/web/readyz")).toEqual({ kind: "tcp", port: 5432, timeoutSeconds: 1 });
    expect(r.probes.get("/app-health/web/startupz")).toEqual({ kind: "grpc", port: 7070, service: "pkg.Svc", timeoutSeconds: 1 });
  });
  it("treats an absent or empty variable as no probes", () => {
    expect(parseAppProbes(undefined).probes.size).toBe(0);
    expect(parseAppProbes("  ").problems).toEqual([]);
  });
  it("refuses what is not a probe, one sentence per entry", () => {
    expect(parseAppProbes("{").problems).toEqual(["WEFT_APP_PROBES is not JSON"]);
    expect(parseAppProbes("[]").problems).toEqual(["WEFT_APP_PROBES must be a JSON object"]);
    const r = parseAppProbes(JSON.stringify({
      "/metrics": { kind: "tcp", port: 1 },
      "/app-health/a/livez": { kind: "tcp", port: 70000 },
      "/app-health/b/livez": { kind: "http", port: 80, path: "x", scheme: "HTTP" },
      "/app-health/c/livez": { kind: "http", port: 80, path: "/", scheme: "FTP" },
      "/app-health/d/livez": { kind: "http", port: 80, path: "/", scheme: "HTTP", headers: [{ name: "bad name", value: "v" }] },
      "/app-health/e/livez": { kind: "http", port: 80, path: "/", scheme: "HTTP", headers: [{ name: "x", value: "a\r\nb" }] },
      "/app-health/f/livez": { kind: "exec", port: 80 },
      "/app-health/g/livez": { kind: "grpc", port: 80, service: "a b" },
    }));
    expect(r.probes.size).toBe(0);
    expect(r.problems).toEqual([
      'WEFT_APP_PROBES: "/metrics" is not under /app-health/',
      "WEFT_APP_PROBES /app-health/a/livez: port must be an integer 1..65535",
      "WEFT_APP_PROBES /app-health/b/livez: path must start with / and hold visible ASCII only",
      "WEFT_APP_PROBES /app-health/c/livez: scheme must be HTTP or HTTPS",
      'WEFT_APP_PROBES /app-health/d/livez: header "bad name" is not a valid field',
      'WEFT_APP_PROBES /app-health/e/livez: header "x" is not a valid field',
      'WEFT_APP_PROBES /app-health/f/livez: kind must be "http", "tcp" or "grpc"',
      "WEFT_APP_PROBES /app-health/g/livez: service must be visible ASCII, at most 256 characters",
    ]);
  });
});
