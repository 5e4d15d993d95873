// route-template: the matched path match as the trace route template (`http.route`).
import { describe, expect, it } from "vitest";
import { routeTemplateOf } from "../../pkg/router/index.ts";

describe("routeTemplateOf", () => {
  it("names an Exact match by its path", () => {
    expect(routeTemplateOf({ type: "Exact", value: "/health" })).toBe("/health");
  });
  it("marks a PathPrefix match as everything under the prefix", () => {
    expect(routeTemplateOf({ type: "PathPrefix", value: "/reviews" })).toBe("/reviews/*");
    expect(routeTemplateOf({ type: "PathPrefix", value: "/" })).toBe("/*");
  });
  it("names a RegularExpression match by its expression", () => {
    expect(routeTemplateOf({ type: "RegularExpression", value: "/v[0-9]+/items" })).toBe("/v[0-9]+/items");
  });
});
