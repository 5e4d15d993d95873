// span rules: span names and error status per the OTel semantic conventions (HTTP: server 5xx,
// client 4xx+5xx; gRPC: the server-side error code set, any non-OK code on a client).
import { describe, expect, it } from "vitest";
import { isErrorOutcome, spanNameOf } from "../../pkg/telemetry/index.ts";

describe("span status rules", () => {
  it("HTTP: server spans fail on 5xx only, client spans on 4xx and 5xx", () => {
    for (let code = 100; code < 600; code++) {
      expect(isErrorOutcome("server", { httpStatus: code }), `server ${code}`).toBe(code >= 500);
      expect(isErrorOutcome("client", { httpStatus: code }), `client ${code}`).toBe(code >= 400);
    }
  });

  it("gRPC: server spans fail on UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS", () => {
    const serverErrors = [2, 4, 12, 13, 14, 15];
    for (let code = 0; code <= 16; code++) {
      expect(isErrorOutcome("server", { grpcStatus: code, httpStatus: 200 }), `server ${code}`).toBe(serverErrors.includes(code));
      expect(isErrorOutcome("client", { grpcStatus: code, httpStatus: 200 }), `client ${code}`).toBe(code !== 0);
    }
  });

  it("an explicit error always fails; no outcome never does", () => {
    expect(isErrorOutcome("server", { httpStatus: 200, error: "reset" })).toBe(true);
    expect(isErrorOutcome("server", {})).toBe(false);
  });
});

describe("span names", () => {
  it("uses {method} {route}, {service}/{method} for gRPC, the fallback otherwise", () => {
    expect(spanNameOf({ "http.request.method": "GET", "http.route": "/a/{id}" }, "x")).toBe("GET /a/{id}");
    expect(spanNameOf({ "http.request.method": "POST" }, "x")).toBe("POST");
    expect(spanNameOf({ "http.request.method": "POST", "rpc.service": "pkg.Svc", "rpc.method": "Call" }, "x")).toBe("pkg.Svc/Call");
    expect(spanNameOf({}, "fallback")).toBe("fallback");
  });
});
