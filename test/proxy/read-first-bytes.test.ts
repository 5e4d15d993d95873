// read-first-bytes: a connection's first bytes that arrived within the peek window are judged even when the
// process's event loop was blocked past the window (a stalled or CPU-starved sidecar: timers run before
// pending reads in a loop turn, so the timeout must not decide before those reads are taken); a client
// that really sends nothing still times out.
import { connect, createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type FirstBytes, readFirstBytesThen } from "../../pkg/proxy/front/read-first-bytes.ts";

const judge = (head: Buffer): string | undefined => (head.toString("latin1").startsWith("GET ") ? "http1" : undefined);

/** Blocks this thread (the event loop) for `ms`, as a long compile, a GC pause or a starved CPU does. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) { /* busy */ }
}

let server: Server | undefined;
const clients: Socket[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
  server?.close();
  server = undefined;
});

/** A paused accepted socket and its client, the client's `bytes` (if any) already written to the kernel. */
async function pair(bytes: string | undefined): Promise<Socket> {
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer({ pauseOnConnect: true }, resolve);
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  const c = connect((server!.address() as AddressInfo).port, "127.0.0.1");
  clients.push(c);
  await new Promise<void>((r) => c.once("connect", () => r()));
  if (bytes !== undefined) await new Promise<void>((r) => c.write(bytes, () => r()));
  return accepted;
}

describe("readFirstBytesThen", () => {
  it("judges bytes that arrived in time though the loop was blocked past the window", async () => {
    const s = await pair("GET / HTTP/1.1\r\nhost: a\r\n\r\n");
    const got = new Promise<FirstBytes<string>>((resolve) => readFirstBytesThen(s, undefined, judge, 20, 64, resolve));
    block(120);
    const r = await got;
    expect(r.stop).toBe("decided");
    expect(r.verdict).toBe("http1");
    expect(r.head.toString("latin1")).toContain("GET / HTTP/1.1");
    s.destroy();
  });

  it("times out when the client sends nothing", async () => {
    const s = await pair(undefined);
    const started = performance.now();
    const r = await new Promise<FirstBytes<string>>((resolve) => readFirstBytesThen(s, undefined, judge, 30, 64, resolve));
    expect(r.stop).toBe("timeout");
    expect(r.verdict).toBeUndefined();
    expect(r.head.length).toBe(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    s.destroy();
  });
});
