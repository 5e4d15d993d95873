// The byte-pipe floor pair (benchmarks/proxy/bench-tls-pipe-pair.ts) is only measured if it carries what the
// other pairs carry: through both processes, in each of its four forms (reads through stream.pipe or one
// reused buffer, mTLS or plain TCP between the sides), kept-alive requests with and without bodies (one of
// 1 MiB, many reads and writes) reach the origin and come back byte for byte, in order; the mTLS forms print
// the suite they negotiated (and a restricted one negotiates that suite). Sanity for a benchmark.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, Agent, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testCa } from "../support/certs.ts";

const ENTRY = join(import.meta.dirname, "../../benchmarks/proxy/bench-tls-pipe-pair.ts");
const ca = testCa("tls-pipe-test-ca");
const srv = ca.leaf({ cn: "server.bench", dns: ["server.bench"] });
const cli = ca.leaf({ cn: "client.bench", dns: ["client.bench"] });
const dir = mkdtempSync(join(tmpdir(), "tls-pipe-"));
const children: ChildProcess[] = [];
let origin: Server;

beforeAll(async () => {
  // Answers with the body's length and sha256, so the test sees what arrived, and echoes the path.
  origin = createServer((req, res) => {
    const h = createHash("sha256");
    let n = 0;
    req.on("data", (c: Buffer) => {
      h.update(c);
      n += c.length;
    });
    req.on("end", () => res.end(`${req.url} ${n} ${h.digest("hex")}`));
  });
  await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
});

afterAll(() => {
  for (const c of children) c.kill("SIGTERM");
  origin.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts one side; gives its first JSON line and the lines after it. */
async function side(cfg: Record<string, unknown>, name: string): Promise<{ port: number; lines: string[] }> {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(cfg), { mode: 0o600 });
  const c = spawn(process.execPath, [ENTRY, file], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(c);
  const lines: string[] = [];
  const rl = createInterface({ input: c.stdout });
  const first = await new Promise<string>((resolve) =>
    rl.on("line", (l) => {
      if (lines.length === 0) resolve(l);
      lines.push(l);
    })
  );
  return { port: (JSON.parse(first) as { port: number }).port, lines };
}

function send(port: number, agent: Agent, path: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const q = request({ host: "127.0.0.1", port, path, method: "POST", agent, headers: { "content-length": body.length } }, (res) => {
      let t = "";
      res.on("data", (c: Buffer) => (t += c.toString()));
      res.on("end", () => resolve(t));
    });
    q.on("error", reject);
    q.end(body);
  });
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe.each([
  ["pipe", true, undefined],
  ["onread", true, undefined],
  ["pipe", false, undefined],
  ["onread", false, undefined],
  ["onread", true, "TLS_CHACHA20_POLY1305_SHA256"],
] as const)("tls-pipe pair: reads %s, tls %s, ciphers %s", (reads, tls, ciphers) => {
  it("carries kept-alive requests both ways byte for byte, and prints the negotiated suite", async () => {
    const own = { reads, tls, ...(ciphers !== undefined ? { ciphers } : {}) };
    const name = `${reads}-${tls}-${ciphers ?? ""}`;
    const b = await side({ role: "inbound", port: (origin.address() as AddressInfo).port, keyPem: srv.keyPem, certPem: srv.certPem, caPem: ca.certPem, ...own }, `${name}-b`);
    const a = await side({ role: "outbound", port: b.port, keyPem: cli.keyPem, certPem: cli.certPem, caPem: ca.certPem, ...own }, `${name}-a`);
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const big = Buffer.alloc(1 << 20);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 9)) & 0xff;
    const bodies = [Buffer.alloc(0), Buffer.from("hello"), big, Buffer.from("after")];
    for (let round = 0; round < 2; round++) {
      const got = await Promise.all(bodies.map((x, i) => send(a.port, agent, `/r${round}/${i}`, x)));
      expect(got).toEqual(bodies.map((x, i) => `/r${round}/${i} ${x.length} ${sha(x)}`));
    }
    agent.destroy();
    if (tls) {
      await new Promise((r) => setTimeout(r, 50));
      const seen = b.lines.slice(1).map((l) => JSON.parse(l) as { cipher: string; protocol: string });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.protocol).toBe("TLSv1.3");
      expect(seen[0]!.cipher).toBe(ciphers ?? "TLS_AES_256_GCM_SHA384");
    } else expect(b.lines).toHaveLength(1);
  }, 20_000);
});
