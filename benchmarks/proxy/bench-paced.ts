// bench-paced: an open-loop load generator at a FIXED rate (default 1,000 requests/s) for the side-by-side
// latency comparison. Request i is due at start + i/rate; its latency is measured from when it was DUE,
// not when it was sent, so a stalled proxy cannot hide its queueing (no coordinated omission).
// Warm-up: the first <warmup> requests run on the same schedule and the same connections but are not
// counted, so the figures are the steady state; without it the generator's own start (JIT, opening
// connections) stalls its first ~50 ms and those requests alone fill the slowest 1% of a 5,000-request
// run, whatever the proxy. A line "warm" on stdout marks the start of the measured part.
// Bounded: stops after <warmup>+<count> requests or <maxSeconds>, whichever first; in-flight requests are capped.
// Args: <port> <rate> <count> <maxSeconds> [warmup=0]. Loopback only. Prints one JSON line {requests, errors,
// non2xx, late (sent > 2 ms after due), p50_us, p99_us, p999_us, max_us, due_p99_us, due_p999_us} and exits.
import { Pool } from "undici";

const port = Number(process.argv[2]);
const rate = Number(process.argv[3] ?? 1000);
const count = Number(process.argv[4] ?? 5000);
const maxSeconds = Number(process.argv[5] ?? 10);
const warmup = Number(process.argv[6] ?? 0);
const maxInflight = 512;
const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64, pipelining: 1, connect: { noDelay: true } });
const lat: number[] = [];
const dueLat: number[] = [];
let errors = 0;
let non2xx = 0;
let late = 0;
let issued = 0;
let inflight = 0;
const t0 = performance.now();
const deadline = t0 + maxSeconds * 1000;
const total = warmup + count;
let measuredFrom = t0;

function fire(due: number, counted: boolean): void {
  inflight++;
  const sent = performance.now();
  if (counted && sent - due > 2) late++;
  pool.request({ path: "/", method: "GET", headers: { host: "reviews.bench.svc:9080" } }).then(async (r) => {
    await r.body.dump();
    if (!counted) return;
    if (r.statusCode < 200 || r.statusCode > 299) non2xx++;
    const end = performance.now();
    lat.push((end - sent) * 1000);
    dueLat.push((end - due) * 1000);
  }, () => { if (counted) errors++; }).finally(() => { inflight--; });
}

await new Promise<void>((done) => {
  const tick = () => {
    const now = performance.now();
    if (issued >= total || now > deadline) { done(); return; }
    while (issued < total && t0 + (issued * 1000) / rate <= now && inflight < maxInflight) {
      if (issued === warmup) { measuredFrom = performance.now(); process.stdout.write("warm\n"); }
      fire(t0 + (issued * 1000) / rate, issued >= warmup);
      issued++;
    }
    setTimeout(tick, 1);
  };
  tick();
});
const drainBy = performance.now() + 5000;
while (inflight > 0 && performance.now() < drainBy) await new Promise((r) => setTimeout(r, 5));
lat.sort((a, b) => a - b);
dueLat.sort((a, b) => a - b);
const pct = (p: number, a = lat) => Math.round(a[Math.min(a.length - 1, Math.floor((p / 100) * a.length))] ?? NaN);
process.stdout.write(`${JSON.stringify({ requests: lat.length, errors, non2xx, late, duration_s: Math.round((performance.now() - measuredFrom) / 10) / 100, p50_us: pct(50), p99_us: pct(99), p999_us: pct(99.9), max_us: Math.round(lat[lat.length - 1] ?? NaN), due_p99_us: pct(99, dueLat), due_p999_us: pct(99.9, dueLat) })}\n`);
await pool.destroy();
process.exit(0);
