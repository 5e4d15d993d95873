// units: the pure pieces of the stack — path normalisation (fast-check properties), hop-by-hop hygiene,
// grpc-timeout parsing, redirect Location port rules (spec §10), CORS origin matching, the balancers
// (P2C over peak EWMA, round robin), the retry budget, and protocol detection.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EndpointIR } from "../../pkg/ir/types.ts";
import { pickP2cEwma } from "../../pkg/proxy/balance/p2c-ewma.ts";
import { RoundRobinCursor } from "../../pkg/proxy/balance/round-robin.ts";
import { originAllowed, preflightAnswer, type CorsFilter } from "../../pkg/proxy/stack/cors.ts";
import { EndpointStats } from "../../pkg/proxy/balance/endpoint-stats.ts";
import { parseGrpcTimeout } from "../../pkg/proxy/grpc-status.ts";
import { forwardRequestHeaders, normalizePath, routingHost, splitTarget } from "../../pkg/proxy/stack/hygiene.ts";
import { verdictOf, h2Preface } from "../../pkg/proxy/front/protocol-detect.ts";
import { redirectLocation } from "../../pkg/proxy/stack/redirect.ts";
import { RetryBudget } from "../../pkg/proxy/stack/retry-budget.ts";
import { seeded } from "./fixtures.ts";
import { fcParams } from "../support/fast-check-env.ts";

describe("normalizePath", () => {
  it("resolves dot segments, rejects escapes above the root", () => {
    expect(normalizePath("/a/./b")).toBe("/a/b");
    expect(normalizePath("/a/b/../c")).toBe("/a/c");
    expect(normalizePath("/a/b/..")).toBe("/a/");
    expect(normalizePath("/a/%2e%2E/b")).toBe("/b");
    expect(normalizePath("/..")).toBeUndefined();
    expect(normalizePath("/a/../../b")).toBeUndefined();
    expect(normalizePath("/.well-known/x")).toBe("/.well-known/x");
    expect(normalizePath("/a//b")).toBe("/a//b");
    expect(normalizePath("/a/b%2Fc")).toBe("/a/b%2Fc");
    // A dot segment behind an encoded slash or a backslash: its meaning depends on the backend's decoding.
    expect(normalizePath("/a/%2F../b")).toBeUndefined();
    expect(normalizePath("/a/..%5cb")).toBeUndefined();
  });
  const seg = fc.constantFrom("a", "b", ".", "..", "%2e", "%2E%2e", "", ".x", "x.", "%2F", "..%2f", "%5c.", "a%2Fb");
  it("property: output has no dot segments (also with %2F / %5C as separators), starts with /, and is a fixed point", () => {
    fc.assert(fc.property(fc.array(seg, { maxLength: 12 }), (segs) => {
      const out = normalizePath("/" + segs.join("/"));
      if (out === undefined) return;
      expect(out.startsWith("/")).toBe(true);
      const parts = out.split(/\/|%2f|%5c/i).map((p) => p.replace(/%2e/gi, "."));
      expect(parts.includes(".") || parts.includes("..")).toBe(false);
      expect(normalizePath(out)).toBe(out);
    }), fcParams(500, 7));
  });
  it("property: a path that climbs above the root is always rejected", () => {
    fc.assert(fc.property(fc.array(fc.constantFrom("a", "b"), { maxLength: 5 }), (segs) => {
      expect(normalizePath("/" + [...segs, ...segs.map(() => ".."), ".."].join("/"))).toBeUndefined();
    }), fcParams(100, 8));
  });
});

describe("hygiene", () => {
  it("drops hop-by-hop and Connection-named headers, keeps te: trailers only", () => {
    const out = forwardRequestHeaders({
      connection: "close, x-hop",
      "x-hop": "1",
      "keep-alive": "t=5",
      "proxy-authorization": "secret",
      te: "trailers, deflate",
      "transfer-encoding": "chunked",
      upgrade: "websocket",
      "x-end": "ok",
      ":path": "/p",
      host: "h",
    }, { remoteAddress: "10.0.0.1", scheme: "https" });
    expect(Object.keys(out).sort()).toEqual(["te", "x-end", "x-forwarded-for", "x-forwarded-proto", "x-request-id"]);
    expect(out.te).toBe("trailers");
    expect(out["x-forwarded-proto"]).toBe("https");
  });
  it("appends to an existing x-forwarded-for", () => {
    expect(forwardRequestHeaders({ "x-forwarded-for": "1.1.1.1" }, { remoteAddress: "2.2.2.2", scheme: "http" })["x-forwarded-for"]).toBe("1.1.1.1, 2.2.2.2");
  });
  it("records an IPv4-mapped IPv6 peer (a dual-stack listener's view of an IPv4 client) as plain IPv4", () => {
    expect(forwardRequestHeaders({}, { remoteAddress: "::ffff:10.244.0.7", scheme: "http" })["x-forwarded-for"]).toBe("10.244.0.7");
    expect(forwardRequestHeaders({ "x-forwarded-for": "203.0.113.9" }, { remoteAddress: "::FFFF:10.244.0.7", scheme: "http" })["x-forwarded-for"]).toBe("203.0.113.9, 10.244.0.7");
    expect(forwardRequestHeaders({}, { remoteAddress: "fd00::7", scheme: "http" })["x-forwarded-for"]).toBe("fd00::7");
    // The last address is kept normalized: each request still gets its own client's address.
    const peers = ["::ffff:10.0.0.1", "::ffff:10.0.0.1", "10.0.0.2", "FD00::0:8", "::ffff:10.0.0.1"].map((a) => forwardRequestHeaders({}, { remoteAddress: a, scheme: "http" })["x-forwarded-for"]);
    expect(peers).toEqual(["10.0.0.1", "10.0.0.1", "10.0.0.2", "fd00::8", "10.0.0.1"]);
  });
  it("leaves x-forwarded-for as received when asked not to append (a sidecar's outbound face)", () => {
    expect(forwardRequestHeaders({ "x-forwarded-for": "203.0.113.9" }, { remoteAddress: "10.244.0.7", appendForwardedFor: false, scheme: "http" })["x-forwarded-for"]).toBe("203.0.113.9");
    expect(forwardRequestHeaders({}, { remoteAddress: "10.244.0.7", appendForwardedFor: false, scheme: "http" })["x-forwarded-for"]).toBeUndefined();
  });
  it("routing host drops the port and brackets, lower-cases", () => {
    expect(routingHost("Very.Specific.COM:1234")).toBe("very.specific.com");
    expect(routingHost("[::1]:8080")).toBe("::1");
  });
  it("splits origin-form and absolute-form targets", () => {
    expect(splitTarget("/a?b=c")).toEqual({ path: "/a", query: "b=c" });
    expect(splitTarget("http://Host:8/x?y")).toEqual({ path: "/x", query: "y", authority: "Host:8" });
    expect(splitTarget("*")).toBeUndefined();
    expect(splitTarget("/a#frag")).toBeUndefined();
  });
});

describe("grpc-timeout", () => {
  it("parses every unit and ignores malformed values", () => {
    expect(parseGrpcTimeout("1S")).toBe(1000);
    expect(parseGrpcTimeout("250m")).toBe(250);
    expect(parseGrpcTimeout("2M")).toBe(120_000);
    expect(parseGrpcTimeout("1H")).toBe(3_600_000);
    expect(parseGrpcTimeout("5000u")).toBe(5);
    expect(parseGrpcTimeout("10n")).toBe(1);
    expect(parseGrpcTimeout("1s")).toBeUndefined();
    expect(parseGrpcTimeout("123456789S")).toBeUndefined();
    expect(parseGrpcTimeout("")).toBeUndefined();
  });
});

describe("redirect Location (spec §10 port rules)", () => {
  const base = { scheme: "http" as const, host: "h.example", path: "/p", query: "", listenerPort: 8080 };
  it("keeps the listener port when scheme and port are unset", () => {
    expect(redirectLocation({ type: "RequestRedirect", statusCode: 302 }, base).location).toBe("http://h.example:8080/p");
  });
  it("uses the scheme's well-known port when only the scheme is set, and omits it", () => {
    expect(redirectLocation({ type: "RequestRedirect", scheme: "https", statusCode: 302 }, base).location).toBe("https://h.example/p");
    expect(redirectLocation({ type: "RequestRedirect", scheme: "http", statusCode: 302 }, { ...base, scheme: "https" }).location).toBe("http://h.example/p");
  });
  it("omits 80 for http and 443 for https, keeps other explicit ports", () => {
    expect(redirectLocation({ type: "RequestRedirect", port: 80, statusCode: 301 }, base).location).toBe("http://h.example/p");
    expect(redirectLocation({ type: "RequestRedirect", port: 443, scheme: "https", statusCode: 301 }, base).location).toBe("https://h.example/p");
    expect(redirectLocation({ type: "RequestRedirect", port: 443, statusCode: 301 }, base).location).toBe("http://h.example:443/p");
  });
  it("property: the status is the filter's and the location always parses as a URL", () => {
    fc.assert(
      fc.property(fc.constantFrom(301, 302, 303, 307, 308), fc.option(fc.constantFrom<"http" | "https">("http", "https"), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }), (statusCode, scheme, port) => {
        const r = redirectLocation({ type: "RequestRedirect", statusCode: statusCode, ...(scheme ? { scheme } : {}), ...(port ? { port } : {}) }, base);
        expect(r.status).toBe(statusCode);
        const u = new URL(r.location);
        const expectedPort = port ?? (scheme === "https" ? 443 : scheme === "http" ? 80 : 8080);
        const shownPort = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
        expect(shownPort).toBe(expectedPort);
      }),
      fcParams(200, 3),
    );
  });
});

describe("CORS", () => {
  const f: CorsFilter = { type: "CORS", allowOrigins: ["https://*.example.com", "http://exact.test:8080"], allowMethods: ["*"], allowHeaders: ["*"], exposeHeaders: [], allowCredentials: true,
    maxAgeSeconds: 5 };
  it("wildcard host labels match one or more labels, not the apex or another scheme", () => {
    expect(originAllowed(f, "https://a.example.com")).toBe(true);
    expect(originAllowed(f, "https://a.b.example.com")).toBe(true);
    expect(originAllowed(f, "https://example.com")).toBe(false);
    expect(originAllowed(f, "http://a.example.com")).toBe(false);
    expect(originAllowed(f, "http://exact.test:8080")).toBe(true);
    expect(originAllowed(f, "http://exact.test")).toBe(false);
  });
  it("with credentials, * methods and headers echo the request instead", () => {
    const a = preflightAnswer(f, { origin: "https://x.example.com", "access-control-request-method": "PATCH", "access-control-request-headers": "x-a, x-b" });
    expect(a.headers["access-control-allow-methods"]).toBe("PATCH");
    expect(a.headers["access-control-allow-headers"]).toBe("x-a, x-b");
    expect(a.headers["access-control-allow-origin"]).toBe("https://x.example.com");
  });
});

describe("balancers", () => {
  const eps: EndpointIR[] = [1, 2, 3, 4].map((p) => ({ address: "10.0.0.1", port: p, ready: true, serving: true, terminating: false }));
  it("P2C prefers the cheaper of two and respects avoid", () => {
    const stats = eps.map(() => new EndpointStats());
    stats[0]!.observe(1000, Date.now());
    const rnd = seeded(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[pickP2cEwma(eps, stats, rnd, undefined)]!++;
    expect(counts[0]!).toBeLessThan(counts[1]! / 2);
    for (let i = 0; i < 200; i++) expect(pickP2cEwma(eps, stats, rnd, eps[2])).not.toBe(2);
  });
  it("property: P2C always returns an index of a candidate", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (n, r) => {
      const i = pickP2cEwma(eps.slice(0, n), eps.slice(0, n).map(() => new EndpointStats()), () => r, undefined);
      expect(i).toBeGreaterThanOrEqual(0);
      expect(i).toBeLessThan(n);
    }), fcParams(300, 5));
  });
  it("round robin cycles over every endpoint", () => {
    const c = new RoundRobinCursor();
    expect([0, 1, 2, 3, 4, 5, 6, 7].map(() => c.pick(eps, undefined))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });
  it("peak EWMA jumps up at once and decays with time", () => {
    const s = new EndpointStats();
    s.observe(10, 0);
    s.observe(500, 1);
    expect(s.ewmaMs).toBe(500);
    s.observe(10, 60_000);
    expect(s.ewmaMs).toBeLessThan(20);
  });
});

describe("retry budget", () => {
  it("allows the floor, then only the ratio of traffic", () => {
    const b = new RetryBudget({ ratio: 0.2, floorPerSecond: 2, max: 100 }, 0);
    expect(b.tryRetry(0)).toBe(true);
    expect(b.tryRetry(0)).toBe(true);
    expect(b.tryRetry(0)).toBe(false);
    for (let i = 0; i < 10; i++) b.onRequest();
    expect(b.tryRetry(0)).toBe(true);
    expect(b.tryRetry(0)).toBe(true);
    expect(b.tryRetry(0)).toBe(false);
  });
  it("idle time refills only up to the floor", () => {
    const b = new RetryBudget({ ratio: 0, floorPerSecond: 3 }, 0);
    let n = 0;
    while (b.tryRetry(1_000_000)) n++;
    expect(n).toBe(3);
  });
});

describe("protocol detection", () => {
  it("needs the whole preface for h2 and one differing byte for h1", () => {
    expect(verdictOf(h2Preface)).toBe("h2");
    expect(verdictOf(h2Preface.subarray(0, 10))).toBeUndefined();
    expect(verdictOf(Buffer.from("GET / HTTP/1.1\r\n"))).toBe("h1");
    expect(verdictOf(Buffer.from("PRX"))).toBe("h1");
  });
});
