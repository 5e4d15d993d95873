// h2-server-stream-release: a closed downstream HTTP/2 stream holds nothing a listener of it held. node
// keeps a closed stream, and whatever its listeners hold, alive through every scavenge until a full GC;
// what a layer left listening on the stream (the request body's error guard, a pipe's finish) kept the
// whole request and got it promoted under load (docs/proxy.md, "The gRPC pair"). The test holds the
// server streams itself, as node does, and counts what their listeners held that is still alive after a
// full GC (v8.queryObjects collects first).
import { createServer as createNetServer, type AddressInfo, type Server } from "node:net";
import type { ServerHttp2Stream } from "node:http2";
import { queryObjects } from "node:v8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createH2Server } from "../../pkg/proxy/front/h2-front.ts";
import { defaultLimits } from "../../pkg/proxy/limits.ts";
import { h2, h2session } from "./client.ts";

/** What a layer keeps in a stream's listeners: a class, so its live instances can be counted. */
class HeldByListener {
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
}

/** Every server stream, held strongly, as node holds a closed one until a full GC. */
const held: ServerHttp2Stream[] = [];
let net: Server;
let port = 0;

beforeAll(async () => {
  const h2 = createH2Server(defaultLimits, (stream, headers) => {
    held.push(stream);
    const probe = new HeldByListener(String(headers[":path"]));
    stream.on("finish", () => void probe.path);
    stream.on("error", () => void probe.path);
    stream.resume();
    stream.on("end", () => {
      stream.respond({ ":status": 200 });
      stream.end("ok");
    });
  }, () => {});
  net = createNetServer((socket) => h2.emit("connection", socket));
  await new Promise<void>((r) => net.listen(0, "127.0.0.1", r));
  port = (net.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => net.close(() => r()));
});

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("closed downstream HTTP/2 streams let go of their listeners", () => {
  it("what a stream's listeners held is collectable once it closed, though the stream lives on", { timeout: 20_000 }, async () => {
    const session = h2session(port);
    for (let i = 0; i < 10; i++) expect((await h2(session, `/post/${i}`, { method: "POST", body: `body ${i}` })).status).toBe(200);
    session.close();
    await waitFor("every server stream closed", () => held.length >= 10 && held.every((s) => s.destroyed));
    expect(queryObjects(HeldByListener, { format: "count" })).toBe(0);
    expect(held.length).toBe(10);
  });
});
