// bench-client: runs in the benchmark's client namespace: opens `count` sequential connections to
// host:port (each waits for the server's one-byte answer), stopping early after `maxMs`. Prints JSON.
import { connect } from "node:net";

const [host = "", port = "80", countText = "1000", maxMsText = "10000"] = process.argv.slice(2);
const count = Number(countText);
const deadline = Date.now() + Number(maxMsText);
let done = 0;
let failed = 0;
const started = process.hrtime.bigint();
while (done + failed < count && Date.now() < deadline) {
  const ok = await new Promise<boolean>((resolve) => {
    const s = connect({ host, port: Number(port) });
    s.setTimeout(2_000, () => {
      s.destroy();
      resolve(false);
    });
    s.once("data", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
  if (ok) done++;
  else failed++;
}
const secs = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${JSON.stringify({ connections: done, failed, seconds: Number(secs.toFixed(3)), connectionsPerSecond: Math.round(done / secs) })}\n`);
process.exit(0);
