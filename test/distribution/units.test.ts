// Small units: reconnect backoff bounds, last-known-good cache robustness, slice isolation
// properties (no foreign consumer routes, no foreign secrets).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { backoffDelay } from "../../pkg/distribution/backoff.ts";
import { readLkgCache, writeLkgCache } from "../../pkg/distribution/lkg-cache.ts";
import { encodeSlice } from "../../pkg/distribution/resources.ts";
import { clustersOfTables, sliceForProxy } from "../../pkg/distribution/slice.ts";
import { meshIrArb, proxyArb } from "./ir-arbitrary.ts";
import { sampleIr } from "./ir-fixtures.ts";
import { fcParams } from "../support/fast-check-env.ts";

const dir = mkdtempSync(join(tmpdir(), "weft-dist-units-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("backoffDelay", () => {
  it("stays within [d/2, d] for d = min(max, initial·2^attempt), never 0", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 100_000 }),
        (attempt, r, initialMs, maxExtra) => {
          const maxMs = initialMs + maxExtra;
          const d = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
          const got = backoffDelay(attempt, { initialMs, maxMs }, () => r);
          expect(got).toBeGreaterThanOrEqual(Math.floor(d / 2));
          expect(got).toBeLessThanOrEqual(Math.ceil(d));
          expect(got).toBeGreaterThan(0);
        }),
    );
  });
  it("spreads a herd: different random draws give different delays at the same attempt", () => {
    const opts = { initialMs: 200, maxMs: 30_000 };
    expect(backoffDelay(5, opts, () => 0)).toBe(3200);
    expect(backoffDelay(5, opts, () => 0.999)).toBe(6397);
  });
});

describe("last-known-good cache", () => {
  it("round-trips resources and ignores missing, truncated or foreign files without throwing", async () => {
    const path = join(dir, "lkg.json");
    const enc = encodeSlice(sliceForProxy(sampleIr(), { namespace: "frontend", serviceAccount: "d", pod: "p", kind: "sidecar" }));
    await writeLkgCache(path, enc.version, enc.resources.values());
    const back = await readLkgCache(path);
    expect(back?.version).toBe(enc.version);
    expect(back?.resources.map((r) => [r.type, r.name, r.hash, Buffer.from(r.payload).toString()])).toEqual(
      [...enc.resources.values()].map((r) => [r.type, r.name, r.hash, r.payload.toString()]),
    );
    expect(await readLkgCache(join(dir, "absent.json"))).toBeUndefined();
    writeFileSync(join(dir, "trunc.json"), '{"format":"weft-lkg/v1","version":"x","resources":[{"type":');
    expect(await readLkgCache(join(dir, "trunc.json"))).toBeUndefined();
    writeFileSync(join(dir, "other.json"), JSON.stringify({ format: "other", version: "x", resources: [] }));
    expect(await readLkgCache(join(dir, "other.json"))).toBeUndefined();
    writeFileSync(join(dir, "badentry.json"), JSON.stringify({ format: "weft-lkg/v1", version: "x", resources: [{ type: 1 }] }));
    expect(await readLkgCache(join(dir, "badentry.json"))).toBeUndefined();
  });
});

describe("slice isolation (property)", () => {
  it("a sidecar never sees another namespace's consumer routes; a gateway sees only its gateway and its listeners' secrets", () => {
    fc.assert(
      fc.property(meshIrArb, proxyArb, (ir, proxy) => {
        const s = sliceForProxy(ir, proxy);
        if (proxy.kind === "sidecar") {
          expect(s.gateways).toEqual([]);
          expect(s.secrets).toEqual([]);
          expect(s.services.length).toBe(ir.services.length);
          for (const svc of s.services) for (const p of svc.ports) expect(Object.keys(p.consumers).every((ns) => ns === proxy.namespace)).toBe(true);
        } else {
          expect(s.services).toEqual([]);
          expect(s.gateways.every((g) => g.name === proxy.gatewayName && g.namespace === proxy.gatewayNamespace)).toBe(true);
          const named = new Set(s.gateways.flatMap((g) => g.ports.flatMap((p) => p.listeners.flatMap((l) => l.certificates))));
          expect(s.secrets.every((x) => named.has(x.id))).toBe(true);
          const used = new Set(s.gateways.flatMap((g) => g.ports.flatMap((p) => p.listeners.flatMap((l) => [...clustersOfTables(l.routes)]))));
          expect(s.clusters.map((c) => c.id).sort()).toEqual([...used].filter((id) => ir.clusters.some((c) => c.id === id)).sort());
        }
      }),
      fcParams(200),
    );
  });
});
