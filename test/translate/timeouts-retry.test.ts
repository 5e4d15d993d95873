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
