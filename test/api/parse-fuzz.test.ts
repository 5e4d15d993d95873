// parse-fuzz: parseManifests never throws on any text or JSON value, and whatever it accepts
// translate can digest: a valid snapshot object with one field replaced by a random JSON value is
// either rejected with a located error or translated without an internal error.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { buildSnapshot, parseManifests } from "../../pkg/api/index.ts";
import { translate } from "../../pkg/translate/index.ts";
import { snapshotArb } from "../support/arbitraries.ts";
import { fcParams } from "../support/fast-check-env.ts";

function paths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v !== null && typeof v === "object") { for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out); }
  return out;
}

function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let cur = copy;
  for (const seg of path.slice(0, -1)) cur = cur[seg] as Record<string | number, unknown>;
  cur[path[path.length - 1]!] = value;
  return copy;
}

describe("parseManifests fuzz", () => {
  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "grapheme", maxLength: 200 }), fc.constantFrom("---", "- [", "a: *b", "{", "[[]", "kind: List\nitems: 3")), (text) => {
        const out = parseManifests(text, "fuzz");
        expect(Array.isArray(out.objects) && Array.isArray(out.errors) && Array.isArray(out.warnings)).toBe(true);
      }),
      fcParams(300),
    );
  });

  it("never throws on arbitrary JSON values, and never drops one silently: null and [] are empty input, anything else yields an object or an issue", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      const out = parseManifests(JSON.stringify(v), "fuzz.json");
      const issues = [...out.errors, ...out.warnings];
      const empty = v === null || (Array.isArray(v) && v.length === 0);
      if (empty) expect(out.objects.length + issues.length).toBe(0);
      else expect(out.objects.length + issues.length).toBeGreaterThan(0);
      for (const i of issues) {
        expect(i).toMatchObject({ source: "fuzz.json", document: 0 });
        expect(i.message).not.toBe("");
      }
    }), fcParams(300));
  });

  it("one field of a valid object replaced by a random value: a located error, or a translation without internal errors", () => {
    const arb = snapshotArb.chain((s) => {
      const objects = [...s.gateways, ...s.httpRoutes, ...s.grpcRoutes, ...s.services, ...s.referenceGrants, ...s.endpointSlices];
      if (objects.length === 0) return fc.constant(undefined);
      return fc.record({
        s: fc.constant(s),
        index: fc.nat({ max: objects.length - 1 }),
        pick: fc.nat(),
        value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, "", 0, -1, 65536, "Exact", [], {})),
      }).map(({ s: snap, index, pick, value }) => {
        const target = objects[index]!;
        const candidates = paths(target).filter((p) => p[0] !== "apiVersion" && p[0] !== "kind");
        const path = candidates[pick % candidates.length]!;
        return { snap, objects, index, path, mutated: setAt(target, path, value) };
      });
    });
    fc.assert(fc.property(arb, (c) => {
      if (c === undefined) return;
      const others = c.objects.filter((_, i) => i !== c.index);
      const text = [...c.snap.gatewayClasses, ...c.snap.namespaces, ...others, c.mutated].map((o) => stringify(o)).join("---\n");
      const out = parseManifests(text, "mutated.yaml");
      for (const e of out.errors) {
        expect(e.document).toBe(c.snap.gatewayClasses.length + c.snap.namespaces.length + others.length);
        expect(e.line).toBeGreaterThan(0);
      }
      const r = translate(buildSnapshot(out.objects));
      expect(r.diagnostics.filter((d) => /InternalError$/.test(d.code))).toEqual([]);
    }), fcParams(150));
  });
});
