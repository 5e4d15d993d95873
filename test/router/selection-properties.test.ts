// selection-properties: listener selection agrees with a naive reference (spec §7: among listeners on
// the port whose hostname matches, exact > longer wildcard > none, then IR order), and IPv6
// normalisation agrees with the WHATWG URL serializer (RFC 5952 compression) on random spellings.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GatewayIR, ListenerIR } from "../../pkg/ir/types.ts";
import { compileGateway, listenerForSni, selectListener } from "../../pkg/router/index.ts";
import { normalizeIp } from "../../pkg/util/ip-address.ts";
import { httpTables } from "./builders.ts";
import { fcParams } from "../support/fast-check-env.ts";

const hostnamePool = ["a.example.com", "b.a.example.com", "*.example.com", "*.a.example.com", "example.com", "*.com", "other.org"];
const hostPool = ["a.example.com", "b.a.example.com", "c.b.a.example.com", "example.com", "x.example.com", "other.org", "x.com"];

function rank(h: string | undefined): number {
  if (h === undefined) return 0;
  return h.startsWith("*.") ? 1 + h.length : 1_000_000;
}

function covers(h: string | undefined, host: string): boolean {
  if (h === undefined) return true;
  if (h.startsWith("*.")) return host.endsWith(h.slice(1)) && host.length > h.length - 1;
  return h === host;
}

/** Naive spec reading: best rank among matching listeners; first in IR order on ties. */
function referenceSelect(listeners: readonly ListenerIR[], host: string): string | undefined {
  let best: ListenerIR | undefined;
  for (const l of listeners) if (covers(l.hostname, host) && (best === undefined || rank(l.hostname) > rank(best.hostname))) best = l;
  return best?.id;
}

const listenersArb = fc.array(fc.option(fc.constantFrom(...hostnamePool), { nil: undefined }), { maxLength: 6 }).map((hs) =>
  hs.map(
    (h, i): ListenerIR => ({
      id: `ns/gw/l${i}`,
      name: `l${i}`,
      ...(h !== undefined ? { hostname: h } : {}),
      protocol: "HTTPS",
      certificates: [],
      routes: httpTables([]),
    }),
  )
);

describe("listener selection property", () => {
  it("selectListener and listenerForSni agree with the naive reference", () => {
    fc.assert(
      fc.property(listenersArb, fc.constantFrom(...hostPool), (listeners, host) => {
        const gw: GatewayIR = { namespace: "ns", name: "gw", ports: [{ port: 443, protocol: "HTTPS", listeners }] };
        const compiled = compileGateway(gw);
        const want = referenceSelect(listeners, host);
        expect(selectListener(compiled, 443, host)?.listener.id).toBe(want);
        expect(listenerForSni(compiled, 443, host)?.id).toBe(want);
        expect(selectListener(compiled, 80, host)).toBeUndefined();
      }),
      fcParams(500),
    );
  });
});

const groups = fc.array(fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 0xffff }), weight: 2 }), { minLength: 8, maxLength: 8 });

/** A valid but non-canonical spelling: random case, random leading zeros, maybe "::" somewhere legal. */
function spell(g: readonly number[], upper: boolean, pad: boolean, compressAt: number): string {
  const parts = g.map((n) => {
    const h = n.toString(16);
    const s = pad ? h.padStart(4, "0") : h;
    return upper ? s.toUpperCase() : s;
  });
  // Compress a run of zeros starting at compressAt (any run of ≥1 zero group may legally be "::").
  if (g[compressAt] === 0) {
    let end = compressAt;
    while (end < 8 && g[end] === 0) end++;
    return `${parts.slice(0, compressAt).join(":")}::${parts.slice(end).join(":")}`;
  }
  return parts.join(":");
}

describe("normalizeIp property", () => {
  it("every spelling of an IPv6 address normalises to the WHATWG URL serialisation (RFC 5952)", () => {
    fc.assert(
      fc.property(groups, fc.boolean(), fc.boolean(), fc.nat(7), (g, upper, pad, at) => {
        const text = spell(g, upper, pad, at);
        const mapped = g.slice(0, 5).every((n) => n === 0) && g[5] === 0xffff;
        const want = new URL(`http://[${text}]/`).hostname.slice(1, -1);
        if (mapped) expect(normalizeIp(text)).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        else expect(normalizeIp(text)).toBe(want);
      }),
      fcParams(2000),
    );
  });
});
