// request-hygiene: header names with "_" are dropped by default (nginx's default; some backends fold "_"
// into "-", so `Transfer_Encoding` could become framing), also for route matching, kept with "allow",
// refused (400) with "reject", over HTTP/1.1 and h2c alike; and paths that hide a dot segment behind an
// encoded slash or a backslash ("..%2f") are refused 400 bad_path, while "%2F" elsewhere stays as sent.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizePath } from "../../pkg/proxy/stack/hygiene.ts";
import { h1, h2, h2session, rawUntilClose } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let pub: Echo, secret: Echo;
let drop: ProxyUnderTest, allow: ProxyUnderTest, reject: ProxyUnderTest;

beforeAll(async () => {
  [pub, secret] = await Promise.all([startEcho("public"), startEcho("secret")]);
  const ir = meshIR([cluster("ns/pub:80", [endpoint(pub.port)]), cluster("ns/secret:80", [endpoint(secret.port)])]);
  const rules = tables([
    { matches: [prefix("/admin")], backends: [backend("ns/secret:80")] },
    { matches: [prefix("/", { headers: [{ type: "Exact", name: "x_route", value: "secret" }] })], backends: [backend("ns/secret:80")] },
    { matches: [prefix("/")], backends: [backend("ns/pub:80")] },
  ]);
  [drop, allow, reject] = await Promise.all([
    startProxy(ir, rules),
    startProxy(ir, rules, { limits: { headersWithUnderscores: "allow" } }),
    startProxy(ir, rules, { limits: { headersWithUnderscores: "reject" } }),
  ]);
});

afterAll(async () => {
  await Promise.all([drop.close(), allow.close(), reject.close()]);
  await Promise.all([pub.close(), secret.close()]);
});

const underscored = { "x_user": "admin", "transfer_encoding": "chunked", "x-ok": "1" };

describe("header names with an underscore", () => {
  it("are dropped by default, over HTTP/1.1 and h2c, and do not route", async () => {
    const r = await h1(drop.port, "/u", { headers: { ...underscored, "x_route": "secret" } });
    const seen = JSON.parse(r.body);
    expect(seen.server).toBe("public");
    expect(seen.headers["x-ok"]).toBe("1");
    expect(Object.keys(seen.headers).filter((k) => k.includes("_"))).toEqual([]);
    const s = h2session(drop.port);
    try {
      const r2 = await h2(s, "/u2", { headers: underscored });
      expect(Object.keys(JSON.parse(r2.body).headers).filter((k) => k.includes("_"))).toEqual([]);
    } finally {
      s.close();
    }
  });
  it("are kept with headersWithUnderscores: allow", async () => {
    const r = await h1(allow.port, "/u", { headers: { ...underscored, "x_route": "secret" } });
    const seen = JSON.parse(r.body);
    expect(seen.server).toBe("secret");
    expect(seen.headers.x_user).toBe("admin");
  });
  it("get 400 with headersWithUnderscores: reject, and reach no backend", async () => {
    const before = pub.seen.length + secret.seen.length;
    const r = await h1(reject.port, "/u", { headers: underscored });
    expect(r.status).toBe(400);
    expect(r.headers["x-weft-error"]).toBe("bad_request");
    expect(pub.seen.length + secret.seen.length).toBe(before);
    expect((await h1(reject.port, "/plain", { headers: { "x-ok": "1" } })).status).toBe(200);
  });
});

describe("encoded slashes and dot segments", () => {
  const hidden = ["/public/..%2fadmin/steal", "/public/%2e%2e%2Fadmin", "/public/..%5cadmin", "/public\\..\\admin", "/x/.%2f..%2fadmin"];
  for (const path of hidden) {
    it(`${path} ⇒ 400 bad_path, no backend reached`, async () => {
      const before = pub.seen.length + secret.seen.length;
      const { data } = await rawUntilClose(drop.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(data).toMatch(/^HTTP\/1\.1 400 /);
      expect(data).toContain("x-weft-error: bad_path");
      expect(pub.seen.length + secret.seen.length).toBe(before);
    });
  }
  it("an encoded slash inside a name is data: forwarded as sent", async () => {
    const r = await h1(drop.port, "/projects/group%2Fname/raw");
    expect(JSON.parse(r.body)).toMatchObject({ server: "public", url: "/projects/group%2Fname/raw" });
    expect(normalizePath("/a/b%2f.c")).toBe("/a/b%2f.c");
    expect(normalizePath("/a/x%2F..%2Fy")).toBeUndefined();
  });
});
