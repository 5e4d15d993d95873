// load-client: bounded HTTP/1.1 keep-alive load from inside a namespace: `conns` concurrent loops send
// GETs to host:port until `count` requests are done or `maxMs` passes. Prints one JSON line with
// requests/s and latency percentiles (µs). Used by sidecar-overhead.bench.ts.
import { Agent, request } from "node:http";

const [host = "", portText = "80", countText = "2000", connsText = "8", maxMsText = "15000"] = process.argv.slice(2);
const count = Number(countText);
const deadline = Date.now() + Number(maxMsText);
const agent = new Agent({ keepAlive: true, maxSockets: Number(connsText) });
const lat: number[] = [];
let issued = 0;
let failed = 0;

function one(): Promise<void> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const req = request({ host, port: Number(portText), path: "/bench", agent, headers: { "x-version": "v1" } }, (res) => {
      res.resume();
      res.on("end", () => {
        if (res.statusCode === 200) lat.push(Number(process.hrtime.bigint() - t0) / 1000);
        else failed++;
        resolve();
      });
    });
    req.setTimeout(5_000, () => req.destroy());
    req.on("error", () => {
      failed++;
      resolve();
    });
    req.end();
  });
}

const started = process.hrtime.bigint();
await Promise.all(Array.from({ length: Number(connsText) }, async () => {
  while (issued < count && Date.now() < deadline) {
    issued++;
    await one();
  }
}));
const secs = Number(process.hrtime.bigint() - started) / 1e9;
lat.sort((a, b) => a - b);
const at = (q: number): number => Math.round(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? 0);
process.stdout.write(`${JSON.stringify({ ok: lat.length, failed, seconds: Number(secs.toFixed(2)), rps: Math.round(lat.length / secs), p50us: at(0.5), p99us: at(0.99) })}\n`);
agent.destroy();
process.exit(0);
