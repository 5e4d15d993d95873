// hostnames: intersection, effective hostnames and specificity (spec §7).
import { describe, expect, it } from "vitest";
import { checkHostname, compareHostnameSpecificity, effectiveHostnames, intersectHostname } from "../../pkg/translate/hostnames.ts";

describe("intersectHostname (spec §7)", () => {
  it("precise/precise must be equal", () => {
    expect(intersectHostname("a.example.com", "a.example.com")).toBe("a.example.com");
    expect(intersectHostname("a.example.com", "b.example.com")).toBeUndefined();
  });
  it("wildcard listener vs precise route: route name if it matches one or more labels", () => {
    expect(intersectHostname("*.example.com", "a.example.com")).toBe("a.example.com");
    expect(intersectHostname("*.example.com", "a.b.example.com")).toBe("a.b.example.com");
    expect(intersectHostname("*.example.com", "example.com")).toBeUndefined();
    expect(intersectHostname("*.example.com", "aexample.com")).toBeUndefined();
  });
  it("precise listener vs wildcard route: the listener name", () => {
    expect(intersectHostname("very.specific.com", "*.specific.com")).toBe("very.specific.com");
    expect(intersectHostname("specific.com", "*.specific.com")).toBeUndefined();
  });
  it("wildcard/wildcard: the more specific when one covers the other", () => {
    expect(intersectHostname("*.example.com", "*.foo.example.com")).toBe("*.foo.example.com");
    expect(intersectHostname("*.foo.example.com", "*.example.com")).toBe("*.foo.example.com");
    expect(intersectHostname("*.foo.com", "*.bar.com")).toBeUndefined();
  });
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
