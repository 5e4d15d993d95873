// hostnames: intersection, effective hostnames and specificity (spec §7).
import { describe, expect, it } from "vitest";
import { checkHostname, compareHostnameSpecificity, effectiveHostnames, intersectHostname } from "../../pkg/translate/hostnames.ts";

describe("intersectHostname (spec §7)", () => {
  // [listener hostname, route hostname, the intersection or undefined]
  const cases: Record<string, [string, string, string | undefined][]> = {
    "precise/precise must be equal": [
      ["a.example.com", "a.example.com", "a.example.com"],
      ["a.example.com", "b.example.com", undefined],
    ],
    "wildcard listener vs precise route: route name if it matches one or more labels": [
      ["*.example.com", "a.example.com", "a.example.com"],
      ["*.example.com", "a.b.example.com", "a.b.example.com"],
      ["*.example.com", "example.com", undefined],
      ["*.example.com", "aexample.com", undefined],
    ],
    "precise listener vs wildcard route: the listener name": [
      ["very.specific.com", "*.specific.com", "very.specific.com"],
      ["specific.com", "*.specific.com", undefined],
    ],
    "wildcard/wildcard: the more specific when one covers the other": [
      ["*.example.com", "*.foo.example.com", "*.foo.example.com"],
      ["*.foo.example.com", "*.example.com", "*.foo.example.com"],
      ["*.foo.com", "*.bar.com", undefined],
    ],
  };
  for (const [name, rows] of Object.entries(cases)) {
    it(name, () => {
      for (const [listener, route, want] of rows) expect(intersectHostname(listener, route), `${listener} ∩ ${route}`).toBe(want);
    });
  }
});

describe("effectiveHostnames", () => {
  it("no listener hostname and no route hostnames = any", () => {
    expect(effectiveHostnames(undefined, [])).toEqual([]);
  });
  it("route without hostnames takes the listener's", () => {
    expect(effectiveHostnames("*.example.com", [])).toEqual(["*.example.com"]);
  });
  it("keeps only intersecting route hostnames, sorted and unique", () => {
    expect(effectiveHostnames("*.example.com", ["b.example.com", "other.org", "a.example.com", "b.example.com"])).toEqual(["a.example.com", "b.example.com"]);
  });
  it("undefined when nothing intersects", () => {
    expect(effectiveHostnames("a.example.com", ["b.example.com"])).toBeUndefined();
  });
});

describe("compareHostnameSpecificity", () => {
  it("precise > longer wildcard > shorter wildcard > any", () => {
    const sorted = [undefined, "*.example.com", "a.example.com", "*.foo.example.com"].sort(compareHostnameSpecificity);
    expect(sorted).toEqual(["a.example.com", "*.foo.example.com", "*.example.com", undefined]);
  });
});

describe("checkHostname", () => {
  it("accepts DNS names and leftmost wildcards", () => {
    expect(checkHostname("a.example.com")).toBeUndefined();
    expect(checkHostname("*.example.com")).toBeUndefined();
  });
  it("rejects IPs, inner wildcards, upper case", () => {
    expect(checkHostname("10.0.0.1")).toMatch(/IP address/);
    expect(checkHostname("a.*.com")).toBeDefined();
    expect(checkHostname("A.example.com")).toBeDefined();
    expect(checkHostname("")).toBeDefined();
  });
});
