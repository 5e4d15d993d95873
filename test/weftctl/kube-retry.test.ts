// kube-retry: weftctl's one-shot listing retries transient API answers and gives up on the rest.
import { describe, expect, it } from "vitest";
import { withTransientRetry } from "../../pkg/weftctl/kube.ts";
import { WeftError } from "../../pkg/errors/weft-error.ts";

const fail = (status: number) => new WeftError("WEFT_ERR_UNAVAILABLE", `HTTP ${status}`, { status });
const noSleep = async () => {};

describe("withTransientRetry", () => {
  it("retries 503 (storage re-initializing) and returns the later success", async () => {
    let calls = 0;
    const v = await withTransientRetry(async () => (++calls < 3 ? Promise.reject(fail(503)) : "ok"), noSleep);
    expect(v).toBe("ok");
    expect(calls).toBe(3);
  });

  it("does not retry 403 or 404, and stops after 4 tries of a transient error", async () => {
    for (const status of [403, 404]) {
      let calls = 0;
      await expect(withTransientRetry(async () => {
        calls++;
        throw fail(status);
      }, noSleep)).rejects.toThrow(`HTTP ${status}`);
      expect(calls).toBe(1);
    }
    let calls = 0;
    await expect(withTransientRetry(async () => {
      calls++;
      throw fail(429);
    }, noSleep)).rejects.toThrow("HTTP 429");
    expect(calls).toBe(4);
  });
});
