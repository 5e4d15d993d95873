// session-persistence: spec §13 through the engine — a first request gets a token (Set-Cookie or
// header), later requests carrying it stick to the same endpoint across weights and endpoints, a token
// can pin a weight-0 backend of the rule but never a cluster outside the rule, and an expired or
// malformed token is replaced.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RuleIR } from "../../pkg/ir/types.ts";
import { encodeToken } from "../../pkg/proxy/stack/session-persistence.ts";
import { h1 } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let servers: Echo[];
let proxy: ProxyUnderTest;

beforeAll(async () => {
  servers = await Promise.all(["a1", "a2", "a3", "b1", "z1", "out"].map((n) => startEcho(n)));
  const [a1, a2, a3, b1, z1, out] = servers as [Echo, Echo, Echo, Echo, Echo, Echo];
  const t = tables([
    { matches: [prefix("/cookie")], backends: [backend("ns/a:80", 1), backend("ns/b:80", 1), backend("ns/z:80", 0)] },
    { matches: [prefix("/header")], backends: [backend("ns/a:80", 1), backend("ns/b:80", 1)] },
  ]);
  const withSp = (r: RuleIR, i: number): RuleIR => ({ ...r, sessionPersistence: i === 0
    ? { type: "Cookie", name: "weft-s", lifetimeType: "Permanent", absoluteTimeoutMs: 3_600_000 }
    : { type: "Header", name: "x-session", lifetimeType: "Session", absoluteTimeoutMs: 60_000 } });
  const sticky = { ...t, http: { ...t.http, rules: t.http.rules.map(withSp) } };
  proxy = await startProxy(meshIR([
    cluster("ns/a:80", [endpoint(a1.port), endpoint(a2.port), endpoint(a3.port)]),
    cluster("ns/b:80", [endpoint(b1.port)]),
    cluster("ns/z:80", [endpoint(z1.port)]),
    cluster("ns/out:80", [endpoint(out.port)]),
  ]), sticky);
});

afterAll(async () => {
  await proxy.close();
  await Promise.all(servers.map((s) => s.close()));
});

const serverOf = (body: string) => JSON.parse(body).server as string;

describe("session persistence", () => {
  it("cookie: the first answer sets a token, later requests stick to one endpoint", async () => {
    const first = await h1(proxy.port, "/cookie");
    const setCookie = (first.headers["set-cookie"] ?? [])[0] ?? "";
    expect(setCookie).toMatch(/^weft-s=[A-Za-z0-9_-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=3600$/);
    const cookie = setCookie.split(";")[0]!;
    const target = serverOf(first.body);
    for (let i = 0; i < 20; i++) {
      const r = await h1(proxy.port, "/cookie", { headers: { cookie: `other=1; ${cookie}` } });
      expect(serverOf(r.body)).toBe(target);
      expect(r.headers["set-cookie"]).toBeUndefined();
    }
  });
  it("without a token requests spread over endpoints", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) seen.add(serverOf((await h1(proxy.port, "/cookie")).body));
    expect(seen.size).toBeGreaterThan(1);
  });
  it("a token may pin a weight-0 backend of the rule", async () => {
    const z = servers[4]!;
    const token = encodeToken({ cluster: "ns/z:80", endpoint: `127.0.0.1:${z.port}` }, Date.now());
    const r = await h1(proxy.port, "/cookie", { headers: { cookie: `weft-s=${token}` } });
    expect(serverOf(r.body)).toBe("z1");
  });
  it("a token naming a cluster outside the rule is ignored and replaced", async () => {
    const out = servers[5]!;
    const token = encodeToken({ cluster: "ns/out:80", endpoint: `127.0.0.1:${out.port}` }, Date.now());
    for (let i = 0; i < 10; i++) {
      const r = await h1(proxy.port, "/cookie", { headers: { cookie: `weft-s=${token}` } });
      expect(serverOf(r.body)).not.toBe("out");
      expect(r.headers["set-cookie"]).toBeDefined();
    }
  });
  it("header type: token returned in the header and honoured; expired or malformed tokens are replaced", async () => {
    const first = await h1(proxy.port, "/header");
    const token = String(first.headers["x-session"]);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    const target = serverOf(first.body);
    for (let i = 0; i < 10; i++) expect(serverOf((await h1(proxy.port, "/header", { headers: { "x-session": token } })).body)).toBe(target);
    const a1 = servers[0]!;
    const old = encodeToken({ cluster: "ns/a:80", endpoint: `127.0.0.1:${a1.port}` }, Date.now() - 120_000);
    expect((await h1(proxy.port, "/header", { headers: { "x-session": old } })).headers["x-session"]).toBeDefined();
    expect((await h1(proxy.port, "/header", { headers: { "x-session": "!!not-a-token" } })).headers["x-session"]).toBeDefined();
  });
});
