// Hostile input against Weft's own HTTP/2 server framing (pkg/proxy/h2, test/support/h2-own-server.ts):
// rapid reset, CONTINUATION flood, HPACK bombs (dynamic table and header list), oversized frames, flow-control
// abuse (window overflow, a receive window exceeded, a zero-window stall), SETTINGS and PING floods, too many
// settings, our SETTINGS never acknowledged, stream id misuse and too many streams — and, the other way, late
// frames a well-behaved client sends on streams closed long ago (more than the 1,024 the connection
// remembers), which must not end its connection. Each case asserts the exact GOAWAY / RST_STREAM code (or
// the 431 node:http2 answers) and that the server still answers a fresh connection. test/proxy/hostile.test.ts
// holds node:http2's face to the same floods; here the codes are exact, not "closed or refused".
// Loopback only; every raw exchange is bounded by a deadline.
import { connect as h2connect } from "node:http2";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CANCEL,
  COMPRESSION_ERROR,
  ENHANCE_YOUR_CALM,
  FLOW_CONTROL_ERROR,
  FRAME_SIZE_ERROR,
  PROTOCOL_ERROR,
  REFUSED_STREAM,
  SETTINGS_TIMEOUT,
  STREAM_CLOSED,
} from "../../pkg/proxy/h2/errors.ts";
import { ACK, CONTINUATION, DATA, END_HEADERS, END_STREAM, HEADERS, PING, PREFACE, RST_STREAM, SETTINGS, WINDOW_UPDATE } from "../../pkg/proxy/h2/frames.ts";
import { HpackDecoder } from "../../pkg/proxy/h2/hpack-decoder.ts";
import { OWN_BODY, startOwnH2Server, type OwnH2Server } from "../support/h2-own-server.ts";
import { frame, headerBlock as block, u32 } from "../support/h2-frames.ts";

const GET = (path = "/"): string[] => [":method", "GET", ":scheme", "http", ":path", path, ":authority", "x"];
const POST = (): string[] => [":method", "POST", ":scheme", "http", ":path", "/echo", ":authority", "x"];
const headers = (id: number, fields: string[], end = true): Buffer => frame(HEADERS, END_HEADERS | (end ? END_STREAM : 0), id, block(fields));
const settingsAck = (): Buffer => frame(SETTINGS, ACK, 0);
const settings = (entries: [number, number][] = []): Buffer => frame(SETTINGS, 0, 0, Buffer.concat(entries.map(([k, v]) => Buffer.concat([Buffer.from([k >> 8, k & 0xff]), u32(v)]))));

interface Seen {
  type: number;
  flags: number;
  id: number;
  payload: Buffer;
}
interface Exchange {
  frames: Seen[];
  closed: boolean;
  goaway: number | undefined;
  rst(id: number): number | undefined;
  statuses(): Map<number, string>;
}

/** Sends the preface, SETTINGS and `bytes` (several writes if an array), reads until the server closes or `ms`. */
async function raw(port: number, bytes: Buffer | Buffer[], ms = 1500, read = true, probe?: () => void): Promise<Exchange> {
  const s: Socket = connect(port, "127.0.0.1");
  const frames: Seen[] = [];
  let acc = Buffer.alloc(0);
  let closed = false;
  if (!read) s.pause();
  s.on("data", (d: Buffer) => {
    acc = Buffer.concat([acc, d]);
    while (acc.length >= 9) {
      const len = acc.readUIntBE(0, 3);
      if (acc.length < 9 + len) break;
      frames.push({ type: acc[3]!, flags: acc[4]!, id: acc.readUInt32BE(5) & 0x7fffffff, payload: acc.subarray(9, 9 + len) });
      acc = acc.subarray(9 + len);
    }
  });
  s.on("error", () => {});
  await new Promise<void>((r) => s.once("connect", () => r()));
  s.write(Buffer.concat([PREFACE, settings()]));
  for (const b of Array.isArray(bytes) ? bytes : [bytes]) s.write(b);
  await new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    s.once("close", () => {
      closed = true;
      clearTimeout(t);
      r();
    });
  });
  probe?.();
  if (!read) {
    s.resume();
    await new Promise((r) => setTimeout(r, 100));
  }
  s.destroy();
  const goawayFrame = frames.find((f) => f.type === 7);
  const decoder = new HpackDecoder();
  return {
    frames,
    closed,
    goaway: goawayFrame?.payload.readUInt32BE(4),
    rst: (id) => frames.find((f) => f.type === RST_STREAM && f.id === id)?.payload.readUInt32BE(0),
    statuses: () => {
      const m = new Map<number, string>();
      for (const f of frames) {
        if (f.type !== HEADERS) continue;
        const list = decoder.decode(f.payload, 0, f.payload.length);
        m.set(f.id, list[list.indexOf(":status") + 1]!);
      }
      return m;
    },
  };
}

let server: OwnH2Server;

/** A fresh connection (node's own client) still gets 200 and the body. */
async function stillServing(port = server.port): Promise<void> {
  const c = h2connect(`http://127.0.0.1:${port}`);
  c.on("error", () => {});
  try {
    const [status, body] = await new Promise<[number, string]>((resolve, reject) => {
      const req = c.request({ ":path": "/after" });
      let data = "";
      let st = 0;
      req.on("response", (h) => (st = Number(h[":status"])));
      req.on("data", (d: Buffer) => (data += d.toString()));
      req.on("end", () => resolve([st, data]));
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(body).toBe(OWN_BODY.toString());
  } finally {
    c.close();
  }
}

beforeAll(async () => {
  server = await startOwnH2Server();
});
afterAll(async () => {
  await server?.close();
});

describe("own h2 framing: stream floods", () => {
  it("rapid reset (HEADERS then RST_STREAM, past the 1,000 burst) ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const flood: Buffer[] = [];
    for (let i = 0; i < 1100; i++) flood.push(headers(1 + 2 * i, GET(`/r${i}`), false), frame(RST_STREAM, 0, 1 + 2 * i, u32(CANCEL)));
    const before = server.answered;
    const x = await raw(server.port, Buffer.concat(flood));
    expect(x.goaway).toBe(ENHANCE_YOUR_CALM);
    expect(x.closed).toBe(true);
    expect(server.answered).toBe(before); // none of them was answered (none ended)
    await stillServing();
  });

  it("a few resets are fine: the connection goes on serving", async () => {
    const x = await raw(server.port, [headers(1, GET(), false), frame(RST_STREAM, 0, 1, u32(CANCEL)), headers(3, GET())], 500);
    expect(x.goaway).toBeUndefined();
    expect(x.statuses().get(3)).toBe("200");
  });

  it("more streams than MAX_CONCURRENT_STREAMS ⇒ RST_STREAM REFUSED_STREAM on the extra one", async () => {
    const small = await startOwnH2Server({ maxConcurrentStreams: 3 });
    try {
      const x = await raw(small.port, Buffer.concat([1, 3, 5, 7].map((id) => headers(id, GET(), false))), 500);
      expect(x.rst(7)).toBe(REFUSED_STREAM);
      expect(x.rst(5)).toBeUndefined();
      expect(x.goaway).toBeUndefined();
      await stillServing(small.port);
    } finally {
      await small.close();
    }
  });
});

describe("own h2 framing: rejected and invalid streams", () => {
  it("past 100 refused streams (node's maxSessionRejectedStreams) ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const small = await startOwnH2Server({ maxConcurrentStreams: 1 });
    try {
      // Stream 1 stays open; 3, 5, … are each refused.
      const parts = [headers(1, GET(), false)];
      for (let i = 1; i <= 101; i++) parts.push(headers(1 + 2 * i, GET(), false));
      const x = await raw(small.port, Buffer.concat(parts));
      expect(x.rst(3)).toBe(REFUSED_STREAM);
      expect(x.rst(201)).toBe(REFUSED_STREAM);
      expect(x.rst(203)).toBeUndefined();
      expect(x.goaway).toBe(ENHANCE_YOUR_CALM);
      await stillServing(small.port);
    } finally {
      await small.close();
    }
  });

  it("past 1,000 malformed requests (node's maxSessionInvalidFrames) ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const parts: Buffer[] = [];
    for (let i = 0; i < 1001; i++) parts.push(headers(1 + 2 * i, [...GET(), "te", "gzip"]));
    const x = await raw(server.port, Buffer.concat(parts));
    expect(x.rst(1)).toBe(PROTOCOL_ERROR);
    expect(x.rst(1999)).toBe(PROTOCOL_ERROR);
    expect(x.goaway).toBe(ENHANCE_YOUR_CALM);
    await stillServing();
  });
});

describe("own h2 framing: header blocks", () => {
  it("CONTINUATION flood (HEADERS then endless CONTINUATION) ⇒ GOAWAY ENHANCE_YOUR_CALM after 8", async () => {
    const hb = block(GET());
    const parts = [frame(HEADERS, END_STREAM, 1, hb.subarray(0, 2))];
    for (let i = 0; i < 50; i++) parts.push(frame(CONTINUATION, 0, 1, Buffer.alloc(1000)));
    const x = await raw(server.port, Buffer.concat(parts));
    expect(x.goaway).toBe(ENHANCE_YOUR_CALM);
    await stillServing();
  });

  it("a header block split over a few CONTINUATION frames is served", async () => {
    const hb = block(GET());
    const x = await raw(server.port, [frame(HEADERS, END_STREAM, 1, hb.subarray(0, 3)), frame(CONTINUATION, 0, 1, hb.subarray(3, 6)), frame(CONTINUATION, END_HEADERS, 1, hb.subarray(6))], 500);
    expect(x.statuses().get(1)).toBe("200");
  });

  it("HPACK bomb through the dynamic table (one 4 kB entry named 1,000 times) ⇒ 431, connection keeps serving", async () => {
    // Stream 1 indexes a large field (literal with incremental indexing, new name): it becomes entry 62.
    // The value's length 4,000 as an HPACK integer with a 7-bit prefix: 127, then 3,873 in 7-bit groups.
    const len = Buffer.from([0x7f, (4000 - 127) & 0x7f | 0x80, (4000 - 127) >> 7]);
    const entry = Buffer.concat([Buffer.from([0x40, 7]), Buffer.from("x-bombs"), len, Buffer.alloc(4000, 0x61)]);
    const first = frame(HEADERS, END_HEADERS | END_STREAM, 1, Buffer.concat([block(GET()), entry]));
    // Stream 3: GET, then index 62 a thousand times (1 byte each: 0xbe) ⇒ 4 MB of header list from 1 kB.
    const bomb = frame(HEADERS, END_HEADERS | END_STREAM, 3, Buffer.concat([block(GET()), Buffer.alloc(1000, 0xbe)]));
    const x = await raw(server.port, [first, bomb, headers(5, GET())], 700);
    const st = x.statuses();
    expect(st.get(1)).toBe("200");
    expect(st.get(3)).toBe("431");
    expect(st.get(5)).toBe("200");
    expect(x.goaway).toBeUndefined();
  });

  it("a header list over 16 KiB (one 20 kB value over HEADERS + CONTINUATION) ⇒ 431, connection keeps serving", async () => {
    const hb = block([...GET(), "x-big", "b".repeat(20_000)]);
    const x = await raw(server.port, [frame(HEADERS, END_STREAM, 1, hb.subarray(0, 16384)), frame(CONTINUATION, END_HEADERS, 1, hb.subarray(16384)), headers(3, GET())], 700);
    expect(x.statuses().get(1)).toBe("431");
    expect(x.statuses().get(3)).toBe("200");
    expect(x.goaway).toBeUndefined();
  });

  it("an invalid header block (index out of range) ⇒ GOAWAY COMPRESSION_ERROR", async () => {
    const x = await raw(server.port, frame(HEADERS, END_HEADERS | END_STREAM, 1, Buffer.from([0xff, 0x7f])));
    expect(x.goaway).toBe(COMPRESSION_ERROR);
    await stillServing();
  });
});

describe("own h2 framing: frame sizes, settings and pings", () => {
  it("a frame over SETTINGS_MAX_FRAME_SIZE ⇒ GOAWAY FRAME_SIZE_ERROR", async () => {
    const x = await raw(server.port, [headers(1, POST(), false), frame(DATA, 0, 1, Buffer.alloc(16385))]);
    expect(x.goaway).toBe(FRAME_SIZE_ERROR);
    await stillServing();
  });

  it("SETTINGS flood (1,100 unread ACKs) ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const x = await raw(server.port, Buffer.concat(Array.from({ length: 1100 }, () => settings([[4, 65535]]))), 1500, false);
    expect(x.goaway).toBe(ENHANCE_YOUR_CALM);
    await stillServing();
  });

  it("PING flood (1,100 unread ACKs) ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const x = await raw(server.port, Buffer.concat(Array.from({ length: 1100 }, () => frame(PING, 0, 0, Buffer.alloc(8)))), 1500, false);
    expect(x.goaway).toBe(ENHANCE_YOUR_CALM);
    await stillServing();
  });

  it("a few PINGs are answered", async () => {
    const x = await raw(server.port, Buffer.concat(Array.from({ length: 5 }, () => frame(PING, 0, 0, Buffer.alloc(8, 7)))), 400);
    expect(x.frames.filter((f) => f.type === PING && f.flags === 1).length).toBe(5);
    expect(x.goaway).toBeUndefined();
  });

  it("a SETTINGS frame with more than 32 entries ⇒ GOAWAY ENHANCE_YOUR_CALM", async () => {
    const x = await raw(server.port, settings(Array.from({ length: 33 }, () => [4, 65535] as [number, number])));
    expect(x.goaway).toBe(ENHANCE_YOUR_CALM);
    await stillServing();
  });
});

describe("own h2 framing: flow-control abuse", () => {
  it("connection window past 2^31-1 ⇒ GOAWAY FLOW_CONTROL_ERROR", async () => {
    const x = await raw(server.port, frame(WINDOW_UPDATE, 0, 0, u32(0x7fffffff)));
    expect(x.goaway).toBe(FLOW_CONTROL_ERROR);
    await stillServing();
  });

  it("a stream window past 2^31-1 ⇒ RST_STREAM FLOW_CONTROL_ERROR, connection goes on", async () => {
    const x = await raw(server.port, [headers(1, POST(), false), frame(WINDOW_UPDATE, 0, 1, u32(0x7fffffff)), headers(3, GET())], 500);
    expect(x.rst(1)).toBe(FLOW_CONTROL_ERROR);
    expect(x.statuses().get(3)).toBe("200");
    expect(x.goaway).toBeUndefined();
  });

  it("DATA past our stream receive window ⇒ RST_STREAM FLOW_CONTROL_ERROR", async () => {
    const small = await startOwnH2Server({ initialWindowSize: 1000 });
    try {
      const x = await raw(small.port, [headers(1, POST(), false), frame(DATA, 0, 1, Buffer.alloc(2000))], 500);
      expect(x.rst(1)).toBe(FLOW_CONTROL_ERROR);
      await stillServing(small.port);
    } finally {
      await small.close();
    }
  });

  it("zero-window stall: echoes the peer never lets out hold at most a receive window a stream; past session memory new streams are refused", async () => {
    const small = await startOwnH2Server({ maxSessionMemory: 200 * 1024 });
    try {
      // Our answers get a zero window; each POST sends (about) a full stream window, 4 × 16,383, to be echoed.
      const parts: Buffer[] = [settings([[4, 0]])];
      const chunk = Buffer.alloc(16383, 0x41);
      for (let i = 0; i < 9; i++) {
        const id = 1 + 2 * i;
        parts.push(headers(id, POST(), false));
        // Stream 1 sends a fifth: its window stayed shut, as its echo did not leave.
        for (let k = 0; k < (id === 1 ? 5 : 4); k++) parts.push(frame(DATA, 0, id, chunk));
      }
      let held = -1;
      const x = await raw(small.port, parts, 800, true, () => (held = [...small.conns][0]?.memory() ?? -1));
      expect(x.rst(1)).toBe(FLOW_CONTROL_ERROR);
      // Streams 3..9 hold 4 × 65,532 bytes: past 200 kB, so stream 11 and later are refused.
      expect(x.rst(9)).toBeUndefined();
      expect(x.rst(11)).toBe(ENHANCE_YOUR_CALM);
      expect(x.rst(17)).toBe(ENHANCE_YOUR_CALM);
      expect(x.goaway).toBeUndefined();
      expect(held).toBeGreaterThan(200 * 1024);
      expect(held).toBeLessThanOrEqual(4 * 65535 + 16 * 1024);
      await stillServing(small.port);
    } finally {
      await small.close();
    }
  });
});

describe("own h2 framing: timeouts", () => {
  it("an idle connection (no open stream) gets GOAWAY NO_ERROR and is closed", async () => {
    const small = await startOwnH2Server({ idleTimeoutMs: 300 });
    try {
      const x = await raw(small.port, headers(1, GET()), 3000);
      expect(x.statuses().get(1)).toBe("200");
      expect(x.goaway).toBe(0);
      expect(x.closed).toBe(true);
      await stillServing(small.port);
    } finally {
      await small.close();
    }
  });

  it("our SETTINGS never acknowledged ⇒ GOAWAY SETTINGS_TIMEOUT, even with a stream open", async () => {
    const small = await startOwnH2Server({ settingsTimeoutMs: 300 });
    try {
      const x = await raw(small.port, headers(1, POST(), false), 3000);
      expect(x.goaway).toBe(SETTINGS_TIMEOUT);
      expect(x.closed).toBe(true);
      // A client that acknowledges keeps its connection past the timeout.
      const y = await raw(small.port, [settingsAck(), headers(1, POST(), false)], 1000);
      expect(y.goaway).toBeUndefined();
      expect(y.closed).toBe(false);
    } finally {
      await small.close();
    }
  });

  it("a connection opened after a quiet spell (no connection live, the sweep stopped) gets its full idle time", async () => {
    const small = await startOwnH2Server({ idleTimeoutMs: 1000 });
    try {
      expect((await raw(small.port, headers(1, GET()), 300)).statuses().get(1)).toBe("200");
      // No connection live: the sweep stops, and with it its clock.
      await new Promise((r) => setTimeout(r, 1500));
      const x = await raw(small.port, settingsAck(), 600);
      expect(x.goaway).toBeUndefined();
      expect(x.closed).toBe(false);
    } finally {
      await small.close();
    }
  });

  it("a header block left unfinished (slowloris) ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const small = await startOwnH2Server({ headersTimeoutMs: 300 });
    try {
      const x = await raw(small.port, frame(HEADERS, END_STREAM, 1, block(GET()).subarray(0, 3)), 3000);
      expect(x.goaway).toBe(PROTOCOL_ERROR);
      expect(x.closed).toBe(true);
      await stillServing(small.port);
    } finally {
      await small.close();
    }
  });
});

describe("own h2 framing: stream id misuse", () => {
  it("an even stream id from the client ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const x = await raw(server.port, headers(2, GET()));
    expect(x.goaway).toBe(PROTOCOL_ERROR);
    await stillServing();
  });

  it("a stream id lower than one already used ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const x = await raw(server.port, [headers(5, GET()), headers(3, GET())]);
    expect(x.goaway).toBe(PROTOCOL_ERROR);
    await stillServing();
  });

  it("DATA on an idle stream ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const x = await raw(server.port, frame(DATA, END_STREAM, 9, Buffer.from("x")));
    expect(x.goaway).toBe(PROTOCOL_ERROR);
    await stillServing();
  });

  it("a request with a connection-specific field ⇒ RST_STREAM PROTOCOL_ERROR, connection goes on", async () => {
    const x = await raw(server.port, [headers(1, [...GET(), "connection", "close"]), headers(3, GET())], 500);
    expect(x.rst(1)).toBe(PROTOCOL_ERROR);
    expect(x.statuses().get(3)).toBe("200");
  });
});

describe("own h2 framing: late frames on closed streams", () => {
  /** `n` GET requests with END_STREAM from stream id `from` on, each answered and closed. */
  const gets = (from: number, n: number): Buffer => Buffer.concat(Array.from({ length: n }, (_, i) => headers(from + 2 * i, GET(`/g${i}`))));
  const trailers = (id: number): Buffer => frame(HEADERS, END_HEADERS | END_STREAM, id, block(["x-trailer", "late"]));

  it("DATA, trailers, WINDOW_UPDATE and RST_STREAM on a stream we reset 1,100 streams ago are ignored", async () => {
    const x = await raw(server.port, [
      // Stream 1 sends more than its content-length: we reset it.
      headers(1, [...POST(), "content-length", "1"], false),
      frame(DATA, 0, 1, Buffer.from("xx")),
      gets(3, 1100),
      // What the client had in flight when our RST_STREAM crossed it.
      frame(DATA, 0, 1, Buffer.from("late")),
      trailers(1),
      frame(WINDOW_UPDATE, 0, 1, u32(100)),
      frame(RST_STREAM, 0, 1, u32(CANCEL)),
      headers(2203, GET()),
    ], 1500);
    expect(x.rst(1)).toBe(PROTOCOL_ERROR);
    expect(x.goaway).toBeUndefined();
    expect(x.statuses().get(2203)).toBe("200");
  });

  it("a long-lived stream closing after 1,000 others does not push a newer one out of memory", async () => {
    const x = await raw(server.port, [
      headers(1, [...POST(), "content-length", "1"], false),
      gets(3, 1023),
      // Stream 2049 shares stream 1's slot in the ring: we reset it (a malformed request)…
      headers(2049, [...GET(), "te", "gzip"]),
      // …then stream 1, open all along, is reset too.
      frame(DATA, 0, 1, Buffer.from("xx")),
      // Late DATA on both.
      frame(DATA, END_STREAM, 2049, Buffer.from("late")),
      frame(DATA, END_STREAM, 1, Buffer.from("late")),
      headers(2051, GET()),
    ], 1500);
    expect(x.rst(2049)).toBe(PROTOCOL_ERROR);
    expect(x.rst(1)).toBe(PROTOCOL_ERROR);
    expect(x.goaway).toBeUndefined();
    expect(x.statuses().get(2051)).toBe("200");
  });

  it("a real violation still ends the connection: HEADERS on a skipped lower id after the ring wrapped ⇒ GOAWAY PROTOCOL_ERROR", async () => {
    const x = await raw(server.port, [gets(1, 1101), headers(2205, GET()), headers(2203, GET())], 1500);
    expect(x.statuses().get(2205)).toBe("200");
    expect(x.goaway).toBe(PROTOCOL_ERROR);
    await stillServing();
  });

  it("a real violation still ends the connection: DATA on a stream the client ended ⇒ GOAWAY STREAM_CLOSED", async () => {
    const x = await raw(server.port, [gets(1, 3), frame(DATA, 0, 3, Buffer.from("x"))], 1500);
    expect(x.statuses().get(3)).toBe("200");
    expect(x.goaway).toBe(STREAM_CLOSED);
    await stillServing();
  });
});
