// Trailers queued behind DATA that a shut send window holds (pkg/proxy/h2/conn-flow.ts drain, shared by the
// own server and client): the server answers with a head, 100 bytes and trailers while the client's stream
// window is 10 bytes; the DATA goes out as the window opens, none of it with END_STREAM, and the trailers
// follow last with END_STREAM. Loopback only; the raw exchange is bounded by timeouts.
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { DATA, END_HEADERS, END_STREAM, HEADERS, PREFACE, SETTINGS, SETTINGS_INITIAL_WINDOW_SIZE, WINDOW_UPDATE } from "../../pkg/proxy/h2/frames.ts";
import { H2ServerConn, type H2ServerHandler } from "../../pkg/proxy/h2/server-conn.ts";
import { frame, headerBlock, u32 } from "../support/h2-frames.ts";

let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    const handler: H2ServerHandler = {
      onRequest(s) {
        s.conn.respond(s, [":status", "200"], false);
        s.conn.write(s, Buffer.alloc(100, 0x61), 0, 100, false);
        s.conn.trailers(s, ["x-done", "1"]);
      },
      onData() {},
      onTrailers() {},
      onReset() {},
    };
    new H2ServerConn(socket, handler);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

it("trailers after window-held DATA go last, and only they carry END_STREAM", async () => {
  const s: Socket = connect(port, "127.0.0.1");
  s.on("error", () => {});
  const seen: { type: number; flags: number; id: number; len: number }[] = [];
  let acc = Buffer.alloc(0);
  s.on("data", (d: Buffer) => {
    acc = Buffer.concat([acc, d]);
    while (acc.length >= 9 && acc.length >= 9 + acc.readUIntBE(0, 3)) {
      const len = acc.readUIntBE(0, 3);
      seen.push({ type: acc[3]!, flags: acc[4]!, id: acc.readUInt32BE(5) & 0x7fffffff, len });
      acc = acc.subarray(9 + len);
    }
  });
  await new Promise<void>((r) => s.once("connect", () => r()));
  const window10 = Buffer.concat([Buffer.from([0, SETTINGS_INITIAL_WINDOW_SIZE]), u32(10)]);
  s.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, window10)]));
  s.write(frame(HEADERS, END_HEADERS | END_STREAM, 1, headerBlock([":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x"])));
  await sleep(300);
  const before = seen.filter((f) => f.id === 1).map((f) => [f.type, f.len]);
  s.write(frame(WINDOW_UPDATE, 0, 1, u32(1000)));
  await sleep(300);
  s.destroy();
  // Before the window opened: the head and 10 bytes.
  expect(before).toEqual([[HEADERS, expect.any(Number)], [DATA, 10]]);
  const onStream = seen.filter((f) => f.id === 1);
  expect(onStream.map((f) => f.type)).toEqual([HEADERS, DATA, DATA, HEADERS]);
  expect(onStream.filter((f) => f.type === DATA).reduce((n, f) => n + f.len, 0)).toBe(100);
  expect(onStream.map((f) => (f.flags & END_STREAM) !== 0)).toEqual([false, false, false, true]);
});
