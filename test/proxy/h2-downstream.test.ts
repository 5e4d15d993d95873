// h2-downstream: the HTTP/2 server stream as the stack's Downstream, on a real node:http2 stream. Its close
// callbacks (ExchangeBase.onClose): every layer's runs once, in the order registered, when the stream
// closes, and one registered after the stream closed runs at once (a layer reaching an exchange the client
// already left still lets go of what it holds); the client's address is the one given for its session.
import { connect, createServer, type Http2Server, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H2Downstream } from "../../pkg/proxy/front/h2-downstream.ts";
import { pollFor } from "../support/poll.ts";

let server: Http2Server;
let port = 0;
const served: { down: H2Downstream; calls: string[]; streamClosed: Promise<void> }[] = [];

beforeAll(async () => {
  server = createServer();
  server.on("stream", (stream: ServerHttp2Stream, headers, _flags, raw: string[]) => {
    const down = new H2Downstream(stream, headers, raw, "192.0.2.7");
    const calls: string[] = [];
    for (const name of ["first", "second", "third", "fourth", "fifth"]) down.onClose(() => calls.push(name));
    const streamClosed = new Promise<void>((r) => stream.once("close", () => r()));
    served.push({ down, calls, streamClosed });
    down.head(200, { "content-type": "text/plain" });
    down.write(Buffer.from("ok"));
    down.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe("H2Downstream", () => {
  it("runs each close callback once, in order, and one registered after the close at once", async () => {
    const client = connect(`http://127.0.0.1:${port}`);
    client.on("error", () => {});
    const req = client.request({ ":path": "/x" });
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    await new Promise<void>((r) => req.once("close", () => r()));
    client.close();
    expect(body).toBe("ok");
    const s = await pollFor("the server stream", () => Promise.resolve(served[0]), { timeoutMs: 5_000, intervalMs: 10 });
    await s.streamClosed;
    expect(s.calls).toEqual(["first", "second", "third", "fourth", "fifth"]);
    s.down.onClose(() => s.calls.push("late"));
    expect(s.calls).toEqual(["first", "second", "third", "fourth", "fifth", "late"]);
    expect(s.down.remoteAddress).toBe("192.0.2.7");
    expect(s.down.status).toBe(200);
    expect(s.down.bytes).toBe(2);
  });
});
