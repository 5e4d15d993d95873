// filters: every route filter of spec §10 through the engine over HTTP/1.1 and h2c: request/response
// header modifiers at rule and backend level, RequestRedirect (status, scheme/host/port/path rules),
// URLRewrite (host and prefix), RequestMirror (one copy to the mirror cluster, response ignored),
// CORS (preflight answered by the proxy, actual responses decorated), Unsupported ⇒ 500.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { FilterIR } from "../../pkg/ir/types.ts";
import { h1, h2, h2session } from "./client.ts";
import { backend, cluster, endpoint, exact, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

const hdr = (set: [string, string][], add: [string, string][] = [], remove: string[] = []) => ({
  set: set.map(([name, value]) => ({ name, value })),
  add: add.map(([name, value]) => ({ name, value })),
  remove,
});

let a: Echo, m: Echo;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  a = await startEcho("a", (req, res) => {
    if (req.url?.startsWith("/resp")) {
      (res as import("node:http").ServerResponse).writeHead(200, { "x-upstream": "u", "x-drop": "d", "x-multi": "one" });
      res.end("ok");
      return true;
    }
    return false;
  });
  m = await startEcho("mirror", (_req, res) => {
    (res as import("node:http").ServerResponse).writeHead(500);
    res.end("mirror says no");
    return true;
  });
  const cors: FilterIR = {
    type: "CORS",
    allowOrigins: ["https://app.example.com", "https://*.trusted.io"],
    allowMethods: ["GET", "PUT"],
    allowHeaders: ["x-token"],
    exposeHeaders: ["x-upstream"],
    allowCredentials: true,
    maxAgeSeconds: 5,
  };
  // The filter of Gateway API conformance HTTPRouteCORS, route cors-multiple-origins-methods-headers.
  const conformanceCors: FilterIR = {
    type: "CORS",
    allowOrigins: ["https://www.foo.com", "https://*.bar.com"],
    allowMethods: ["GET", "OPTIONS"],
    allowHeaders: ["x-header-1", "x-header-2"],
    exposeHeaders: ["x-header-3", "x-header-4"],
    allowCredentials: true,
    maxAgeSeconds: 3600,
  };
  proxy = await startProxy(meshIR([cluster("ns/a:80", [endpoint(a.port)]), cluster("ns/m:80", [endpoint(m.port)])]), tables([
    { matches: [prefix("/reqhdr")], backends: [backend("ns/a:80", 1, [{ type: "RequestHeaderModifier", ...hdr([["x-backend", "b1"]]) }])],
      filters: [{ type: "RequestHeaderModifier", ...hdr([["x-set", "s"]], [["x-add", "new"]], ["x-remove"]) }] },
    { matches: [prefix("/resp")], backends: [backend("ns/a:80", 1, [{ type: "ResponseHeaderModifier", ...hdr([["x-backend-resp", "r"]]) }])],
      filters: [{ type: "ResponseHeaderModifier", ...hdr([["x-set-resp", "v"]], [["x-multi", "two"]], ["x-drop"]) }] },
    { matches: [prefix("/redir-default")], filters: [{ type: "RequestRedirect", statusCode: 302 }] },
    { matches: [prefix("/redir-https")], filters: [{ type: "RequestRedirect", scheme: "https", hostname: "secure.example.com", statusCode: 301 }] },
    { matches: [prefix("/redir-port")], filters: [{ type: "RequestRedirect", port: 8443, scheme: "https", statusCode: 308 }] },
    { matches: [prefix("/redir-path")], filters: [{ type: "RequestRedirect", path: { type: "ReplacePrefixMatch", prefix: "/redir-path", value: "/new" }, statusCode: 302 }] },
    { matches: [prefix("/rewrite")], backends: [backend("ns/a:80")],
      filters: [{ type: "URLRewrite", hostname: "internal.local", path: { type: "ReplacePrefixMatch", prefix: "/rewrite", value: "/v2" } }] },
    { matches: [exact("/full")], backends: [backend("ns/a:80")], filters: [{ type: "URLRewrite", path: { type: "ReplaceFullPath", value: "/elsewhere" } }] },
    { matches: [prefix("/mirror")], backends: [backend("ns/a:80")],
      filters: [{ type: "RequestHeaderModifier", ...hdr([["x-before-mirror", "1"]]) }, { type: "RequestMirror", cluster: "ns/m:80", numerator: 100, denominator: 100 }] },
    { matches: [prefix("/cors-1")], backends: [backend("ns/a:80")], filters: [conformanceCors] },
    { matches: [prefix("/cors")], backends: [backend("ns/a:80")], filters: [cors] },
    { matches: [prefix("/badheader")], backends: [backend("ns/a:80")], filters: [{ type: "RequestHeaderModifier", ...hdr([["x-bad", "line\r\nbreak"]]) }] },
    { matches: [prefix("/unsupported")], backends: [backend("ns/a:80")], filters: [{ type: "Unsupported", status: 500, reason: "ExtensionRef x" }] },
  ]));
});

afterAll(async () => {
  await proxy.close();
  await Promise.all([a.close(), m.close()]);
});

describe("header modifiers", () => {
  it("rule and backend request modifiers set, add, remove", async () => {
    const r = await h1(proxy.port, "/reqhdr", { headers: { "x-add": "old", "x-remove": "gone", "x-set": "orig" } });
    const seen = JSON.parse(r.body).headers as Record<string, string>;
    expect(seen["x-set"]).toBe("s");
    expect(seen["x-add"]).toBe("old,new");
    expect(seen["x-remove"]).toBeUndefined();
    expect(seen["x-backend"]).toBe("b1");
  });
  it("rule and backend response modifiers apply over h2c too", async () => {
    for (const r of [await h1(proxy.port, "/resp"), await (async () => {
      const s = h2session(proxy.port);
      try {
        return await h2(s, "/resp");
      } finally {
        s.close();
      }
    })()]) {
      expect(r.headers["x-set-resp"]).toBe("v");
      expect(r.headers["x-multi"]).toBe("one,two");
      expect(r.headers["x-drop"]).toBeUndefined();
      expect(r.headers["x-backend-resp"]).toBe("r");
      expect(r.headers["x-upstream"]).toBe("u");
    }
  });
});

describe("RequestRedirect", () => {
  it("defaults keep scheme, host and the listener port", async () => {
    const r = await h1(proxy.port, "/redir-default/x?q=1", { headers: { host: "shop.example.com" } });
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`http://shop.example.com:${proxy.port}/redir-default/x?q=1`);
    expect(a.seen.some((s) => s.url.startsWith("/redir"))).toBe(false);
  });
  it("scheme https without port ⇒ 443 omitted", async () => {
    const r = await h1(proxy.port, "/redir-https/p", { headers: { host: "shop.example.com" } });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe("https://secure.example.com/redir-https/p");
  });
  it("explicit port is kept, 308 honoured", async () => {
    const r = await h1(proxy.port, "/redir-port", { headers: { host: "h.example.com" } });
    expect(r.status).toBe(308);
    expect(r.headers.location).toBe("https://h.example.com:8443/redir-port");
  });
  it("ReplacePrefixMatch rewrites the redirect path", async () => {
    const r = await h1(proxy.port, "/redir-path/a/b", { headers: { host: "h" } });
    expect(r.headers.location).toBe(`http://h:${proxy.port}/new/a/b`);
  });
});

describe("URLRewrite", () => {
  it("rewrites host and path prefix", async () => {
    const r = await h1(proxy.port, "/rewrite/items?x=1", { headers: { host: "public.example.com" } });
    const seen = JSON.parse(r.body);
    expect(seen.url).toBe("/v2/items?x=1");
    expect(seen.headers.host).toBe("internal.local");
  });
  it("ReplaceFullPath replaces the whole path", async () => {
    expect(JSON.parse((await h1(proxy.port, "/full")).body).url).toBe("/elsewhere");
  });
});

describe("RequestMirror", () => {
  it("copies the request (with preceding header changes) to the mirror and ignores its answer", async () => {
    const before = m.seen.length;
    const r = await h1(proxy.port, "/mirror/path", { method: "POST", body: "payload" });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).headers["x-before-mirror"]).toBe("1");
    await vi.waitFor(() => expect(m.seen.length).toBe(before + 1), { timeout: 10_000, interval: 10 });
    expect(m.seen.at(-1)).toMatchObject({ url: "/mirror/path", body: "payload", method: "POST" });
  });
});

describe("CORS", () => {
  it("answers an allowed preflight itself with credentials and max-age", async () => {
    const before = a.seen.length;
    const r = await h1(proxy.port, "/cors", { method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "PUT", "access-control-request-headers": "x-token" } });
    expect(r.status).toBe(200);
    expect(r.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(r.headers["access-control-allow-methods"]).toBe("GET, PUT");
    expect(r.headers["access-control-allow-headers"]).toBe("x-token");
    expect(r.headers["access-control-allow-credentials"]).toBe("true");
    expect(r.headers["access-control-max-age"]).toBe("5");
    expect(r.body).toBe("");
    expect(a.seen.length).toBe(before);
  });
  it("wildcard label origin is allowed; foreign origin gets no CORS headers", async () => {
    const ok = await h1(proxy.port, "/cors", { method: "OPTIONS", headers: { origin: "https://a.b.trusted.io", "access-control-request-method": "GET" } });
    expect(ok.headers["access-control-allow-origin"]).toBe("https://a.b.trusted.io");
    const no = await h1(proxy.port, "/cors", { method: "OPTIONS", headers: { origin: "https://evil.com", "access-control-request-method": "GET" } });
    expect(no.headers["access-control-allow-origin"]).toBeUndefined();
  });
  it("a preflight answers what conformance HTTPRouteCORS expects, Access-Control-Expose-Headers included", async () => {
    // Values compared without whitespace, in either listed order, as the conformance test does.
    const valid: Record<string, string[]> = {
      "access-control-allow-origin": ["https://www.foo.com"],
      "access-control-allow-methods": ["GET,OPTIONS", "OPTIONS,GET"],
      "access-control-allow-headers": ["x-header-1,x-header-2", "x-header-2,x-header-1"],
      "access-control-expose-headers": ["x-header-3,x-header-4", "x-header-4,x-header-3"],
      "access-control-max-age": ["3600"],
      "access-control-allow-credentials": ["true"],
    };
    const r = await h1(proxy.port, "/cors-1", { method: "OPTIONS",
      headers: { origin: "https://www.foo.com", "access-control-request-method": "GET", "access-control-request-headers": "x-header-1, x-header-2" } });
    expect([200, 204]).toContain(r.status);
    for (const [name, values] of Object.entries(valid)) expect(values, name).toContain(String(r.headers[name] ?? "").replace(/\s+/g, ""));
  });
  it("decorates actual responses for allowed origins", async () => {
    const r = await h1(proxy.port, "/cors", { headers: { origin: "https://app.example.com" } });
    expect(r.status).toBe(200);
    expect(r.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(r.headers["access-control-expose-headers"]).toBe("x-upstream");
    const plain = await h1(proxy.port, "/cors", { headers: { origin: "https://evil.com" } });
    expect(plain.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

// [what, the promise, path, x-weft-error]: the request is answered 500 by the proxy and never reaches the backend.
const refused = [
  ["a filter producing an unsendable header", "answers 500 internal instead of crashing or blaming the upstream", "/badheader", "internal"],
  ["Unsupported filter", "answers 500 and never reaches the backend", "/unsupported", "unsupported_filter"],
] as const;
for (const [what, promise, path, error] of refused) {
  describe(what, () => {
    it(promise, async () => {
      const before = a.seen.length;
      const r = await h1(proxy.port, path);
      expect(r.status).toBe(500);
      expect(r.headers["x-weft-error"]).toBe(error);
      expect(a.seen.length).toBe(before);
    });
  });
}
