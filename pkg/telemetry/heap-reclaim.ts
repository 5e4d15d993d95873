// heap-reclaim: gives memory back to the OS after a burst (a flood, a huge config). Node 24's V8 keeps
// the pages it freed in a page pool and, in an idle process, its memory reducer never runs (it waits for
// a low allocation rate that an idle process never measures), so RSS stays at the burst's high-water
// mark for good (docs/proxy.md "Memory after floods"). This samples the process every intervalMs; when it
// turns quiet after being busy (CPU), or grows far past its last settled size while busy, and RSS is
// well above the smallest size it settled at, it runs one memory-reducing full GC (V8's "last resort"
// collection, which also empties the page pool). A reclaim that freed little doubles the wait before the
// next one (up to maxCooldownMs), so a process whose live set really is large pays rarely; a new burst
// (growth past the last settled size) is answered at the base pace again.
// Takes options (all injectable for tests); gives stop() and counters. The GC function comes from V8
// itself (--expose-gc set at run time, gc taken from a fresh context, as test runners do); a process
// started with --expose-gc keeps its own flag.
// Must not: run a GC more often than cooldownMs, or keep the process alive (its timer is unref'd).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

export interface HeapReclaimOptions {
  readonly intervalMs?: number;
  /** Shortest wait between two reclaims; doubled after one that freed little. */
  readonly cooldownMs?: number;
  readonly maxCooldownMs?: number;
  /** RSS must exceed the settled floor by this fraction and by minExcessBytes before a reclaim. */
  readonly excessRatio?: number;
  readonly minExcessBytes?: number;
  /** A sample is busy when the process used more than this share of one CPU over the interval. */
  readonly busyCpuShare?: number;
  readonly rss?: () => number;
  /** CPU time used so far, microseconds. */
  readonly cpuMicros?: () => number;
  readonly now?: () => number;
  readonly collect?: () => void;
  readonly log?: (fields: Record<string, unknown>, msg: string) => void;
}

export interface HeapReclaim {
  /** One sampling step (the timer calls it; tests call it directly). */
  tick(): void;
  reclaims(): number;
  stop(): void;
}

/** V8's memory-reducing full collection ("last resort": repeated mark-compacts, page pool emptied). */
export function lastResortGc(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as (o: { type: string; execution: string; flavor: string }) => void;
  return () => gc({ type: "major", execution: "sync", flavor: "last-resort" });
}

export function startHeapReclaim(o: HeapReclaimOptions = {}): HeapReclaim {
  const rss = o.rss ?? (() => process.memoryUsage.rss());
  const cpu = o.cpuMicros ?? (() => {
    const u = process.cpuUsage();
    return u.user + u.system;
  });
  const now = o.now ?? Date.now;
  const intervalMs = o.intervalMs ?? 2_000;
  const baseCooldown = o.cooldownMs ?? 10_000;
  const maxCooldown = o.maxCooldownMs ?? 300_000;
  const ratio = o.excessRatio ?? 0.1;
  const minExcess = o.minExcessBytes ?? 16 * 1024 * 1024;
  const busyShare = o.busyCpuShare ?? 0.2;
  let collect = o.collect;
  let floor = rss();
  /** RSS right after the last reclaim (or at start): growth past it while busy is a runaway burst. */
  let settled = floor;
  let busySince = false;
  let cooldown = baseCooldown;
  let last = Number.NEGATIVE_INFINITY;
  let count = 0;
  let lastCpu = cpu();
  let lastAt = now();

  const excess = (r: number, over: number): boolean => r - over > Math.max(minExcess, over * ratio);

  const reclaim = (before: number, t: number): void => {
    collect ??= lastResortGc();
    collect();
    count++;
    const after = rss();
    const freed = before - after;
    cooldown = freed < Math.max(minExcess, before * ratio) ? Math.min(maxCooldown, cooldown * 2) : baseCooldown;
    floor = Math.min(floor, after);
    settled = after;
    busySince = false;
    last = t;
    // The collection's own CPU must not make the next sample look busy.
    lastCpu = cpu();
    lastAt = now();
    o.log?.({ rssBeforeMb: Math.round(before / 1048576), rssAfterMb: Math.round(after / 1048576), nextInS: Math.round(cooldown / 1000) }, "heap reclaimed");
  };

  const tick = (): void => {
    const t = now();
    const c = cpu();
    const share = t > lastAt ? (c - lastCpu) / 1000 / (t - lastAt) : 0;
    lastCpu = c;
    lastAt = t;
    const busy = share > busyShare;
    if (busy) busySince = true;
    const r = rss();
    if (!busy && !busySince) floor = Math.min(floor, r);
    // A new burst (grown past the last settled size) is answered at the base pace, whatever the backoff.
    const grown = excess(r, settled);
    if (t - last < (grown ? baseCooldown : cooldown) || !excess(r, floor)) return;
    if ((!busy && busySince) || (busy && grown)) reclaim(r, t);
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { tick, reclaims: () => count, stop: () => clearInterval(timer) };
}
