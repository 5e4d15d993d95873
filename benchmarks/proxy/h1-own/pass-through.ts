// pass-through (benchmark prototype, NOT production): the HTTP/1.1 relay of bench-h1-own-minimal.ts and
// bench-h1-own-minimal-pair.ts on messages parsed in JS (h1-scan.ts) — one request at a time per downstream
// connection (a pipelined one waits its turn), pooled kept-alive upstream connections, heads re-rendered from
// their fields without `connection` (and `keep-alive` if asked), one extra request field, bodies (Content-Length
// or chunked) relayed as they came. Each message goes out in one write: its head and the body bytes that came
// with it in one new Buffer (reads land in a buffer the next read reuses, so nothing written may point into it).
// Takes how to dial upstream and what to add; gives the function that serves a downstream connection and the
// `feed` its reads go to. Must not: carry real traffic (no backpressure, no timeouts, trusts its upstream).
import type { Socket } from "node:net";
import { BodyScan, parseHead, type Head } from "./h1-scan.ts";

export interface PassThroughOptions {
  /** A new upstream connection whose reads go to `feed` (through `onread` or "data" events). */
  dial: (feed: (b: Buffer, start: number, end: number) => boolean) => Socket;
  /** Added to every forwarded request head, e.g. "x-forwarded-for: 127.0.0.1\r\n". */
  extraRequest: string;
  /** Drop `keep-alive` fields too (the pair's sides, as bench-llhttp-minimal-pair.ts does). */
  dropKeepAlive: boolean;
}

/** Bytes of a message head not yet complete, carried over to the next read (copied out of the read buffer). */
class Carry {
  private rest: Buffer | undefined;
  /** The bytes to parse: what was carried, joined with this read's. */
  join(b: Buffer, start: number, end: number): { buf: Buffer; start: number; end: number } {
    if (this.rest === undefined) return { buf: b, start, end };
    const buf = Buffer.concat([this.rest, b.subarray(start, end)]);
    this.rest = undefined;
    return { buf, start: 0, end: buf.length };
  }
  keep(b: Buffer, start: number, end: number): boolean {
    if (end - start > 65_536) return false;
    this.rest = Buffer.from(b.subarray(start, end));
    return true;
  }
}

interface Latin1Write {
  latin1Write(s: string, offset: number, length: number): number;
}

/** `head` and the body bytes that came with it, in one new Buffer. */
function oneMessage(head: string, b: Buffer, start: number, end: number): Buffer {
  const n = Buffer.byteLength(head, "latin1");
  const out = Buffer.allocUnsafe(n + end - start);
  (out as unknown as Latin1Write).latin1Write(head, 0, n);
  b.copy(out, n, start, end);
  return out;
}

export function passThrough(opts: PassThroughOptions): (sock: Socket) => (b: Buffer, start: number, end: number) => boolean {
  const idle: Up[] = [];

  function render(first: string, head: Head, extra: string): string {
    let h = first;
    const f = head.fields;
    for (let i = 0; i < f.length; i += 2) {
      const n = f[i]!;
      if (n.length === 10 && (n.toLowerCase() === "connection" || (opts.dropKeepAlive && n.toLowerCase() === "keep-alive"))) continue;
      h += `${n}: ${f[i + 1]}\r\n`;
    }
    return `${h}${extra}\r\n`;
  }

  /** A pooled upstream connection: parses answers and relays them to the downstream it serves. */
  class Up {
    readonly sock: Socket;
    down: Down | undefined;
    headOnly = false;
    private head: Head | undefined;
    private readonly body = new BodyScan();
    private readonly carry = new Carry();

    constructor() {
      this.sock = opts.dial((b, s, e) => this.feed(b, s, e));
      this.sock.on("error", () => {});
      this.sock.on("close", () => this.lost());
    }

    private feed(b: Buffer, s: number, e: number): boolean {
      const d = this.down;
      if (d === undefined) return this.fail(undefined);
      const j = this.carry.join(b, s, e);
      const buf = j.buf, end = j.end;
      let start = j.start;
      while (start < end) {
        let stop: number;
        if (this.head === undefined) {
          const h = parseHead(buf, start, end, false, this.headOnly);
          if (h === null) return this.carry.keep(buf, start, end) || this.fail(d);
          if (h === undefined) return this.fail(d);
          const text = render(`HTTP/1.1 ${h.status} OK\r\n`, h, "");
          if (h.status < 200) { // interim: relayed, the answer still to come
            d.sock.write(text, "latin1");
            start = h.end;
            continue;
          }
          this.head = h;
          this.body.begin(h);
          const bodyEnd = this.body.scan(buf, h.end, end);
          if (bodyEnd === -2) return this.fail(d);
          stop = bodyEnd < 0 ? end : bodyEnd;
          d.sock.write(oneMessage(text, buf, h.end, stop));
        } else {
          const bodyEnd = this.body.scan(buf, start, end);
          if (bodyEnd === -2) return this.fail(d);
          stop = bodyEnd < 0 ? end : bodyEnd;
          d.sock.write(Buffer.from(buf.subarray(start, stop)));
        }
        start = stop;
        if (!this.body.done) return true;
        this.head = undefined;
        this.down = undefined;
        d.answered(this);
        if (start < end) return this.fail(d); // bytes after a complete answer nobody asked for
      }
      return true;
    }

    private fail(d: Down | undefined): false {
      this.sock.destroy();
      d?.sock.destroy();
      return false;
    }

    private lost(): void {
      const i = idle.indexOf(this);
      if (i >= 0) idle.splice(i, 1);
      if (this.down !== undefined) this.down.sock.destroy();
    }
  }

  /** A downstream connection: parses requests, one at a time (a pipelined one waits in `carry`). */
  class Down {
    readonly sock: Socket;
    private up: Up | undefined;
    private head: Head | undefined;
    private readonly body = new BodyScan();
    private readonly carry = new Carry();
    private answering = false;

    constructor(sock: Socket) {
      this.sock = sock;
    }

    feed(b: Buffer, s: number, e: number): boolean {
      const j = this.carry.join(b, s, e);
      const buf = j.buf, end = j.end;
      let start = j.start;
      while (start < end) {
        let stop: number;
        if (this.head === undefined) {
          // Pipelined behind an answer not yet out, or a head not yet whole: kept for later.
          if (this.answering) return this.carry.keep(buf, start, end) || this.fail();
          const h = parseHead(buf, start, end, true, false);
          if (h === null) return this.carry.keep(buf, start, end) || this.fail();
          if (h === undefined) return this.fail();
          this.head = h;
          this.answering = true;
          this.body.begin(h);
          const bodyEnd = this.body.scan(buf, h.end, end);
          if (bodyEnd === -2) return this.fail();
          stop = bodyEnd < 0 ? end : bodyEnd;
          const up = idle.pop() ?? new Up();
          this.up = up;
          up.down = this;
          up.headOnly = h.method === "HEAD";
          const text = render(`${h.method} ${h.target} HTTP/1.1\r\n`, h, opts.extraRequest);
          if (stop === h.end) up.sock.write(text, "latin1");
          else up.sock.write(oneMessage(text, buf, h.end, stop));
        } else {
          const bodyEnd = this.body.scan(buf, start, end);
          if (bodyEnd === -2) return this.fail();
          stop = bodyEnd < 0 ? end : bodyEnd;
          this.up?.sock.write(Buffer.from(buf.subarray(start, stop)));
        }
        start = stop;
        if (!this.body.done) return true;
        this.head = undefined;
      }
      return true;
    }

    /** The answer is out: the upstream connection goes back to the pool once the request is sent too. */
    answered(up: Up): void {
      this.answering = false;
      this.up = undefined;
      if (this.head !== undefined) { // answered before its request was whole: not reusable
        up.sock.destroy();
        return;
      }
      idle.push(up);
      this.feed(EMPTY, 0, 0); // a pipelined request waiting in carry
    }

    close(): void {
      if (this.answering) this.up?.sock.destroy();
    }

    private fail(): false {
      this.sock.destroy();
      return false;
    }
  }

  return (sock) => {
    const down = new Down(sock);
    sock.on("error", () => {});
    sock.on("close", () => down.close());
    return (b, s, e) => down.feed(b, s, e);
  };
}

const EMPTY = Buffer.alloc(0);
