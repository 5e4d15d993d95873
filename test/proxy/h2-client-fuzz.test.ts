// Fuzzing Weft's own HTTP/2 client (pkg/proxy/h2/client-conn.ts, through upstream/h2-own-call.ts as the
// proxy sends) with fast-check: a connection with three requests in flight (one with a body) is fed
// arbitrary server bytes, arbitrary frames, and mutated sequences of valid server frames, then the server
// hangs up. Nothing may throw out of the socket callback, the connection never holds more than its session
// memory, a connection error is a valid HTTP/2 code, and every request settles exactly once: an answer
// whose body ends or breaks, or a failure the proxy knows (upstream_reset / upstream_connect).
// Pure: the connection runs over an in-memory socket stand-in; nothing listens.
import fc from "fast-check";
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { H2ClientConn } from "../../pkg/proxy/h2/client-conn.ts";
import { resolveH2ClientLimits } from "../../pkg/proxy/h2/client-limits.ts";
import { CONTINUATION, DATA, END_HEADERS, END_STREAM, GOAWAY, HEADERS, PING, PRIORITY, RST_STREAM, SETTINGS, WINDOW_UPDATE } from "../../pkg/proxy/h2/frames.ts";
import { ProxyFailureError } from "../../pkg/proxy/rescue.ts";
import { H2OwnCall } from "../../pkg/proxy/upstream/h2-own-call.ts";
import { classify } from "../../pkg/proxy/upstream/upstream.ts";
import { fcParams } from "../support/fast-check-env.ts";
import { frame, headerBlock as encode } from "../support/h2-frames.ts";

class FakeSocket extends EventEmitter {
  writableLength = 0;
  written = 0;
  setNoDelay(): void {}
  write(b: Buffer): boolean {
    this.written += b.length;
    return true;
  }
  end(): void {
    queueMicrotask(() => this.emit("close"));
  }
  destroy(): void {
    queueMicrotask(() => this.emit("close"));
  }
  pause(): void {}
  resume(): void {}
}

const validFrames = (): Buffer[] => [
  frame(SETTINGS, 0, 0, Buffer.from([0, 4, 0, 0, 0x10, 0, 0, 3, 0, 0, 0, 2])),
  frame(SETTINGS, 1, 0, Buffer.alloc(0)),
  frame(HEADERS, END_HEADERS, 1, encode([":status", "200", "content-type", "text/plain"], true)),
  frame(DATA, 0, 1, Buffer.from("ab")),
  frame(WINDOW_UPDATE, 0, 1, Buffer.from([0, 0, 1, 0])),
  frame(HEADERS, END_HEADERS | END_STREAM, 1, encode(["grpc-status", "0"])),
  frame(HEADERS, END_HEADERS, 3, encode([":status", "103"])),
  frame(HEADERS, 0, 3, encode([":status", "200"])),
  frame(CONTINUATION, END_HEADERS, 3, encode(["x-a", "b"])),
  frame(DATA, END_STREAM, 3, Buffer.from("cd")),
  frame(PING, 0, 0, Buffer.alloc(8)),
  frame(PRIORITY, 0, 5, Buffer.from([0, 0, 0, 1, 16])),
  frame(RST_STREAM, 0, 5, Buffer.from([0, 0, 0, 7])),
  frame(WINDOW_UPDATE, 0, 0, Buffer.from([0, 1, 0, 0])),
  frame(GOAWAY, 0, 0, Buffer.from([0, 0, 0, 3, 0, 0, 0, 0])),
];

const limits = resolveH2ClientLimits({ maxSessionMemory: 256 * 1024 });

/** Three requests on a fresh connection, fed `chunks`, then the peer hangs up: checks every property. */
async function feed(chunks: Buffer[]): Promise<void> {
  const sock = new FakeSocket();
  const conn = new H2ClientConn(sock as unknown as Socket, limits);
  sock.emit("connect");
  const outcomes: string[][] = [[], [], []];
  const bodies = [undefined, Buffer.alloc(100_000, 1), undefined];
  bodies.forEach((body, i) => {
    const call = new H2OwnCall(conn, { method: body === undefined ? "GET" : "POST", path: `/${i}`, authority: "x", headers: {}, body }, "http", classify);
    call.report({
      answer: (res) => {
        outcomes[i]!.push("answer");
        res.relayTo!({ data: () => true, onDrain: () => {}, end: () => void outcomes[i]!.push("end"), broken: () => void outcomes[i]!.push("broken") });
      },
      fail: (e) => {
        expect(e).toBeInstanceOf(ProxyFailureError);
        expect(["upstream_reset", "upstream_connect"]).toContain((e as ProxyFailureError).kind);
        outcomes[i]!.push("fail");
      },
    });
  });
  for (const c of chunks) {
    sock.emit("data", c); // a throw out of here fails the property
    expect(conn.memory()).toBeLessThanOrEqual(limits.maxSessionMemory + 100_000 + 9 * 16384 + 16384 + 9);
  }
  conn.flush();
  sock.emit("close");
  await new Promise((r) => setImmediate(r));
  if (conn.errorCode >= 0) expect(conn.errorCode).toBeLessThanOrEqual(0xd);
  for (const o of outcomes) {
    // Exactly one outcome: a failure, or an answer whose body then ended or broke (once).
    expect(o.length === 1 ? o[0] : o.join(",")).toMatch(/^(fail|answer,end|answer,broken)$/);
  }
  expect(conn.closed).toBe(true);
}

const settingsFirst = frame(SETTINGS, 0, 0, Buffer.alloc(0));

describe("own h2 client fuzz: a hostile server's bytes", () => {
  it("random bytes after the server's SETTINGS", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 6 }), async (parts) => {
        await feed([settingsFirst, ...parts.map((p) => Buffer.from(p))]);
      }),
      fcParams(500, 21),
    );
  });

  it("arbitrary frames (any type, flags, stream, short payload)", async () => {
    const anyFrame = fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 8 }), fc.uint8Array({ maxLength: 24 })).map(([t, f, id, p]) =>
      frame(t, f, id, Buffer.from(p))
    );
    await fc.assert(
      fc.asyncProperty(fc.array(anyFrame, { maxLength: 20 }), async (frames) => {
        await feed([settingsFirst, Buffer.concat(frames)]);
      }),
      fcParams(800, 22),
    );
  });

  it("valid server frames, reordered, repeated and mutated, split at random points", async () => {
    const valid = validFrames();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: valid.length - 1 }), { minLength: 1, maxLength: 25 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (order, edits, cuts) => {
          const bytes = Buffer.concat([valid[0]!, ...order.map((i) => valid[i]!)]);
          for (const [at, v] of edits) bytes[at % bytes.length] = v;
          const points = [...new Set(cuts.map((c) => c % bytes.length))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let from = 0;
          for (const p of points) {
            chunks.push(bytes.subarray(from, p));
            from = p;
          }
          chunks.push(bytes.subarray(from));
          await feed(chunks);
        },
      ),
      fcParams(1000, 23),
    );
  });
});
