// resilience: timeouts (spec §11), retries (spec §12), the retry budget, connection errors and limits,
// each asserted on status, x-weft-error and how many tries the upstream really saw.
import { createServer, type AddressInfo, type Server } from "node:net";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h1, h2, h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

const tries = new Map<string, number>();
let flaky: Echo;
let resetter: Server;
let resetPort = 0;
let deadPort = 0;
let proxy: ProxyUnderTest;
let noBudget: ProxyUnderTest;
let limited: ProxyUnderTest;
let fresh: ProxyUnderTest;

beforeAll(async () => {
  // x-key identifies a test; the first x-fail-count tries answer x-fail-status or sleep x-slow-ms.
  flaky = await startEcho("flaky", (req, res) => {
    const key = String(req.headers["x-key"] ?? "none");
    const n = (tries.get(key) ?? 0) + 1;
    tries.set(key, n);
    const failCount = Number(req.headers["x-fail-count"] ?? 0);
    if (n <= failCount) {
      const slow = Number(req.headers["x-slow-ms"] ?? 0);
      const status = Number(req.headers["x-fail-status"] ?? 500);
      const answer = () => {
        if (!res.writableEnded && !(res as ServerResponse).destroyed) {
          (res as ServerResponse).writeHead(status);
          res.end(`fail ${n}`);
        }
      };
      if (slow > 0) setTimeout(answer, slow);
      else answer();
      return true;
    }
    (res as ServerResponse).writeHead(200);
    res.end(`ok ${n}`);
    return true;
  });
  resetter = createServer((s) => {
    s.once("data", () => s.resetAndDestroy());
  });
  await new Promise<void>((r) => resetter.listen(0, "127.0.0.1", r));
  resetPort = (resetter.address() as AddressInfo).port;
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
  deadPort = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));

  const ir = meshIR([
    cluster("ns/flaky:80", [endpoint(flaky.port)]),
    cluster("ns/reset:80", [endpoint(resetPort)]),
    cluster("ns/dead:80", [endpoint(deadPort)]),
    cluster("ns/half-dead:80", [endpoint(deadPort), endpoint(flaky.port)]),
  ]);
  const rules = tables([
    { matches: [prefix("/req-timeout")], backends: [backend("ns/flaky:80")], timeouts: { requestMs: 200 } },
    { matches: [prefix("/backend-timeout-retry")], backends: [backend("ns/flaky:80")], timeouts: { backendRequestMs: 200 }, retry: { codes: [504], attempts: 2, backoffMs: 1 } },
    { matches: [prefix("/retry3")], backends: [backend("ns/flaky:80")], retry: { codes: [500, 502, 503, 504], attempts: 3, backoffMs: 1 } },
    { matches: [prefix("/retry2")], backends: [backend("ns/flaky:80")], retry: { codes: [500, 502, 503, 504], attempts: 2, backoffMs: 1 } },
    { matches: [prefix("/retry500only")], backends: [backend("ns/flaky:80")], retry: { codes: [500], attempts: 3, backoffMs: 1 } },
    { matches: [prefix("/reset")], backends: [backend("ns/reset:80")] },
    { matches: [prefix("/dead")], backends: [backend("ns/dead:80")] },
    { matches: [prefix("/half-dead")], backends: [backend("ns/half-dead:80")], retry: { codes: [503], attempts: 2, backoffMs: 1 } },
  ]);
  proxy = await startProxy(ir, rules);
  noBudget = await startProxy(ir, rules, { retryBudget: { ratio: 0, floorPerSecond: 0 } });
  limited = await startProxy(ir, rules, { limits: { maxBodyBytes: 1000 } });
  fresh = await startProxy(ir, rules, { retryBudget: { ratio: 0.2, floorPerSecond: 100 } });
});

afterAll(async () => {
  await Promise.all([proxy.close(), noBudget.close(), limited.close(), fresh.close()]);
  await flaky.close();
  resetter.close();
});

const k = (key: string, failCount: number, extra: Record<string, string> = {}) => ({ headers: { "x-key": key, "x-fail-count": String(failCount), ...extra } });

describe("timeouts", () => {
  it("request timeout ⇒ 504 request_timeout (h1 and h2c)", async () => {
    const r = await h1(proxy.port, "/req-timeout", k("rt1", 1, { "x-slow-ms": "1500" }));
    expect(r.status).toBe(504);
    expect(r.headers["x-weft-error"]).toBe("request_timeout");
    const s = h2session(proxy.port);
    try {
      const r2 = await h2(s, "/req-timeout", k("rt2", 1, { "x-slow-ms": "1500" }));
      expect(r2.status).toBe(504);
    } finally {
      s.close();
    }
  });
  it("a timed-out attempt is retried (backendRequest per attempt)", async () => {
    const r = await h1(proxy.port, "/backend-timeout-retry", k("bt1", 1, { "x-slow-ms": "1500" }));
    expect(r.status).toBe(200);
    expect(r.body).toBe("ok 2");
  });
  it("all attempts timing out ⇒ 504 upstream_timeout", async () => {
    const r = await h1(proxy.port, "/backend-timeout-retry", k("bt2", 5, { "x-slow-ms": "1500" }));
    expect(r.status).toBe(504);
    expect(r.headers["x-weft-error"]).toBe("upstream_timeout");
    expect(tries.get("bt2")).toBe(3);
  });
});

describe("retries (attempts = max retries)", () => {
  // [what, path, key, tries that fail, their status (default 500), the answer's status, tries seen, the answer's body]
  const outcomes: [string, string, string, number, string | undefined, number, number, string | undefined][] = [
    ["attempts 3 succeeds when the first 2 tries fail", "/retry3", "r1", 2, undefined, 200, 3, undefined],
    ["attempts 3 fails with the backend's last status when the first 4 fail", "/retry3", "r2", 4, "503", 503, 4, "fail 4"],
    ["attempts 2 fails when the first 3 fail", "/retry2", "r3", 3, undefined, 500, 3, undefined],
    ["codes not listed are not retried", "/retry500only", "r4", 2, "503", 503, 1, undefined],
  ];
  for (const [what, path, key, failing, failStatus, status, seen, body] of outcomes) {
    it(what, async () => {
      const r = await h1(proxy.port, path, k(key, failing, failStatus === undefined ? {} : { "x-fail-status": failStatus }));
      expect(r.status).toBe(status);
      if (body !== undefined) expect(r.body).toBe(body);
      expect(tries.get(key)).toBe(seen);
    });
  }
  it("POST bodies are replayed on retry", async () => {
    const r = await h1(proxy.port, "/retry3", { method: "POST", body: "data-123", ...k("r5", 1) });
    expect(r.status).toBe(200);
    expect(flaky.seen.filter((s) => s.headers["x-key"] === "r5").map((s) => s.body)).toEqual(["data-123", "data-123"]);
  });
  it("an exhausted retry budget stops retries", async () => {
    const r = await h1(noBudget.port, "/retry3", k("r6", 2));
    expect(r.status).toBe(500);
    expect(tries.get("r6")).toBe(1);
    expect(noBudget.engine.metrics.retryBudgetExhausted.get()).toBeGreaterThan(0);
  });
  it("connection errors are retried on another endpoint", async () => {
    for (let i = 0; i < 20; i++) {
      const r = await h1(fresh.port, "/half-dead", k(`hd${i}`, 0));
      expect(r.status).toBe(200);
    }
  });
});

describe("upstream failures", () => {
  it("refused connection ⇒ 503 upstream_connect", async () => {
    const r = await h1(proxy.port, "/dead");
    expect(r.status).toBe(503);
    expect(r.headers["x-weft-error"]).toBe("upstream_connect");
  });
  it("reset before the response ⇒ 503 upstream_reset", async () => {
    const r = await h1(proxy.port, "/reset");
    expect(r.status).toBe(503);
    expect(r.headers["x-weft-error"]).toBe("upstream_reset");
  });
});

describe("body limits", () => {
  it("declared length over the limit ⇒ 413 before the upstream sees anything", async () => {
    const r = await h1(limited.port, "/retry3", { method: "POST", body: "x".repeat(2000), ...k("b1", 0) });
    expect(r.status).toBe(413);
    expect(r.headers["x-weft-error"]).toBe("body_too_large");
    expect(tries.get("b1")).toBeUndefined();
  });
  it("chunked body over the limit ⇒ 413", async () => {
    const r = await h1(limited.port, "/retry3", { method: "POST", body: "y".repeat(5000), headers: { "transfer-encoding": "chunked", "x-key": "b2" } });
    expect(r.status).toBe(413);
  });
  it("bodies within the limit pass", async () => {
    const r = await h1(limited.port, "/retry3", { method: "POST", body: "z".repeat(900), ...k("b3", 0) });
    expect(r.status).toBe(200);
  });
});
