// tcp-passthrough: bytes cross unchanged both ways whatever their chunking, a FIN crosses as a FIN
// (half-close), a reset or a failed connect closes both sides, and nothing stays open afterwards.
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passthroughTcp, type PassthroughResult } from "../../pkg/proxy/sidecar/tcp-passthrough.ts";
import { waitUntil } from "./support/net-helpers.ts";
import { fcParams } from "../support/fast-check-env.ts";

let upstream: Server;
let upstreamPort: number;
const upstreamSockets = new Set<Socket>();
let front: Server;
let frontPort: number;
let target = { host: "127.0.0.1", port: 0 };
const results: PassthroughResult[] = [];

const listen = (s: Server): Promise<number> => new Promise((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  upstream = createServer({ allowHalfOpen: true }, (s) => {
    upstreamSockets.add(s);
    s.on("close", () => upstreamSockets.delete(s));
    s.on("error", () => {});
    s.pipe(s);
  });
  upstreamPort = await listen(upstream);
  target = { host: "127.0.0.1", port: upstreamPort };
  front = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => {
    s.on("error", () => {});
    void passthroughTcp(s, Buffer.from("head:"), false, { ...target, connectTimeoutMs: 2_000, idleTimeoutMs: 0 }).then((r) => results.push(r));
  });
  frontPort = await listen(front);
});

afterAll(() => {
  front.close();
  upstream.close();
});

function roundTrip(chunks: readonly Uint8Array[]): Promise<{ data: Buffer; ended: boolean }> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port: frontPort, allowHalfOpen: true });
    const got: Buffer[] = [];
    let ended = false;
    const timer = setTimeout(() => s.destroy(), 10_000);
    s.on("connect", () => {
      for (const c of chunks) s.write(c);
      s.end();
    });
    s.on("data", (d: Buffer) => got.push(d));
    s.on("end", () => {
      ended = true;
    });
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(got), ended });
    });
  });
}

describe("passthroughTcp", () => {
  it("echoes the replayed head then every chunk unchanged, and the FIN comes back as a FIN", async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 70_000 }), { maxLength: 6 }), async (chunks) => {
      const r = await roundTrip(chunks);
      expect(r.ended).toBe(true);
      expect(r.data.equals(Buffer.concat([Buffer.from("head:"), ...chunks.map((c) => Buffer.from(c))]))).toBe(true);
    }), fcParams(25));
  });

  it("a reset from the client closes the upstream connection too", async () => {
    const s = connect({ host: "127.0.0.1", port: frontPort });
    await new Promise<void>((r) => s.once("data", () => r()));
    expect(upstreamSockets.size).toBeGreaterThan(0);
    const closedUpstream = new Promise<void>((r) => {
      for (const u of upstreamSockets) u.once("close", () => r());
    });
    s.resetAndDestroy();
    await closedUpstream;
    expect(upstreamSockets.size).toBe(0);
  });

  it("a refused upstream connect closes the client and reports the error", async () => {
    const before = results.length;
    target = { host: "127.0.0.1", port: 1 };
    try {
      const r = await roundTrip([new Uint8Array([1, 2, 3])]);
      expect(r.data.length).toBe(0);
    } finally {
      target = { host: "127.0.0.1", port: upstreamPort };
    }
    expect(await waitUntil(() => results.length === before + 1)).toBe(true);
    const last = results[results.length - 1];
    expect(last?.connected).toBe(false);
    expect(last?.error).toMatch(/ECONNREFUSED/);
  });
});
