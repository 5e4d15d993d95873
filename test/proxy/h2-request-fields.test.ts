// h2-request-fields: what an h2 upstream receives of a request, field by field — the proxy hands node one
// name/value list (pseudo-fields first) instead of a header object: repeated fields stay repeated (node's
// server joins them with ", ", cookies with "; "), the method, path and authority are the request's, and
// the proxy's own fields are there once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h1 } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startH2Echo, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let echo: Echo;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  echo = await startH2Echo("h2");
  proxy = await startProxy(meshIR([cluster("ns/h2:80", [endpoint(echo.port)], "h2c")]), tables([{ matches: [prefix("/")], backends: [backend("ns/h2:80")] }]));
});

afterAll(async () => {
  await proxy.close();
  await echo.close();
});

describe("an h2 upstream gets the request's fields", () => {
  it("repeated fields, cookies, method, path, authority and the proxy's own fields", { timeout: 10_000 }, async () => {
    const r = await h1(proxy.port, "/fields/a?q=1", {
      method: "POST",
      headers: { host: "svc.example", "x-multi": ["one", "two"], cookie: ["a=1", "b=2"], "x-request-id": "rid-1", "content-type": "text/plain" },
      body: "payload",
    });
    expect(r.status).toBe(200);
    const seen = echo.seen.at(-1)!;
    expect(seen.method).toBe("POST");
    expect(seen.url).toBe("/fields/a?q=1");
    expect(seen.body).toBe("payload");
    expect(seen.headers[":authority"]).toBe("svc.example");
    expect(seen.headers[":scheme"]).toBe("http");
    expect(seen.headers["x-multi"]).toBe("one, two");
    expect(seen.headers.cookie).toBe("a=1; b=2");
    expect(seen.headers["content-type"]).toBe("text/plain");
    expect(seen.headers["x-request-id"]).toBe("rid-1");
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen.headers.host).toBeUndefined();
  });
});
