// routing-property: end to end through the engine, random request paths (dot segments, %2e, double
// slashes, encoded slashes) reach exactly the backend an independent model predicts — WHATWG URL
// resolution for dot segments, a depth count for escapes above the root (⇒ 400), and a naive
// first-match over the same pre-sorted route list — or are refused; never another backend.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { h1 } from "./client.ts";
import { backend, cluster, endpoint, exact, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";
import { fcParams } from "../support/fast-check-env.ts";

const routes: [kind: "exact" | "prefix", value: string, server: string][] = [
  ["exact", "/a", "exact-a"],
  ["prefix", "/a/b", "prefix-ab"],
  ["prefix", "/c", "prefix-c"],
  ["prefix", "/", "root"],
];
let servers: Echo[];
let proxy: ProxyUnderTest;

beforeAll(async () => {
  servers = await Promise.all(routes.map(([, , name]) => startEcho(name)));
  proxy = await startProxy(
    meshIR(routes.map(([, , name], i) => cluster(`ns/${name}:80`, [endpoint(servers[i]!.port)]))),
    tables(routes.map(([kind, value, name]) => ({ matches: [kind === "exact" ? exact(value) : prefix(value)], backends: [backend(`ns/${name}:80`)] }))),
  );
});

afterAll(async () => {
  await proxy.close();
  await Promise.all(servers.map((s) => s.close()));
});

function model(raw: string): { status: 400 } | { server: string; path: string } {
  let depth = 0;
  for (const seg of raw.split("/").slice(1)) {
    const s = seg.replace(/%2e/gi, ".");
    if (s === "..") {
      depth--;
      if (depth < 0) return { status: 400 };
    } else if (s !== ".") depth++;
  }
  const path = new URL(`http://model.invalid${raw}`).pathname;
  for (const [kind, value, server] of routes) {
    if (kind === "exact" ? path === value : value === "/" || path === value || path.startsWith(`${value}/`)) return { server, path };
  }
  return { status: 400 };
}

describe("property: requests reach the predicted backend or are refused", () => {
  it("holds for random paths", { timeout: 60_000 }, async () => {
    const seg = fc.constantFrom("a", "b", "c", "d", ".", "..", "%2e", "%2E%2e", "", "%2F", "a.b");
    await fc.assert(fc.asyncProperty(fc.array(seg, { minLength: 1, maxLength: 6 }), async (segs) => {
      const raw = "/" + segs.join("/");
      const want = model(raw);
      const r = await h1(proxy.port, raw);
      if ("status" in want) {
        expect(r.status).toBe(400);
        return;
      }
      expect(r.status).toBe(200);
      const seen = JSON.parse(r.body) as { server: string; url: string };
      expect(seen.server).toBe(want.server);
      expect(seen.url).toBe(want.path);
    }), fcParams(150, 2024));
  });
});
