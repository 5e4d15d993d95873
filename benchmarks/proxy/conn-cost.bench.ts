// conn-cost: what a connection through a Weft sidecar pair costs in memory, per side. Starts the paced
// bench's sidecar pair (bench-sidecar.ts bundled as shipped, with the sidecar's V8 flags) in front of an
// origin in this process. Phases: "start" (1 s after both are up), "warm" (2,000 requests one after the
// other over one connection), "busy" (N requests held at the origin at once: N client connections, N mesh
// mTLS connections, N from the inbound to the origin), "idle" (answered; every connection kept alive),
// "idle-after-traffic" (10 × N more requests over the open connections), "client-closed" (the client's
// connections closed: what the sidecars keep). Per phase and side one JSON line: private and anonymous
// memory (smaps_rollup, status), malloc's main heap ([heap] in smaps), open fds, and the sidecar's own
// figures (process.memoryUsage, V8 heap spaces: its SIGUSR2 line).
// Env: CONN_COST_N (default 64, at most 512), CONN_COST_FLAGS (node flags instead of the shipped ones; "-"
// for none), CONN_COST_ROUNDS (default 1), CONN_COST_SMAPS=<dir> (a copy of each side's smaps per phase).
// Bounded: every wait has a deadline; the sidecars are stopped after each round. Loopback only.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, createServer, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { SIDECAR_NODE_OPTIONS, SIDECAR_NODE_ARGS } from "../../pkg/util/proxy-node-options.ts";
import { testCa } from "../../test/support/certs.ts";
import { openFds, procKb } from "./proc-kb.ts";

const root = resolve(import.meta.dirname, "../..");
const n = Math.min(512, Number(process.env.CONN_COST_N ?? 64));
const rounds = Number(process.env.CONN_COST_ROUNDS ?? 1);
const flagsEnv = process.env.CONN_COST_FLAGS;
const flags = flagsEnv === undefined ? `${SIDECAR_NODE_OPTIONS} ${SIDECAR_NODE_ARGS}`.split(" ") : flagsEnv === "-" ? [] : flagsEnv.split(/\s+/);
const dir = join(root, ".cache", `conn-cost-${process.pid}`);
mkdirSync(dir, { recursive: true });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const b = spawnSync(process.execPath, [join(root, "tools/bundle-proxy.ts"), dir, "benchmarks/proxy/bench-sidecar.ts"], { cwd: root, encoding: "utf8", timeout: 120_000 });
if (b.status !== 0) throw new Error(`bundling failed: ${b.stdout}${b.stderr}`);
const entry = join(dir, "cmd/bench-sidecar.js");

// Origin: "/hold" answers when released, anything else at once.
let held: ServerResponse[] = [];
const origin = createServer((req, res) => {
  req.resume();
  if (req.url === "/hold") held.push(res);
  else res.end("ok");
});
await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
const originPort = (origin.address() as AddressInfo).port;
const release = () => {
  for (const r of held) r.end("ok");
  held = [];
};

/** Reads a child's stdout line by line; `next()` gives the next JSON line. */
function lines(c: ChildProcess): { next(): Promise<Record<string, unknown>> } {
  const queue: Record<string, unknown>[] = [];
  let waiting: ((o: Record<string, unknown>) => void) | undefined;
  let buf = "";
  c.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!l.startsWith("{")) continue;
      const o = JSON.parse(l) as Record<string, unknown>;
      if (waiting !== undefined) {
        const w = waiting;
        waiting = undefined;
        w(o);
      } else queue.push(o);
    }
  });
  return {
    next: () =>
      queue.length > 0 ? Promise.resolve(queue.shift()!) : Promise.race([
        new Promise<Record<string, unknown>>((r) => (waiting = r)),
        sleep(10_000).then(() => {
          throw new Error("no line from the sidecar within 10 s");
        }),
      ]),
  };
}

const heapKb = (pid: number): number => {
  const text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  const m = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+)/.exec(text);
  return Number(m?.[1] ?? 0);
};

const ca = testCa("conn-cost-ca");
const idA = "spiffe://cluster.local/ns/bench/sa/client", idB = "spiffe://cluster.local/ns/bench/sa/reviews";
const mat = (leaf: { keyPem: string; certPem: string }, identity: string) => ({ keyPem: leaf.keyPem, certChainPem: leaf.certPem, trustBundlePem: ca.certPem, identity });
const cfg = (name: string, o: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, JSON.stringify(o), { mode: 0o600 });
  return p;
};

for (let round = 1; round <= rounds; round++) {
  const inb = spawn(process.execPath, [...flags, entry,
    cfg("b.json", { role: "inbound", port: originPort, mat: mat(ca.leaf({ cn: "reviews", uris: [idB] }), idB), peerIdentity: idA, ratio: "off", otlpPort: 1 })], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const inL = lines(inb);
  const { port: bPort } = await inL.next() as { port: number };
  const out = spawn(process.execPath, [...flags, entry,
    cfg("a.json", { role: "outbound", port: bPort, mat: mat(ca.leaf({ cn: "client", uris: [idA] }), idA), peerIdentity: idB, ratio: "off", otlpPort: 1 })], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const outL = lines(out);
  const { port: aPort } = await outL.next() as { port: number };
  const sides = { outbound: { c: out, l: outL }, inbound: { c: inb, l: inL } };
  const measure = async (phase: string) => {
    for (const [side, { c, l }] of Object.entries(sides)) {
      c.kill("SIGUSR2");
      const v8 = await l.next() as { memory: Record<string, number>; spaces: Record<string, { size: number; used: number }> };
      const pid = c.pid!;
      if (process.env.CONN_COST_SMAPS !== undefined) writeFileSync(join(process.env.CONN_COST_SMAPS, `${round}-${phase}-${side}.smaps`), readFileSync(`/proc/${pid}/smaps`));
      const kb = (x: number) => Math.round(x / 1024);
      console.log(JSON.stringify({
        bench: "proxy-conn-cost",
        round,
        n,
        flags: flags.join(" "),
        phase,
        side,
        private_kb: procKb([pid], "Private"),
        anon_kb: procKb([pid], "RssAnon"),
        malloc_heap_kb: heapKb(pid),
        fds: openFds([pid]),
        v8_heap_total_kb: kb(v8.memory.heapTotal!),
        v8_heap_used_kb: kb(v8.memory.heapUsed!),
        external_kb: kb(v8.memory.external!),
        array_buffers_kb: kb(v8.memory.arrayBuffers!),
        spaces_kb: Object.fromEntries(Object.entries(v8.spaces).map(([k, s]) => [k.replace("_space", ""), [kb(s.used), kb(s.size)]])),
      }));
    }
  };
  await sleep(1000);
  await measure("start");
  const agent = new Agent({ keepAlive: true, maxSockets: n });
  const get = (path: string) =>
    new Promise<void>((ok, fail) => {
      const req = request({ host: "127.0.0.1", port: aPort, path, agent, headers: { host: "reviews.bench.svc:9080" } }, (res) => {
        res.resume();
        res.on("end", ok);
      });
      req.on("error", fail);
      req.end();
    });
  // Warm: some traffic over few connections first, as a pair has seen before a burst.
  for (let i = 0; i < 2000; i++) await get("/");
  await sleep(500);
  await measure("warm");
  const answers = Array.from({ length: n }, () => get("/hold"));
  const by = Date.now() + 10_000;
  while (held.length < n && Date.now() < by) await sleep(20);
  if (held.length < n) throw new Error(`only ${held.length} of ${n} requests reached the origin`);
  await sleep(300);
  await measure("busy");
  release();
  await Promise.all(answers);
  await sleep(1000);
  await measure("idle");
  // Traffic over the open connections (each one used), as in a paced run after its burst.
  for (let k = 0; k < 10; k++) await Promise.all(Array.from({ length: n }, () => get("/")));
  await sleep(300);
  await measure("idle-after-traffic");
  agent.destroy();
  await sleep(1500);
  await measure("client-closed");
  out.kill("SIGTERM");
  inb.kill("SIGTERM");
  await sleep(300);
}
origin.close();
rmSync(dir, { recursive: true, force: true });
