// h2-own-negative-window: a peer that shrinks SETTINGS_INITIAL_WINDOW_SIZE after the server filled a
// stream's window leaves that window below zero (RFC 9113 §6.9.2); the answer's end (an empty DATA with
// END_STREAM, which no window holds back) then goes out and leaves the windows and the connection's
// memory count as they were (the queue took a negative count off an empty chunk: the window grew by it
// and the held bytes stayed counted; under h2spec a face sharing the process then stalled, 6.5.3 timed
// out). The scenario runs in a worker thread so that a
// spinning loop fails the test instead of stalling it.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";

const scenario = `
const { EventEmitter } = require("node:events");
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const { H2ServerConn } = await import(workerData.conn);
  const { encodeHeaders } = await import(workerData.enc);
  class FakeSocket extends EventEmitter {
    writableLength = 0; out = [];
    setNoDelay() {} write(b) { this.out.push(Buffer.from(b)); return true; } end() {} destroy() {} pause() {} resume() {}
  }
  const frame = (type, flags, id, payload = Buffer.alloc(0)) => {
    const h = Buffer.alloc(9); h.writeUIntBE(payload.length, 0, 3); h[3] = type; h[4] = flags; h.writeUInt32BE(id, 5);
    return Buffer.concat([h, payload]);
  };
  const setting = (k, v) => { const b = Buffer.alloc(6); b.writeUInt16BE(k, 0); b.writeUInt32BE(v, 2); return frame(4, 0, 0, b); };
  const sink = { buf: Buffer.alloc(1024), pos: 0, ensure() {} };
  encodeHeaders(sink, [":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x"]);
  const sock = new FakeSocket();
  let stream;
  const conn = new H2ServerConn(sock, { onRequest: (s) => { stream = s; }, onData() {}, onTrailers() {}, onReset() {} });
  sock.emit("data", Buffer.concat([Buffer.from("PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n", "latin1"), setting(4, 10), frame(1, 5, 1, sink.buf.subarray(0, sink.pos))]));
  conn.respond(stream, [":status", "200"], false);
  conn.write(stream, Buffer.alloc(10, 1), 0, 10, false); // fills the stream's 10-byte window
  sock.emit("data", setting(4, 0)); // the window is now -10
  conn.write(stream, Buffer.alloc(0), 0, 0, true); // the end: no bytes, nothing holds it back
  conn.flush();
  parentPort.postMessage({ sent: stream.pending === null, ended: stream.localEnded, window: stream.sendWindow, memory: conn.memory() });
})();
`;

describe("own HTTP/2 framing: a send window below zero", () => {
  it("an empty end goes and changes no window or memory count", { timeout: 15_000 }, async () => {
    const worker = new Worker(scenario, {
      eval: true,
      workerData: { conn: new URL("../../pkg/proxy/h2/server-conn.ts", import.meta.url).href, enc: new URL("../../pkg/proxy/h2/hpack-encoder.ts", import.meta.url).href },
    });
    const result = await new Promise<{ sent: boolean; ended: boolean; window: number; memory: number } | "hung">((resolve, reject) => {
      const t = setTimeout(() => resolve("hung"), 5000);
      worker.once("message", (m: { sent: boolean; ended: boolean; window: number; memory: number }) => {
        clearTimeout(t);
        resolve(m);
      });
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(result).toEqual({ sent: true, ended: true, window: -10, memory: 0 });
  });
});
