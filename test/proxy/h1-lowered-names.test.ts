// h1-lowered-names: lowerName (h1-headers.ts) keeps the lower-cased form of names it saw, bounded in count
// and in size, so a peer that sends long or many made-up field names cannot make a proxy hold their text:
// - names up to 32 characters are kept (and given back lower-cased);
// - a 4 KiB name and 2,000 distinct names are lower-cased correctly, and the table never holds more than
//   its 1,024 names, none of them longer than 32 characters.
import { describe, expect, it } from "vitest";
import { headersOf, loweredNamesKept, lowerName } from "../../pkg/proxy/h1/h1-headers.ts";

describe("lower-cased field names kept by the HTTP/1.1 path", () => {
  it("are given back lower-cased, and a long name is not kept", () => {
    expect(lowerName("X-Request-ID")).toBe("x-request-id");
    const before = loweredNamesKept();
    const long = `X-${"A".repeat(4096)}`;
    expect(lowerName(long)).toBe(`x-${"a".repeat(4096)}`);
    expect(loweredNamesKept()).toBe(before);
    expect(headersOf([long, "v"])).toEqual({ [long.toLowerCase()]: "v" });
  });

  it("stay bounded under many distinct names", () => {
    for (let i = 0; i < 2000; i++) expect(lowerName(`X-Made-Up-${i}`)).toBe(`x-made-up-${i}`);
    expect(loweredNamesKept()).toBeLessThanOrEqual(1024);
    expect(loweredNamesKept()).toBeGreaterThan(0);
  });
});
