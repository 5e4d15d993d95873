// bench-paced: an open-loop load generator at a FIXED rate (default 1,000 requests/s) for the side-by-side
// latency comparison. Request i is due at start + i/rate; its latency is measured from when it was DUE,
// not when it was sent, so a stalled proxy cannot hide its queueing (no coordinated omission).
// Warm-up: the first <warmup> requests run on the same schedule and the same connections but are not
// counted, so the figures are the steady state; without it the generator's own start (JIT, opening
// connections) stalls its first ~50 ms and those requests alone fill the slowest 1% of a 5,000-request
// run, whatever the proxy. A line "warm" on stdout marks the start of the measured part.
// Protocols: "http1" (GET / over a keep-alive undici pool) or "grpc" (a gRPC unary call with a 64-byte
// message over h2c prior knowledge, 4 node:http2 sessions round-robin, as a gRPC client keeps a few
// channels; OK only when the answer's grpc-status trailer is 0).
// Bounded: stops after <warmup>+<count> requests or <maxSeconds>, whichever first; in-flight requests are capped.
// Args: <port> <rate> <count> <maxSeconds> [warmup=0] [protocol=http1]. Loopback only. Prints one JSON line
// {requests, errors, non2xx (non-OK for gRPC; not_ok counts them by status), late (sent > 2 ms after due), p50_us, p99_us, p999_us, max_us,
// due_p99_us, due_p999_us} and exits. BENCH_TAIL_REQS=<file>: also writes one line per measured request,
// "<sent µs on the monotonic clock> <latency µs> <requests sent in the same tick> <in flight before it>"
// (tail-tally.ts matches the slowest to the sidecars' GC pauses).
import { writeFileSync } from "node:fs";
import { connect, type ClientHttp2Session } from "node:http2";
import { Pool } from "undici";

const port = Number(process.argv[2]);
const rate = Number(process.argv[3] ?? 1000);
const count = Number(process.argv[4] ?? 5000);
const maxSeconds = Number(process.argv[5] ?? 10);
const warmup = Number(process.argv[6] ?? 0);
const protocol = process.argv[7] ?? "http1";
const maxInflight = 512;
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
const tailFile = process.env.BENCH_TAIL_REQS;
/** BENCH_TAIL_REQS: per measured request, sent (monotonic µs), latency µs, batch size, in flight before it. */
const tail: string[] = [];
const originUs = Number(process.hrtime.bigint() / 1000n) - performance.now() * 1000;
let batch = 0;

/** Answers that were not OK, by status (HTTP status, or "grpc-<status>"). */
const bad: Record<string, number> = {};
/** One request: `done(status)` once its answer is complete ("200"/"grpc-0" are OK), `failed()` when it broke. */
type Send = (done: (status: string) => void, failed: () => void) => void;
const okStatus = (s: string) => s === "grpc-0" || /^2\d\d$/.test(s);

function http1Sender(): { send: Send; close(): Promise<void> } {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64, pipelining: 1, connect: { noDelay: true } });
  return {
    send: (done, failed) => {
      pool.request({ path: "/", method: "GET", headers: { host: "reviews.bench.svc:9080" } }).then(async (r) => {
        await r.body.dump();
        done(String(r.statusCode));
      }, failed);
    },
    close: () => pool.destroy(),
  };
}

function grpcSender(): { send: Send; close(): Promise<void> } {
  const msg = Buffer.alloc(64, "g");
  const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
  const sessions: ClientHttp2Session[] = [];
  for (let i = 0; i < 4; i++) {
    const s = connect(`http://127.0.0.1:${port}`);
    s.on("error", () => {});
    sessions.push(s);
  }
  let next = 0;
  const headers = { ":method": "POST", ":path": "/bench.Echo/Unary", ":authority": "reviews.bench.svc:9080", "content-type": "application/grpc", te: "trailers" };
  return {
    send: (done, failed) => {
      const s = sessions[next++ % sessions.length]!;
      let st;
      try {
        st = s.request(headers);
      } catch {
        failed();
        return;
      }
      let status = "";
      st.on("response", (h) => {
        if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
      });
      st.on("trailers", (t) => {
        status = String(t["grpc-status"] ?? "");
      });
      st.on("data", () => {});
      st.on("end", () => done(`grpc-${status}`));
      st.on("error", failed);
      st.end(frame);
    },
    close: async () => {
      for (const s of sessions) s.close();
    },
  };
}

const sender = protocol === "grpc" ? grpcSender() : http1Sender();

function fire(due: number, counted: boolean): void {
  const before = inflight, inBatch = batch;
  inflight++;
  const sent = performance.now();
  if (counted && sent - due > 2) late++;
  let settled = false;
  sender.send((status) => {
    if (settled) return;
    settled = true;
    inflight--;
    if (!counted) return;
    if (!okStatus(status)) {
      non2xx++;
      bad[status] = (bad[status] ?? 0) + 1;
    }
    const end = performance.now();
    lat.push((end - sent) * 1000);
    if (tailFile !== undefined) tail.push(`${Math.round(originUs + sent * 1000)} ${Math.round((end - sent) * 1000)} ${inBatch} ${before}`);
    dueLat.push((end - due) * 1000);
  }, () => {
    if (settled) return;
    settled = true;
    inflight--;
    if (counted) errors++;
  });
}

await new Promise<void>((done) => {
  const tick = () => {
    const now = performance.now();
    if (issued >= total || now > deadline) {
      done();
      return;
    }
    let due = issued;
    while (due < total && t0 + (due * 1000) / rate <= now) due++;
    batch = Math.min(due, total) - issued;
    while (issued < total && t0 + (issued * 1000) / rate <= now && inflight < maxInflight) {
      if (issued === warmup) {
        measuredFrom = performance.now();
        process.stdout.write("warm\n");
      }
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
process.stdout.write(
  `${
    JSON.stringify({ requests: lat.length, errors, non2xx, late, duration_s: Math.round((performance.now() - measuredFrom) / 10) / 100, p50_us: pct(50), p99_us: pct(99), p999_us: pct(99.9),
      max_us: Math.round(lat[lat.length - 1] ?? NaN), due_p99_us: pct(99, dueLat), due_p999_us: pct(99.9, dueLat), ...(non2xx > 0 ? { not_ok: bad } : {}) })
  }\n`,
);
if (tailFile !== undefined && tailFile !== "") writeFileSync(tailFile, `${tail.join("\n")}\n`);
await sender.close();
process.exit(0);
