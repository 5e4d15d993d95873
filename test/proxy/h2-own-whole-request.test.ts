// h2-own-whole-request: the own server framing (pkg/proxy/h2/server-conn.ts) holding a request with a body
// back while the rest of its read comes in, for a handler with onWholeRequest: a body that ends in the same
// read comes whole in one call (a gRPC unary call's usual arrival), one that does not comes as onRequest
// and its DATA so far; a frame that is not the held stream's DATA gives it over first, so the handler
// sees frames in the order they came; a handler without onWholeRequest sees requests as before. Runs on an
// in-memory socket (chunks delivered as "data" events, one event = one read).
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { DATA, END_HEADERS, END_STREAM, HEADERS, PREFACE, RST_STREAM, SETTINGS } from "../../pkg/proxy/h2/frames.ts";
import { H2ServerConn, type H2ServerHandler } from "../../pkg/proxy/h2/server-conn.ts";
import { frame, headerBlock, u32 } from "../support/h2-frames.ts";

class FakeSocket extends EventEmitter {
  writableLength = 0;
  setNoDelay(): void {}
  write(): boolean {
    return true;
  }
  end(): void {}
  destroy(): void {}
  pause(): void {}
  resume(): void {}
}

const POST = (id: number, end = false): Buffer =>
  frame(HEADERS, END_HEADERS | (end ? END_STREAM : 0), id, headerBlock([":method", "POST", ":scheme", "http", ":path", "/svc/M", ":authority", "x", "content-type", "application/grpc"]));
const data = (id: number, text: string, end = false): Buffer => frame(DATA, end ? END_STREAM : 0, id, Buffer.from(text));
const OPEN = Buffer.concat([PREFACE, frame(SETTINGS, 0, 0)]);

/** A connection whose handler records what it is given, in order; `whole`: with onWholeRequest. */
function recording(whole: boolean): { events: string[]; read(...frames: Buffer[]): void } {
  const events: string[] = [];
  const handler: H2ServerHandler = {
    onRequest: (s, _f, end) => void events.push(`request ${s.id}${end ? " end" : ""}`),
    onData: (s, buf, st, e, end) => void events.push(`data ${s.id} ${buf.toString("latin1", st, e)}${end ? " end" : ""}`),
    onTrailers: (s) => void events.push(`trailers ${s.id}`),
    onReset: (s, code) => void events.push(`reset ${s.id} ${code}`),
    ...(whole ? { onWholeRequest: (s, f, _n, body) => void events.push(`whole ${s.id} ${f[1]} ${body.toString("latin1")}`) } satisfies Partial<H2ServerHandler> : {}),
  };
  const sock = new FakeSocket();
  new H2ServerConn(sock as unknown as Socket, handler);
  sock.emit("data", OPEN);
  return { events, read: (...frames) => void sock.emit("data", Buffer.concat(frames)) };
}

describe("own h2 server: a request's body held with its head for the read", () => {
  it("a body that ends in the head's read comes whole, in one call (two DATA frames joined)", () => {
    const c = recording(true);
    c.read(POST(1), data(1, "hel"), data(1, "lo", true));
    expect(c.events).toEqual(["whole 1 POST hello"]);
  });

  it("an empty END_STREAM DATA ends a whole body too", () => {
    const c = recording(true);
    c.read(POST(1), data(1, "hello"), data(1, "", true));
    expect(c.events).toEqual(["whole 1 POST hello"]);
  });

  it("a body that does not end in that read: onRequest at the read's end with its DATA so far, later DATA as it comes", () => {
    const c = recording(true);
    c.read(POST(1), data(1, "hel"));
    expect(c.events).toEqual(["request 1", "data 1 hel"]);
    c.read(data(1, "lo", true));
    expect(c.events).toEqual(["request 1", "data 1 hel", "data 1 lo end"]);
  });

  it("HEADERS alone in its read: onRequest at once", () => {
    const c = recording(true);
    c.read(POST(1));
    expect(c.events).toEqual(["request 1"]);
  });

  it("a frame that is not the held stream's DATA gives it over first: the handler sees frames in order", () => {
    const c = recording(true);
    c.read(POST(1), data(1, "ab"), frame(RST_STREAM, 0, 1, u32(8)));
    expect(c.events).toEqual(["request 1", "data 1 ab", "reset 1 8"]);
    const d = recording(true);
    d.read(POST(1), data(1, "ab"), POST(3, true), data(1, "c", true));
    expect(d.events).toEqual(["request 1", "data 1 ab", "request 3 end", "data 1 c end"]);
    const e = recording(true);
    e.read(POST(1), data(1, "ab", true), POST(3), data(3, "cd", true));
    expect(e.events).toEqual(["whole 1 POST ab", "whole 3 POST cd"]);
  });

  it("trailers after the body: onRequest and its DATA first, then the trailers", () => {
    const c = recording(true);
    c.read(POST(1), data(1, "ab"), frame(HEADERS, END_HEADERS | END_STREAM, 1, headerBlock(["x-t", "1"])));
    expect(c.events).toEqual(["request 1", "data 1 ab", "trailers 1"]);
  });

  it("without onWholeRequest: onRequest at the HEADERS, DATA as it comes", () => {
    const c = recording(false);
    c.read(POST(1), data(1, "hel"), data(1, "lo", true));
    expect(c.events).toEqual(["request 1", "data 1 hel", "data 1 lo end"]);
  });
});
