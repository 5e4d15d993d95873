// working-set-peak: the journey samples the kubelet's working set of a sidecar every 2 s from the process that
// drives the load (test/support/node/pod-views.ts). A sample must not block that process's event loop: it is
// a kubectl child the loop does not wait for (kubectlAsync, never the synchronous kubectl), at most one out at
// a time; the peak is of the samples answered before stop(), and the one out at stop() is killed.
import { afterEach, describe, expect, it, vi } from "vitest";
import { workingSetPeak } from "../support/node/pod-views.ts";
import type { SharedCluster } from "../support/node/shared-cluster.ts";

const MiB = 1048576;
const summary = (bytes: number): string =>
  JSON.stringify({
    pods: [
      { podRef: { namespace: "other", name: "web" }, containers: [{ name: "weft-proxy", memory: { workingSetBytes: 999 * MiB } }] },
      { podRef: { namespace: "shop", name: "web" }, containers: [{ name: "app", memory: { workingSetBytes: 500 * MiB } }, { name: "weft-proxy", memory: { workingSetBytes: bytes } }] },
    ],
  });

interface Call {
  readonly args: readonly string[];
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  answer(text: string): void;
  fail(): void;
}

function fakeCluster(): { c: SharedCluster; calls: Call[] } {
  const calls: Call[] = [];
  const c = {
    kubectl: () => {
      throw new Error("a synchronous kubectl while sampling");
    },
    kubectlAsync: (args: readonly string[], timeoutMs?: number, signal?: AbortSignal) =>
      new Promise<string>((resolve, reject) => {
        calls.push({ args, timeoutMs, signal, answer: resolve, fail: () => reject(new Error("busy")) });
      }),
  } as unknown as SharedCluster;
  return { c, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("the journey's kubelet working-set sampler", () => {
  it("samples through kubectlAsync every 2 s, one at a time, and counts only samples answered before stop()", async () => {
    vi.useFakeTimers();
    const { c, calls } = fakeCluster();
    const sampler = workingSetPeak(c, "shop", "web", "weft-proxy");
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args).toEqual(["get", "--raw", "/api/v1/nodes/weft-node/proxy/stats/summary"]);
    expect(calls[0]!.timeoutMs).toBeLessThanOrEqual(10_000);
    // A tick while the sample is out starts no second one.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toHaveLength(1);
    calls[0]!.answer(summary(50 * MiB));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toHaveLength(2);
    calls[1]!.fail(); // skipped, and the next tick samples again
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toHaveLength(3);
    calls[2]!.answer(summary(70 * MiB));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toHaveLength(4);
    expect(calls[3]!.signal?.aborted).toBe(false);
    expect(sampler.stop()).toBe(70 * MiB);
    // The sample out at stop() is killed; an answer after stop() is not counted, and no tick runs again.
    expect(calls[3]!.signal?.aborted).toBe(true);
    calls[3]!.answer(summary(90 * MiB));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(4);
    expect(sampler.stop()).toBe(70 * MiB);
  });
});
