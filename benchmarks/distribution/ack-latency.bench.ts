// ack-latency bench: time for an IR change to be ACKed by N simulated proxies (default 1,000)
// connected over loopback gRPC to one distribution server, and the server's memory per proxy.
// The server runs in a child process started with --expose-gc (heap measured after gc there);
// the simulated proxies (real distribution clients, one channel = one TCP connection each) run in
// CLIENT_PROCS other child processes. Bounded: CHANGES IR changes, each waited for at most 30 s;
// the whole run stops itself after 5 minutes at most.
// Prints JSON lines. Usage: node benchmarks/distribution/ack-latency.bench.ts [proxies] [changes]
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { credentials } from "@grpc/grpc-js";
import { createDistributionClient } from "../../pkg/distribution/client.ts";
import { loadDistributionProto, type DistributionStub, type ServerMessage } from "../../pkg/distribution/proto.ts";
import { createDistributionServer } from "../../pkg/distribution/server.ts";

import { NAMESPACES, SERVICES_PER_NS, buildIr } from "./bench-ir.ts";

type ToServer = { cmd: "setIr"; change: number; expect: number } | { cmd: "heap"; gc: boolean } | { cmd: "stop" };
type FromServer =
  | { ev: "listening"; port: number }
  | { ev: "acked"; change: number; latenciesMs: number[]; setIrMs: number; serverCpuMs: number }
  | { ev: "heap"; heapUsed: number; rss: number; proxies: number; inSync: number };

async function serverMain(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  let pending: { change: number; t0: number; cpu0: NodeJS.CpuUsage; expect: number; lat: number[]; setIrMs: number } | undefined;
  const server = createDistributionServer({
    onAck: () => {
      if (!pending) return;
      pending.lat.push(performance.now() - pending.t0);
      if (pending.lat.length === pending.expect) {
        const cpu = process.cpuUsage(pending.cpu0);
        const serverCpuMs = (cpu.user + cpu.system) / 1000;
        process.send!({ ev: "acked", change: pending.change, latenciesMs: pending.lat, setIrMs: pending.setIrMs, serverCpuMs } satisfies FromServer);
        pending = undefined;
      }
    },
  });
  server.setIr(buildIr(0));
  const port = await server.listen("127.0.0.1:0");
  process.on("message", (m: ToServer) => {
    if (m.cmd === "setIr") {
      const ir = buildIr(m.change);
      const t0 = performance.now();
      pending = { change: m.change, t0, cpu0: process.cpuUsage(), expect: m.expect, lat: [], setIrMs: 0 };
      server.setIr(ir);
      pending.setIrMs = performance.now() - t0;
    } else if (m.cmd === "heap") {
      if (m.gc) {
        gc?.();
        gc?.();
      }
      const mu = process.memoryUsage();
      const ps = server.proxies();
      process.send!({ ev: "heap", heapUsed: mu.heapUsed, rss: mu.rss, proxies: ps.length, inSync: ps.filter((p) => p.inSync).length } satisfies FromServer);
    } else {
      void server.close(0).then(() => process.exit(0));
    }
  });
  process.send!({ ev: "listening", port } satisfies FromServer);
}

function request<T extends FromServer["ev"]>(child: ChildProcess, ev: T, send?: ToServer, limitMs = 30_000): Promise<Extract<FromServer, { ev: T }>> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout waiting for ${ev}`)), limitMs);
    const on = (m: FromServer) => {
      if (m.ev !== ev) return;
      clearTimeout(t);
      child.off("message", on);
      resolve(m as Extract<FromServer, { ev: T }>);
    };
    child.on("message", on);
    if (send) child.send(send);
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 10) / 10;
}

const CLIENT_PROCS = 2;

/**
 * A "light" simulated proxy: speaks the protocol (hello, ACK each update at once) without decoding
 * or validating, so the figure is the server's fan-out and ACK handling, not 1,000 clients' CPU
 * squeezed into one machine. The "full" mode runs real distribution clients.
 */
function lightProxy(port: number, i: number): { close(): void } {
  const { Client } = loadDistributionProto();
  const stub = new Client(`127.0.0.1:${port}`, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 }) as unknown as DistributionStub;
  const call = stub.Stream();
  call.on("data", (m: ServerMessage) => {
    if (m.update) call.write({ msg: "ack", ack: { version: m.update.version, resources: [] } });
  });
  call.on("error", () => {});
  call.write({
    msg: "hello",
    hello: { namespace: `ns${i % NAMESPACES}`, serviceAccount: "default", pod: `pod-${i}`, kind: "sidecar", gatewayNamespace: "", gatewayName: "", version: "", known: [] },
  });
  return { close: () => {
    call.cancel();
    stub.close();
  } };
}

/** A client process: `count` proxies starting at index `first`, all connected to `port`. */
async function clientsMain(port: number, first: number, count: number, light: boolean): Promise<void> {
  const clients: { close(): void }[] = [];
  for (let i = first; i < first + count; i++) {
    if (light) {
      clients.push(lightProxy(port, i));
      continue;
    }
    const c = createDistributionClient({
      address: `127.0.0.1:${port}`,
      identity: { namespace: `ns${i % NAMESPACES}`, serviceAccount: "default", pod: `pod-${i}`, kind: "sidecar" },
      onConfig: () => {},
      channelOptions: { "grpc.use_local_subchannel_pool": 1 },
    });
    await c.start();
    clients.push(c);
  }
  process.send!({ ev: "clients-started" });
  process.on("message", () => {
    for (const c of clients) c.close();
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const proxies = Number(process.argv[2] ?? 1000);
  const changes = Number(process.argv[3] ?? 10);
  await run("light", proxies, changes);
  if (process.env["WEFT_BENCH_LIGHT_ONLY"] === undefined) await run("full", proxies, changes);
}

async function run(mode: "light" | "full", proxies: number, changes: number): Promise<void> {
  const child = fork(import.meta.filename, ["--server"], { execArgv: ["--expose-gc", ...(process.env["WEFT_BENCH_PROF"] ? ["--cpu-prof", `--cpu-prof-dir=${process.env["WEFT_BENCH_PROF"]}`] : [])],
    stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const workers: ChildProcess[] = [];
  const deadline = setTimeout(() => {
    child.kill("SIGKILL");
    for (const w of workers) w.kill("SIGKILL");
    process.exit(1);
  }, 5 * 60_000);
  try {
    const { port } = await request(child, "listening");
    const base = await request(child, "heap", { cmd: "heap", gc: true });
    const per = Math.ceil(proxies / CLIENT_PROCS);
    await Promise.all(
      Array.from({ length: CLIENT_PROCS }, (_, k) => {
        const count = Math.min(per, proxies - k * per);
        const w = fork(import.meta.filename, ["--clients", String(port), String(k * per), String(count), mode], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
        workers.push(w);
        return new Promise<void>((resolve) => w.once("message", () => resolve()));
      }),
    );
    const until = Date.now() + 60_000;
    let heap = await request(child, "heap", { cmd: "heap", gc: false });
    while (heap.inSync < proxies && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      heap = await request(child, "heap", { cmd: "heap", gc: false });
    }
    heap = await request(child, "heap", { cmd: "heap", gc: true });
    console.log(JSON.stringify({
      bench: "distribution.server-memory-per-proxy",
      clients: mode,
      proxies: heap.proxies,
      inSync: heap.inSync,
      heapBytesPerProxy: Math.round((heap.heapUsed - base.heapUsed) / Math.max(1, heap.proxies)),
      rssBytesPerProxy: Math.round((heap.rss - base.rss) / Math.max(1, heap.proxies)),
      goalHeapBytesPerProxy: 50 * 1024,
    }));
    const all: number[] = [];
    const totals: number[] = [];
    const setIrMs: number[] = [];
    const serverCpuMs: number[] = [];
    for (let c = 1; c <= changes; c++) {
      const r = await request(child, "acked", { cmd: "setIr", change: c, expect: proxies });
      all.push(...r.latenciesMs);
      totals.push(Math.max(...r.latenciesMs));
      setIrMs.push(r.setIrMs);
      serverCpuMs.push(r.serverCpuMs);
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(JSON.stringify({
      bench: "distribution.ir-change-acked",
      clients: mode,
      proxies,
      changes,
      sliceResources: NAMESPACES * SERVICES_PER_NS * 3,
      ackLatencyMs: { p50: pct(all, 50), p99: pct(all, 99), max: pct(all, 100) },
      allAckedMs: { p50: pct(totals, 50), max: pct(totals, 100) },
      serverSetIrSyncMs: { p50: pct(setIrMs, 50), max: pct(setIrMs, 100) },
      // CPU the server process used from setIr to the last ACK: its real cost per change.
      serverCpuMsPerChange: { p50: pct(serverCpuMs, 50), max: pct(serverCpuMs, 100) },
      goalP99Ms: 250,
      loadavg1m: Math.round(loadavg()[0]! * 10) / 10,
      cores: availableParallelism(),
      note: `server in one process, clients in ${CLIENT_PROCS} others, all on the same machine`,
    }));
    for (const w of workers) w.send("stop");
    child.send({ cmd: "stop" } satisfies ToServer);
  } finally {
    clearTimeout(deadline);
    setTimeout(() => {
      child.kill("SIGKILL");
      for (const w of workers) w.kill("SIGKILL");
    }, 3000).unref();
  }
}

if (process.argv.includes("--server")) await serverMain();
else if (process.argv.includes("--clients")) {
  const i = process.argv.indexOf("--clients");
  await clientsMain(Number(process.argv[i + 1]), Number(process.argv[i + 2]), Number(process.argv[i + 3]), process.argv[i + 4] === "light");
} else await main();
