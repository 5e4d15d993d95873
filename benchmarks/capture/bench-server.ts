// bench-server: runs inside the benchmark's proxy namespace. Two listeners: one behind a REDIRECT rule,
// recovering the original destination with the addon or the conntrack fallback (stdin "mode addon" /
// "mode conntrack"; every conntrack answer is checked against the addon's), and one behind TPROXY with
// IP_TRANSPARENT (original destination = the socket's local address). Each recovery is timed.
// Stdin "report" prints one JSON line of per-accept costs; exits when stdin ends.
import { createServer, type Socket } from "node:net";
import { createInterface } from "node:readline";
import {
  loadOriginalDstAddon,
  originalDestination,
  originalDestinationFromConntrack,
  setTransparent,
} from "../../pkg/proxy/sidecar/original-dst.ts";

const [redirectPort = "15001", tproxyPort = "15006"] = process.argv.slice(2);
type Mode = "addon" | "conntrack";
let mode: Mode = "addon";
/** Per-accept recovery times in µs, per mode (bounded by the client's connection count). */
const samples: Record<Mode | "tproxy", number[]> = { addon: [], conntrack: [], tproxy: [] };
const micros = (t0: bigint): number => Number(process.hrtime.bigint() - t0) / 1000;
let mismatches = 0;
let misses = 0;
loadOriginalDstAddon();

function answer(s: Socket): void {
  s.on("error", () => {});
  s.end("k");
}

const redirect = createServer((s) => {
  const t0 = process.hrtime.bigint();
  const dst = mode === "addon" ? originalDestination(s, "addon") : originalDestinationFromConntrack(s);
  samples[mode].push(micros(t0));
  if (dst === undefined) misses++;
  else if (mode === "conntrack") {
    const check = originalDestination(s, "addon");
    if (check?.address !== dst.address || check.port !== dst.port) mismatches++;
  }
  answer(s);
});
const tproxy = createServer((s) => {
  const t0 = process.hrtime.bigint();
  const port = s.localPort;
  const address = s.localAddress;
  samples.tproxy.push(micros(t0));
  if (port !== 80 || address === undefined) mismatches++;
  answer(s);
});
await new Promise<void>((r) => redirect.listen(Number(redirectPort), "0.0.0.0", r));
await new Promise<void>((r) => tproxy.listen(Number(tproxyPort), "0.0.0.0", r));
setTransparent((tproxy as unknown as { _handle: { fd: number } })._handle.fd, 4);
process.stdout.write("ready\n");
let reports = 0;
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const m = /^mode (addon|conntrack)$/.exec(line.trim());
  if (m) {
    mode = m[1] as Mode;
    process.stdout.write(`mode ${mode}\n`);
    return;
  }
  const summary = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const at = (q: number): number => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(2));
    const mean = sorted.length === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / sorted.length;
    return { accepts: sorted.length, p50: at(0.5), p99: at(0.99), mean: Number(mean.toFixed(2)) };
  };
  process.stdout.write(`${
    JSON.stringify({
      report: ++reports,
      addon: summary(samples.addon),
      conntrack: summary(samples.conntrack),
      tproxy: summary(samples.tproxy),
      mismatches,
      misses,
    })
  }\n`);
});
lines.on("close", () => process.exit(0));
