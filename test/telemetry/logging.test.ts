// Logs: secrets never reach output (fixed shapes and a property over random secret keys, depths
// and values), levels filter, the access-log line has the documented fields.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createAccessLog, createLogger, REDACTED_KEYS, type Logger } from "../../pkg/telemetry/index.ts";
import { fcParams } from "../support/fast-check-env.ts";

function capture(): { lines: () => string[]; dest: { write(s: string): void } } {
  const buf: string[] = [];
  return { lines: () => buf.join("").split("\n").filter((l) => l !== ""), dest: { write: (s) => {
    buf.push(s);
  } } };
}

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXNlY3JldA";
const PEM = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKq0secretsecretsecret\n-----END EC PRIVATE KEY-----";

describe("redacting logger", () => {
  it("keeps a service-account token and private key out of every field shape", () => {
    const c = capture();
    const log = createLogger({ name: "test", destination: c.dest, level: "trace", base: { serviceAccountToken: TOKEN } });
    log.info({ headers: { Authorization: `Bearer ${TOKEN}`, cookie: `session=${TOKEN}` } }, "request");
    log.info({ identity: { keyPem: PEM, csr: "-----BEGIN CERTIFICATE REQUEST-----\nabc\n-----END CERTIFICATE REQUEST-----" } }, "issued");
    log.warn({ token: TOKEN, nested: { deeper: [{ password: "hunter2hunter2" }] } });
    log.error(new Error(`TokenReview failed for Bearer ${TOKEN}`));
    log.debug(`raw header was Bearer ${TOKEN}`);
    log.info({ url: `/callback?code=${TOKEN}&state=1` }, "redirect");
    log.child({ token: TOKEN }).child({ req: { authorization: TOKEN } }).info("child");
    log.info({ key: PEM }, `key material ${PEM}`);
    const out = c.lines();
    expect(out.length).toBe(8);
    for (const line of out) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain("secretsecret");
      expect(line).not.toContain("hunter2");
    }
    expect(out.join("\n")).toContain("[REDACTED]");
    expect(JSON.parse(out[5]!).url).toBe("/callback?code=[REDACTED]&state=1");
    expect(JSON.parse(out[3]!).err.type).toBe("Error");
  });

  it("never leaks a secret value put under any redacted key at any depth", () => {
    fc.assert(fc.property(
      fc.constantFrom(...REDACTED_KEYS, "serviceAccountToken", "dbPassword", "tlsKeyPem", "AUTHORIZATION"),
      fc.stringMatching(/^[A-Za-z0-9]{12,40}$/),
      fc.array(fc.constantFrom("a", "b", "headers", "spec"), { maxLength: 5 }),
      (key, secret, path) => {
        const c = capture();
        const log = createLogger({ destination: c.dest });
        let obj: Record<string, unknown> = { [key]: secret };
        for (const p of path) obj = { [p]: obj };
        log.info(obj, "msg");
        const [line] = c.lines();
        expect(line).toBeDefined();
        expect(line).not.toContain(secret);
      },
    ), fcParams(300));
  });

  it("filters by level and survives circular objects", () => {
    const c = capture();
    const log: Logger = createLogger({ destination: c.dest, level: "warn" });
    const cyc: Record<string, unknown> = { a: 1 };
    cyc["self"] = cyc;
    log.info("dropped");
    log.warn(cyc, "kept");
    const out = c.lines();
    expect(out.length).toBe(1);
    const rec = JSON.parse(out[0]!);
    expect(rec.level).toBe("warn");
    expect(rec.self).toBe("[Circular]");
  });
});

describe("access log", () => {
  it("writes one JSON line with the documented fields and a scrubbed, capped path", () => {
    const c = capture();
    const al = createAccessLog(c.dest);
    al.log({ method: "GET", path: `/reviews/1?access_token=${TOKEN}&page=2`, status: 200, route: "HTTPRoute/default/reviews", backend: "default/reviews-v1:9080", durationMs: 12.34567, bytes: 512,
      requestId: "req-1", traceId: "4bf92f3577b34da6a3ce929d0e0e4736", peerIdentity: "spiffe://cluster.local/ns/default/sa/web", face: "sidecar-inbound" });
    al.log({ method: "POST", path: `/${"x".repeat(5000)}`, status: 504, route: "none", backend: "none", durationMs: 1, bytes: 0 });
    const [a, b] = c.lines().map((l) => JSON.parse(l));
    expect(Object.keys(a).sort()).toEqual(["backend", "bytes", "duration_ms", "face", "level", "log", "method", "path", "peer_identity", "request_id", "route", "status", "time", "trace_id"]);
    expect(a).toMatchObject({ log: "access", method: "GET", path: "/reviews/1?access_token=[REDACTED]&page=2", status: 200, duration_ms: 12.346, bytes: 512, request_id: "req-1",
      trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", peer_identity: "spiffe://cluster.local/ns/default/sa/web" });
    expect(Number.isNaN(Date.parse(a.time))).toBe(false);
    expect(b.path.length).toBeLessThanOrEqual(1025);
    expect(b.trace_id).toBeUndefined();
  });
});
