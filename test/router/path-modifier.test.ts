// path-modifier: URLRewrite / RequestRedirect path rewriting, every example of spec §10.
import { describe, expect, it } from "vitest";
import { applyPathModifier } from "../../pkg/router/index.ts";

const prefix = (path: string, from: string, to: string): string => applyPathModifier(path, { type: "ReplacePrefixMatch", prefix: from, value: to });

describe("ReplacePrefixMatch (spec §10 examples)", () => {
  it.each([
    ["/foo/bar", "/foo", "/xyz", "/xyz/bar"],
    ["/foo/bar", "/foo", "/xyz/", "/xyz/bar"],
    ["/foo", "/foo", "/xyz", "/xyz"],
    ["/foo/", "/foo", "/xyz", "/xyz/"],
    ["/foo/bar", "/foo", "", "/bar"],
    ["/foo/", "/foo", "", "/"],
    ["/foo", "/foo", "", "/"],
    ["/foo/", "/foo", "/", "/"],
    ["/foo", "/foo", "/", "/"],
  ])("%s with %s → %j gives %s", (path, from, to, want) => {
    expect(prefix(path, from, to)).toBe(want);
  });

  it("replaces whole segments only, also for a prefix written with a trailing slash", () => {
    expect(prefix("/foo/bar/baz", "/foo/", "/x")).toBe("/x/bar/baz");
    expect(prefix("/foobar", "/foo", "/x")).toBe("/foobar");
  });

  it("prefix / keeps the whole path as the rest", () => {
    expect(prefix("/a/b", "/", "/x")).toBe("/x/a/b");
    expect(prefix("/", "/", "/x")).toBe("/x");
  });

  it("a trailing slash in the replacement survives when the path equals the prefix", () => {
    expect(prefix("/foo", "/foo", "/xyz/")).toBe("/xyz/");
  });
});

describe("ReplaceFullPath", () => {
  it("replaces the whole path", () => {
    expect(applyPathModifier("/foo/bar", { type: "ReplaceFullPath", value: "/one" })).toBe("/one");
    expect(applyPathModifier("/", { type: "ReplaceFullPath", value: "/a/b/" })).toBe("/a/b/");
  });
});
