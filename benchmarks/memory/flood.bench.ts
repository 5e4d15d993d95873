// flood.bench: memory after floods. Runs a real gateway proxy and a real controller (file provider) as
// child processes, floods them, and prints one JSON line per round with the child's RSS (MB) before,
// right after, and SETTLE_MS (default 30 s) after the flood, and whether it came back within 25 % of
// the target's RSS before its first flood ("goal_met"; judged against the first baseline, so growth
// across rounds fails it too). The gateway runs with the NODE_OPTIONS deployed proxies get. Rounds: the gateway under h2 rapid reset (3 rounds, to show
// growth across rounds), h2 CONTINUATION, slowloris; the controller under the bad-config sequence
// (10,000 parentRefs, 20,000 routes, a 60 MB file, then the good files back), twice.
// Env: FLOOD_MS (default 15000), SETTLE_MS (default 30000), BENCH_ONLY=gateway|controller.
// Every flood is bounded in time and count; traffic goes to 127.0.0.1 only.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { procKb } from "../proxy/proc-kb.ts";
import { startControllerTarget, badConfigSequence } from "./controller-target.ts";
import { continuation, rapidReset, slowloris, type FloodResult } from "./floods.ts";
import { httpGet, startGatewayTarget } from "./gateway-target.ts";

const FLOOD_MS = Number(process.env.FLOOD_MS ?? 15_000);
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 30_000);
const ONLY = process.env.BENCH_ONLY;
const GOAL = 1.25;

const mb = (pid: number): number => Math.round(procKb([pid], "VmRSS") / 102.4) / 10;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `baseline`: the target's RSS before its first flood; every round is judged against it (no growth across rounds). */
async function round(target: string, pid: number, baseline: number, name: string, flood: () => Promise<Record<string, unknown>>, healthy: () => Promise<boolean>): Promise<void> {
  const before = mb(pid);
  const started = Date.now();
  const info = await flood();
  const floodMs = Date.now() - started;
  const after = mb(pid);
  let peak = after;
  const settleEnd = Date.now() + SETTLE_MS;
  while (Date.now() < settleEnd) {
    await sleep(1000);
    peak = Math.max(peak, mb(pid));
  }
  const settled = mb(pid);
  const ok = await healthy();
  process.stdout.write(`${
    JSON.stringify({
      bench: "memory-flood",
      target,
      flood: name,
      flood_ms: floodMs,
      ...info,
      rss_baseline_mb: baseline,
      rss_before_mb: before,
      rss_after_mb: after,
      rss_peak_mb: peak,
      [`rss_after_${Math.round(SETTLE_MS / 1000)}s_mb`]: settled,
      growth_pct: Math.round((settled / baseline - 1) * 1000) / 10,
      goal_met: settled <= baseline * GOAL,
      serving_after: ok,
    })
  }\n`);
}

const work = mkdtempSync(join(tmpdir(), "weft-flood-"));
try {
  if (ONLY === undefined || ONLY === "gateway") {
    const gw = await startGatewayTarget(work);
    for (let i = 0; i < 10; i++) await httpGet(gw.port, "/");
    await sleep(2000);
    const baseline = mb(gw.pid);
    const serving = async (): Promise<boolean> => (await httpGet(gw.port, "/")) === 200;
    const bounded = { port: gw.port, durationMs: FLOOD_MS };
    const shape = (r: FloodResult): Record<string, unknown> => ({ frames: r.frames, connections: r.connections });
    for (let i = 1; i <= 3; i++) {
      await round("gateway", gw.pid, baseline, `h2-rapid-reset#${i}`, async () => shape(await rapidReset({ ...bounded, connections: 4, maxFrames: 20_000_000 })), serving);
    }
    await round("gateway", gw.pid, baseline, "h2-continuation", async () => shape(await continuation({ ...bounded, connections: 4, maxFrames: 5_000_000 })), serving);
    await round("gateway", gw.pid, baseline, "h1-slowloris", async () => shape(await slowloris({ ...bounded, connections: 500, maxFrames: 1_000_000, intervalMs: 1000 })), serving);
    await gw.stop();
  }
  if (ONLY === undefined || ONLY === "controller") {
    const ctl = await startControllerTarget(work);
    await sleep(2000);
    const baseline = mb(ctl.pid);
    for (let i = 1; i <= 2; i++) {
      await round("controller", ctl.pid, baseline, `bad-config#${i}`, async () => ({ steps: await badConfigSequence(ctl) }), () => ctl.healthy());
    }
    await ctl.stop();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
