// timeouts-retry: spec §11 (durations, "0s" disables, backendRequest ≤ request) and §12 (retry codes,
// attempts = retries, backoff), §13 session persistence checks.
import { describe, expect, it } from "vitest";
import { compileRetry, compileSessionPersistence, compileTimeouts } from "../../pkg/translate/timeouts-retry.ts";

describe("compileTimeouts", () => {
  it("parses both, omits unset", () => {
    expect(compileTimeouts({ request: "10s", backendRequest: "2s" }, "r")).toEqual({ requestMs: 10_000, backendRequestMs: 2_000 });
    expect(compileTimeouts(undefined, "r")).toEqual({});
  });
  it('"0s" disables (absent in IR); backendRequest may exceed a disabled request', () => {
    expect(compileTimeouts({ request: "0s", backendRequest: "5s" }, "r")).toEqual({ backendRequestMs: 5_000 });
    expect(compileTimeouts({ backendRequest: "0s" }, "r")).toEqual({});
  });
  it("backendRequest > request ⇒ UnsupportedValue; bad format ⇒ UnsupportedValue", () => {
    expect(compileTimeouts({ request: "1s", backendRequest: "2s" }, "r")).toMatchObject({ reason: "UnsupportedValue", message: expect.stringContaining("must not exceed") });
    expect(compileTimeouts({ request: "1.5s" }, "r")).toMatchObject({ reason: "UnsupportedValue", message: expect.stringContaining("r.timeouts.request") });
  });
});

describe("compileRetry", () => {
  it("sorts and dedupes codes; attempts and backoff parsed", () => {
    expect(compileRetry({ codes: [503, 500, 503], attempts: 3, backoff: "100ms" }, "r")).toEqual({ codes: [500, 503], attempts: 3, backoffMs: 100 });
  });
  it("defaults: attempts 1, backoff 25ms", () => {
    expect(compileRetry({}, "r")).toEqual({ codes: [], attempts: 1, backoffMs: 25 });
    expect(compileRetry(undefined, "r")).toBeUndefined();
  });
  it.each([[{ codes: [200] }], [{ codes: [600] }], [{ attempts: -1 }], [{ attempts: 11 }], [{ backoff: "soon" }]])("%j ⇒ UnsupportedValue", (r) => {
    expect(compileRetry(r, "r")).toMatchObject({ reason: "UnsupportedValue" });
  });
});

describe("compileSessionPersistence", () => {
  it("Permanent needs absoluteTimeout", () => {
    expect(compileSessionPersistence({ cookieConfig: { lifetimeType: "Permanent" } }, "r")).toMatchObject({ reason: "UnsupportedValue" });
    expect(compileSessionPersistence({ sessionName: "s", absoluteTimeout: "1h", cookieConfig: { lifetimeType: "Permanent" } }, "r"))
      .toEqual({ type: "Cookie", name: "s", lifetimeType: "Permanent", absoluteTimeoutMs: 3_600_000 });
  });
  it("unknown type ⇒ UnsupportedValue", () => {
    expect(compileSessionPersistence({ type: "Sticky" }, "r")).toMatchObject({ reason: "UnsupportedValue" });
  });
});

// Each bound at its last accepted and first refused value; outputs compared strictly (no key holding
// undefined, no field left over).
describe("timeouts, retry and session persistence at their edges", () => {
  it("backendRequest equal to request is accepted; a 0s backendRequest is absent while request stays", () => {
    expect(compileTimeouts({ request: "2s", backendRequest: "2s" }, "r")).toStrictEqual({ requestMs: 2_000, backendRequestMs: 2_000 });
    expect(compileTimeouts({ request: "1s", backendRequest: "1001ms" }, "r")).toMatchObject({ reason: "UnsupportedValue",
      message: "r.timeouts: backendRequest (1001ms) must not exceed request (1s)" });
    expect(compileTimeouts({ request: "1s", backendRequest: "0s" }, "r")).toStrictEqual({ requestMs: 1_000 });
    expect(compileTimeouts({ request: "0s" }, "r")).toStrictEqual({});
    expect(compileTimeouts({ backendRequest: "5m" }, "r")).toStrictEqual({ backendRequestMs: 300_000 });
    expect(compileTimeouts({ backendRequest: "5 s" }, "r")).toMatchObject({ reason: "UnsupportedValue", message: expect.stringContaining("r.timeouts.backendRequest") });
  });
  it("retry codes 400 and 599 are accepted, 399, 600 and a fraction refused; codes sort ascending", () => {
    expect(compileRetry({ codes: [599, 400] }, "r")).toStrictEqual({ codes: [400, 599], attempts: 1, backoffMs: 25 });
    expect(compileRetry({ codes: [504, 500, 503, 502] }, "r")).toMatchObject({ codes: [500, 502, 503, 504] });
    for (const c of [399, 600, 500.5]) {
      expect(compileRetry({ codes: [500, c] }, "r")).toStrictEqual({ reason: "UnsupportedValue", message: `r.retry.codes: ${c} is not an HTTP status 400-599` });
    }
  });
  it("retry attempts 0 and 10 are accepted, 11 and a fraction refused; a backoff of 0s is kept", () => {
    expect(compileRetry({ attempts: 0 }, "r")).toStrictEqual({ codes: [], attempts: 0, backoffMs: 25 });
    expect(compileRetry({ attempts: 10, backoff: "0s" }, "r")).toStrictEqual({ codes: [], attempts: 10, backoffMs: 0 });
    for (const a of [11, 1.5]) {
      expect(compileRetry({ attempts: a }, "r")).toStrictEqual({ reason: "UnsupportedValue", message: `r.retry.attempts: ${a} is not an integer 0-10` });
    }
    expect(compileRetry({ backoff: "1.5s" }, "r")).toMatchObject({ reason: "UnsupportedValue", message: expect.stringContaining("r.retry.backoff") });
  });
  it("defaults: a Cookie named weft-session with a Session lifetime; Header is accepted", () => {
    expect(compileSessionPersistence({}, "r")).toStrictEqual({ type: "Cookie", name: "weft-session", lifetimeType: "Session" });
    expect(compileSessionPersistence({ type: "Header", sessionName: "x-session" }, "r")).toStrictEqual({ type: "Header", name: "x-session", lifetimeType: "Session" });
    expect(compileSessionPersistence({ absoluteTimeout: "10s" }, "r")).toStrictEqual({ type: "Cookie", name: "weft-session", lifetimeType: "Session", absoluteTimeoutMs: 10_000 });
  });
  it("an unknown lifetimeType and a malformed absoluteTimeout are refused", () => {
    expect(compileSessionPersistence({ cookieConfig: { lifetimeType: "Forever" } }, "r")).toMatchObject({
      reason: "UnsupportedValue",
      message: expect.stringContaining("r.sessionPersistence.cookieConfig.lifetimeType"),
    });
    expect(compileSessionPersistence({ absoluteTimeout: "an hour" }, "r")).toMatchObject({ reason: "UnsupportedValue", message: expect.stringContaining("r.sessionPersistence.absoluteTimeout") });
  });
  it("a session name is a token of 1-128 characters (RFC 6265 cookie-name, RFC 9110 field-name)", () => {
    const tokenChars = "AZaz09!#$%&'*+-.^_`|~";
    for (const name of [tokenChars, "a".repeat(128), "s"]) expect(compileSessionPersistence({ sessionName: name }, "r")).toMatchObject({ name });
    for (const name of ["", "a".repeat(129), "a b", "a;b", "a=b", 'a"b', "é", "a\n"]) {
      expect(compileSessionPersistence({ sessionName: name }, "r"), JSON.stringify(name)).toMatchObject({ reason: "UnsupportedValue",
        message: expect.stringContaining("is not a valid cookie/header name") });
    }
  });
});
