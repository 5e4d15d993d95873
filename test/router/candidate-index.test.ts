// candidate-index: the indexes compile-routes narrows candidates with — the path index (exact map,
// segment trie, regexes filed under their literal prefix), the gRPC method index (full path, service,
// always) and the candidate buckets split by a header value — checked on their own against the naive
// reference matcher: every entry whose conditions all hold is a candidate (complete), each list is
// ascending, and an entry the index files by its exact path or method (and which therefore does not
// check it again) is a candidate only when that path or method holds (sound). Plus the exact filing
// rules of `regexPathPrefix`, `normalizePrefix` and `indexedMethodOf`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GrpcMatchIR, HttpMatchIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { exactHeadersOf } from "../../pkg/router/candidate-bucket.ts";
import { indexedMethodOf, MethodIndex } from "../../pkg/router/method-index.ts";
import { indexedPathOf, normalizePrefix, PathIndex, regexPathPrefix, type CandidateIndex } from "../../pkg/router/path-index.ts";
import type { RequestView } from "../../pkg/router/request.ts";
import { request, type RequestSpec } from "./builders.ts";
import { grpcMethodOk, grpcOk, httpOk, pathOk } from "./reference-matcher.ts";
import { aimedRequestArb, randomRequestArb, routeTablesArb } from "./route-table-arbitraries.ts";
import { fcParams } from "../support/fast-check-env.ts";

function candidates(index: CandidateIndex, req: RequestView): number[] {
  const sink: (readonly number[])[] = [];
  index.collect(req, sink);
  for (const list of sink) expect([...list].sort((a, b) => a - b)).toEqual(list);
  return sink.flat();
}

/** The index of one kind's entries, filed as compile-routes files them (hostnames aside). */
function indexOf(tables: RouteTablesIR, kind: "http" | "grpc"): { index: CandidateIndex; exact: Set<number> } {
  const exact = new Set<number>();
  if (kind === "http") {
    const index = new PathIndex();
    tables.http.entries.forEach((e, i) => {
      const m = e.match as HttpMatchIR;
      const place = indexedPathOf(m.path.type, m.path.value);
      if (place.type !== "Other" && m.path.type !== "RegularExpression") exact.add(i);
      index.add(i, place, exactHeadersOf(m.headers));
    });
    index.seal();
    return { index, exact };
  }
  const index = new MethodIndex();
  tables.grpc.entries.forEach((e, i) => {
    const m = e.match as GrpcMatchIR;
    const place = indexedMethodOf(m.method);
    if (place.by !== "always") exact.add(i);
    index.add(i, place, exactHeadersOf(m.headers));
  });
  index.seal();
  return { index, exact };
}

const tablesWithRequests = routeTablesArb().chain((tables) => fc.tuple(fc.constant(tables), fc.array(aimedRequestArb(tables, randomRequestArb), { minLength: 1, maxLength: 12 })));

/** For each generated table and request: every entry the reference matches is a candidate, and an entry filed by its exact
 * path or method (`exact`) is a candidate only when that part holds (`partOk`). `candidates` checks that the lists ascend. */
function agreesWithReference<M>(kind: "http" | "grpc", matches: (m: M, req: RequestView) => boolean, partOk: (m: M, path: string) => boolean, label: (m: M) => unknown): void {
  fc.assert(
    fc.property(tablesWithRequests, ([tables, specs]) => {
      const { index, exact } = indexOf(tables, kind);
      for (const spec of specs) {
        const req = request(spec);
        const got = new Set(candidates(index, req));
        tables[kind].entries.forEach((e, i) => {
          const m = e.match as M;
          if (matches(m, req)) expect(got.has(i), `entry ${i} ${JSON.stringify(label(m))} for ${spec.path}`).toBe(true);
          if (got.has(i) && exact.has(i)) expect(partOk(m, req.path), `entry ${i} ${JSON.stringify(label(m))} for ${spec.path}`).toBe(true);
        });
      }
    }),
    fcParams(600),
  );
}

describe("candidate indexes against the reference matcher", () => {
  it("path index: every matching entry is a candidate, lists ascend, an exactly filed path is a candidate only when it holds", () => {
    agreesWithReference<HttpMatchIR>("http", httpOk, pathOk, (m) => m.path);
  });

  it("method index: every matching entry is a candidate, lists ascend, an exactly filed method is a candidate only when it holds", () => {
    agreesWithReference<GrpcMatchIR>("grpc", grpcOk, grpcMethodOk, (m) => m.method);
  });
});

describe("where an entry is filed", () => {
  it("regexPathPrefix: the longest '/'-complete literal prefix every full match starts with", () => {
    const cases: [string, string | undefined][] = [
      ["/a/b/[0-9]+", "/a/b"],
      ["/ab[0-9]", "/"],
      ["/a/b?", "/a"],
      ["/a/?b", "/"], // the "/" before "?" is optional: "/ab" matches
      ["/a/b*", "/a"],
      ["/a/b{0,1}/c", "/a"],
      ["/a/{0,1}b", "/"], // the "/" before "{" is optional too
      ["/*", undefined], // may match the empty path
      ["/?a", undefined],
      ["/a//*c", "/a"],
      ["/a/b/c", "/a/b"],
      ["/a/b/", "/a/b"],
      ["/", "/"],
      ["/a.b/c", "/"], // "." is a metacharacter: the literal part ends before it
      ["/a\\/b", "/"],
      ["/a/(b|c)", undefined], // an alternation anywhere: not filed
      ["/a/b|/c", undefined],
      ["a/b", undefined], // may match a path not starting with "/"
      [".*", undefined],
      ["", undefined],
    ];
    for (const [pattern, prefix] of cases) expect(regexPathPrefix(pattern), pattern).toBe(prefix);
  });
  it("indexedPathOf: Exact and PathPrefix values starting with '/' as written, a filed regex as a PathPrefix, anything else Other", () => {
    expect(indexedPathOf("Exact", "/a/")).toStrictEqual({ type: "Exact", value: "/a/" });
    expect(indexedPathOf("PathPrefix", "/a/")).toStrictEqual({ type: "PathPrefix", value: "/a/" });
    expect(indexedPathOf("Exact", "a")).toStrictEqual({ type: "Other" });
    expect(indexedPathOf("PathPrefix", "")).toStrictEqual({ type: "Other" });
    expect(indexedPathOf("RegularExpression", "/a/b/.*")).toStrictEqual({ type: "PathPrefix", value: "/a/b" });
    expect(indexedPathOf("RegularExpression", "/a|/b")).toStrictEqual({ type: "Other" });
    expect(indexedPathOf("Other", "/a")).toStrictEqual({ type: "Other" });
  });
  it("normalizePrefix: one trailing '/' dropped, '/' and the empty value kept", () => {
    expect(normalizePrefix("/a/")).toBe("/a");
    expect(normalizePrefix("/a//")).toBe("/a/");
    expect(normalizePrefix("/a")).toBe("/a");
    expect(normalizePrefix("/")).toBe("/");
    expect(normalizePrefix("")).toBe("");
  });
  it("indexedMethodOf: Exact service and method by full path, Exact service alone by service, the rest always checked", () => {
    expect(indexedMethodOf({ type: "Exact", service: "s.A", method: "M" })).toStrictEqual({ by: "path", key: "/s.A/M" });
    expect(indexedMethodOf({ type: "Exact", service: "s.A" })).toStrictEqual({ by: "service", key: "s.A" });
    expect(indexedMethodOf({ type: "Exact", method: "M" })).toStrictEqual({ by: "always" });
    expect(indexedMethodOf({ type: "Exact", service: "s/A", method: "M" })).toStrictEqual({ by: "always" });
    expect(indexedMethodOf({ type: "Exact", service: "", method: "M" })).toStrictEqual({ by: "always" });
    expect(indexedMethodOf({ type: "Exact", service: "s.A", method: "M/x" })).toStrictEqual({ by: "always" });
    expect(indexedMethodOf({ type: "RegularExpression", service: "s.A", method: "M" })).toStrictEqual({ by: "always" });
    expect(indexedMethodOf(undefined)).toStrictEqual({ by: "always" });
  });
});

describe("the indexes at their edges", () => {
  const at = (path: string, headers: Record<string, string> = {}): RequestSpec => ({ path, headers });
  const collected = (index: CandidateIndex, spec: RequestSpec) => candidates(index, request(spec));
  it("path trie: whole segments only, one child compared in place, several children by map, a non-'/' path reaches neither", () => {
    const index = new PathIndex();
    index.add(0, { type: "PathPrefix", value: "/" }, undefined);
    index.add(1, { type: "PathPrefix", value: "/ab/" }, undefined);
    index.add(2, { type: "PathPrefix", value: "/ab/cd" }, undefined);
    index.add(3, { type: "PathPrefix", value: "/ab/ce" }, undefined);
    index.add(4, { type: "Exact", value: "/ab" }, undefined);
    index.add(5, { type: "Other" }, undefined);
    index.seal();
    expect(collected(index, at("/ab"))).toEqual([5, 4, 0, 1]);
    expect(collected(index, at("/ab/"))).toEqual([5, 0, 1]);
    expect(collected(index, at("/ab/cd/x"))).toEqual([5, 0, 1, 2]);
    expect(collected(index, at("/ab/ce"))).toEqual([5, 0, 1, 3]);
    expect(collected(index, at("/ab/c"))).toEqual([5, 0, 1]);
    expect(collected(index, at("/ab/cdx"))).toEqual([5, 0, 1]);
    expect(collected(index, at("/a"))).toEqual([5, 0]);
    expect(collected(index, at("/abc"))).toEqual([5, 0]);
    expect(collected(index, at("ab/cd"))).toEqual([5]);
    expect(collected(index, at(""))).toEqual([5]);
  });
  it("path index with prefix '/' alone never walks below the root; an empty last segment is a child of its own; an empty index gives nothing", () => {
    const root = new PathIndex();
    root.add(0, { type: "PathPrefix", value: "/" }, undefined);
    root.seal();
    expect(collected(root, at("/x/y"))).toEqual([0]);
    // "/a//" is the prefix "/a/" (one trailing "/" dropped): under "a", a child named "".
    const emptySegment = new PathIndex();
    emptySegment.add(0, { type: "PathPrefix", value: "/a//" }, undefined);
    emptySegment.seal();
    expect(collected(emptySegment, at("/a"))).toEqual([]);
    expect(collected(emptySegment, at("/a/"))).toEqual([0]);
    expect(collected(emptySegment, at("/a//b"))).toEqual([0]);
    const empty = new PathIndex();
    empty.seal();
    expect(collected(empty, at("/x"))).toEqual([]);
  });
  it("method index: a service key needs exactly '/<service>/<method>', both non-empty", () => {
    const index = new MethodIndex();
    index.add(0, { by: "service", key: "s.A" }, undefined);
    index.add(1, { by: "path", key: "/s.A/M" }, undefined);
    index.add(2, { by: "always" }, undefined);
    index.seal();
    expect(collected(index, at("/s.A/M"))).toEqual([2, 1, 0]);
    expect(collected(index, at("/s.A/N"))).toEqual([2, 0]);
    for (const p of ["/s.A/", "/s.A", "/s.A/M/x", "s.A/M", "xs.A/M", "//s.A/M", "/s.AM", ""]) expect(collected(index, at(p)), p).toEqual([2]);
  });
  it("a bucket splits by a header only when 4 entries require an exact value of it; the rest list stays; order kept", () => {
    const h = (v: string) => exactHeadersOf([{ type: "Exact", name: "X-T", value: v }]);
    const split = new PathIndex();
    [h("1"), h("2"), undefined, h("1"), h("3"), exactHeadersOf([{ type: "RegularExpression", name: "x-t", value: "1" }])].forEach((hs, i) => split.add(i, { type: "PathPrefix", value: "/" }, hs));
    split.seal();
    expect(collected(split, at("/", { "x-t": "1" }))).toEqual([2, 5, 0, 3]);
    expect(collected(split, at("/", { "x-t": "9" }))).toEqual([2, 5]);
    expect(collected(split, at("/"))).toEqual([2, 5]);
    const three = new PathIndex();
    [h("1"), h("2"), h("3"), undefined].forEach((hs, i) => three.add(i, { type: "PathPrefix", value: "/" }, hs));
    three.seal();
    expect(collected(three, at("/", { "x-t": "9" }))).toEqual([0, 1, 2, 3]);
  });
  it("exactHeadersOf: the first condition per name (case folded) decides; a regex first means no exact value", () => {
    expect(exactHeadersOf([])).toBeUndefined();
    expect(exactHeadersOf([{ type: "RegularExpression", name: "a", value: "1" }, { type: "Exact", name: "A", value: "2" }])).toBeUndefined();
    expect(exactHeadersOf([{ type: "Exact", name: "A", value: "1" }, { type: "Exact", name: "a", value: "2" }, { type: "Exact", name: "b", value: "3" }])).toStrictEqual(
      new Map([["a", "1"], ["b", "3"]]),
    );
  });
});
