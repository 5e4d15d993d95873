// h2-headers-object: the own HTTP/2 framing's field list → IncomingHttpHeaders (pkg/proxy/h2/headers-object.ts):
// joined as node:http2 joins duplicates, member names of Object.prototype read as ordinary fields, and the
// object keeps V8's fast properties (a null-prototype object is a dictionary: four times the bytes per
// request). The fast-properties check uses V8's %HasFastProperties, enabled here by flag.
import { sensitiveHeaders } from "node:http2";
import { setFlagsFromString } from "node:v8";
import { runInThisContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { headersOf } from "../../pkg/proxy/h2/headers-object.ts";

setFlagsFromString("--allow-natives-syntax");
const hasFastProperties = runInThisContext("(o) => %HasFastProperties(o)") as (o: object) => boolean;

describe("h2 headersOf", () => {
  it("joins duplicates as node:http2 does", () => {
    const h = headersOf([":path", "/a", "set-cookie", "a=1", "set-cookie", "b=2", "cookie", "x=1", "cookie", "y=2", "x-many", "1", "x-many", "2", "content-type", "a", "content-type", "b"], null);
    expect(h[":path"]).toBe("/a");
    expect(h["set-cookie"]).toEqual(["a=1", "b=2"]);
    expect(h.cookie).toBe("x=1; y=2");
    expect(h["x-many"]).toBe("1, 2");
    expect(h["content-type"]).toBe("a");
  });

  it("reads member names of Object.prototype as ordinary fields, and inherits none", () => {
    const h = headersOf(["constructor", "c1", "constructor", "c2", "__proto__", "p", "tostring", "t"], null) as Record<string, unknown>;
    expect(h.constructor).toBe("c1, c2");
    expect(h["__proto__"]).toBe("p");
    expect(Object.keys(h)).toEqual(["constructor", "__proto__", "tostring"]);
    expect("toString" in h).toBe(false);
    expect("hasOwnProperty" in h).toBe(false);
    expect("valueOf" in h).toBe(false);
  });

  it("lists never-indexed names under sensitiveHeaders", () => {
    const h = headersOf(["authorization", "x"], ["authorization"]) as Record<symbol, unknown>;
    expect(h[sensitiveHeaders]).toEqual(["authorization"]);
  });

  it("keeps fast properties for a gRPC request's fields", () => {
    const fields = [":method", "POST", ":scheme", "http", ":path", "/helloworld.Greeter/SayHello", ":authority", "reviews:9080", "content-type", "application/grpc", "te", "trailers",
      "grpc-accept-encoding", "identity,deflate,gzip", "user-agent", "grpc-node-js/1.12.0", "x-request-id", "5b8c0c9e-0d6f-4f0e-9e51-1f0e2d7c3a11"];
    expect(hasFastProperties(headersOf(fields, null))).toBe(true);
  });
});
