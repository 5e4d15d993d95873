// h2-client-unprocessed: Weft's own HTTP/2 client re-sends a stream the upstream never processed (RFC 9113
// §8.7) inside the attempt, whatever the method — REFUSED_STREAM from a server at its concurrent-stream
// limit whose SETTINGS came after our streams went out, and a GOAWAY whose last stream id is below streams
// already sent (they go again on a new connection) — with the request body (buffered, or streamed and held)
// sent again whole; bounded (a server that refuses every stream fails the request after MAX_RESENDS
// re-sends), and a streamed body past REPLAY_LIMIT is not re-sent. Raw frame servers (test/support/h2-frames.ts)
// through upstream.ts's Upstream, as the proxy sends. Loopback only; every exchange is bounded by a deadline.
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { REFUSED_STREAM } from "../../pkg/proxy/h2/errors.ts";
import { HpackDecoder } from "../../pkg/proxy/h2/hpack-decoder.ts";
import { DATA, END_HEADERS, END_STREAM, HEADERS, SETTINGS, SETTINGS_MAX_CONCURRENT_STREAMS } from "../../pkg/proxy/h2/frames.ts";
import { ProxyMetrics } from "../../pkg/proxy/metrics.ts";
import { ProxyFailureError } from "../../pkg/proxy/rescue.ts";
import { MAX_RESENDS, REPLAY_LIMIT } from "../../pkg/proxy/upstream/h2-own-call.ts";
import { createH1Pool } from "../../pkg/proxy/upstream/pool-h1.ts";
import { H2Pool } from "../../pkg/proxy/upstream/pool-h2.ts";
import { Upstream, type UpstreamRequest } from "../../pkg/proxy/upstream/upstream.ts";
import { clientFrameReader, frame, goawayFrame as goaway, headerBlock, rstStreamFrame, settingsFrame as settings } from "../support/h2-frames.ts";

const refuse = (id: number): Buffer => rstStreamFrame(id, REFUSED_STREAM);

/** One client connection as the raw server sees it: the streams opened, each one's body, and a writer. */
interface Peer {
  readonly index: number;
  readonly ids: number[];
  readonly bodies: Map<number, Buffer>;
  /** Each stream's request head as received (a flat name/value list). */
  readonly heads: Map<number, string[]>;
  write(b: Buffer): void;
  /** The stream's answer: 200, its body echoed (as far as it came), END_STREAM. */
  echo(id: number): void;
}

type Script = {
  /** The server's first bytes (its SETTINGS), or none until `onHeaders` sends them. */
  first?: Buffer;
  onHeaders?(p: Peer, id: number): void;
  /** The request's end (END_STREAM on HEADERS or DATA). */
  onEnd?(p: Peer, id: number): void;
  onData?(p: Peer, id: number): void;
};

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function rawServer(script: Script): Promise<{ port: number; peers: Peer[] }> {
  const peers: Peer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => {});
    const p: Peer = {
      index: peers.length,
      ids: [],
      bodies: new Map(),
      heads: new Map(),
      write: (b) => {
        if (sock.destroyed) return;
        sock.write(b);
        if (b[3] === SETTINGS && (b[4]! & 1) === 0 && !saidSettings) {
          saidSettings = true;
          if (ackOwed) sock.write(frame(SETTINGS, 1, 0));
        }
      },
      echo: (id) => {
        p.write(frame(HEADERS, END_HEADERS, id, headerBlock([":status", "200"])));
        p.write(frame(DATA, END_STREAM, id, p.bodies.get(id) ?? Buffer.alloc(0)));
      },
    };
    let saidSettings = false;
    let ackOwed = false;
    peers.push(p);
    if (script.first !== undefined) p.write(script.first);
    const read = clientFrameReader();
    const hpack = new HpackDecoder();
    sock.on("data", (d: Buffer) => {
      for (const { type, flags, id, payload } of read(d)) {
        // Our ACK of the client's SETTINGS waits for the server's own SETTINGS (the first frame it sends).
        if (type === SETTINGS && (flags & 1) === 0) {
          if (saidSettings) p.write(frame(SETTINGS, 1, 0));
          else ackOwed = true;
        }
        if (type === HEADERS) {
          p.ids.push(id);
          p.bodies.set(id, Buffer.alloc(0));
          p.heads.set(id, hpack.decode(payload, 0, payload.length));
          script.onHeaders?.(p, id);
        }
        if (type === DATA) {
          p.bodies.set(id, Buffer.concat([p.bodies.get(id) ?? Buffer.alloc(0), payload]));
          script.onData?.(p, id);
        }
        if ((type === HEADERS || type === DATA) && (flags & END_STREAM) !== 0) script.onEnd?.(p, id);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, peers };
}

function upstreamTo(port: number): { metrics: ProxyMetrics; send(req: Partial<UpstreamRequest>): Promise<{ status: number; body: string } | string> } {
  const h2 = new H2Pool();
  const metrics = new ProxyMetrics();
  const upstream = new Upstream(createH1Pool(), h2, 2000, "own", metrics);
  closers.push(() => h2.destroy());
  const target = { address: "127.0.0.1", port, protocol: "h2" as const };
  return {
    metrics,
    send(req) {
      const attempt = upstream.send(target, { method: "POST", path: "/", authority: "localhost", headers: {}, body: undefined, ...req });
      const late = new Promise<string>((r) => setTimeout(() => r("unsettled"), 5000).unref());
      const done = attempt.response.then(
        (res) =>
          new Promise<{ status: number; body: string }>((resolve) => {
            const chunks: Buffer[] = [];
            res.body.on("data", (c: Buffer) => chunks.push(c));
            res.body.on("end", () => resolve({ status: res.status, body: Buffer.concat(chunks).toString() }));
          }),
        (e: unknown) => (e instanceof ProxyFailureError ? e.kind : `unexpected: ${String(e)}`),
      );
      return Promise.race([done, late]);
    },
  };
}

describe("own HTTP/2 client: streams the upstream never processed are re-sent inside the attempt", () => {
  it("REFUSED_STREAM from a server whose SETTINGS (one stream at a time) came after our streams: both POSTs answered, bodies whole", async () => {
    // The server says nothing until both streams are in, then: SETTINGS (one stream at a time), stream 3
    // refused, stream 1 answered. The refused POST goes again on the same connection once there is room.
    let saidSettings = false;
    const { port, peers } = await rawServer({
      onEnd(p, id) {
        if (!saidSettings) {
          if (p.ids.length < 2) return;
          saidSettings = true;
          p.write(settings([[SETTINGS_MAX_CONCURRENT_STREAMS, 1]]));
          p.write(refuse(3));
          p.echo(1);
          return;
        }
        p.echo(id);
      },
    });
    const up = upstreamTo(port);
    const streamed = new PassThrough();
    const a = up.send({ body: Buffer.from("first, buffered") });
    const b = up.send({ body: streamed });
    streamed.write("second, ");
    setTimeout(() => streamed.end("streamed"), 20);
    expect(await a).toEqual({ status: 200, body: "first, buffered" });
    expect(await b).toEqual({ status: 200, body: "second, streamed" });
    expect(peers.length).toBe(1);
    expect(peers[0]!.ids).toEqual([1, 3, 5]);
    expect(up.metrics.resentStreams.get()).toBe(1);
  });

  it("a GOAWAY whose last stream id is below streams already sent: those go again on a new connection", async () => {
    const { port, peers } = await rawServer({
      first: settings(),
      onEnd(p, id) {
        if (p.index > 0) return p.echo(id);
        if (p.ids.length < 3) return;
        p.write(goaway(1));
        p.echo(1);
      },
    });
    const up = upstreamTo(port);
    const answers = await Promise.all([
      up.send({ body: Buffer.from("one") }),
      up.send({ path: "/two?q=2", headers: { "x-n": "2", "content-type": "text/plain" }, body: Buffer.from("two") }),
      up.send({ method: "DELETE", path: "/three", headers: { "x-n": ["3", "three"] } }),
    ]);
    expect(answers).toEqual([{ status: 200, body: "one" }, { status: 200, body: "two" }, { status: 200, body: "" }]);
    // The streams sent again carry the heads they carried the first time, field for field.
    expect(peers[1]!.heads.get(1)).toEqual(peers[0]!.heads.get(3));
    expect(peers[1]!.heads.get(3)).toEqual(peers[0]!.heads.get(5));
    expect(peers[0]!.heads.get(5)).toEqual([":method", "DELETE", ":path", "/three", ":authority", "localhost", ":scheme", "http", "x-n", "3", "x-n", "three"]);
    expect(peers.length).toBe(2);
    expect(peers[0]!.ids).toEqual([1, 3, 5]);
    expect(peers[1]!.ids).toEqual([1, 3]);
    expect(up.metrics.resentStreams.get()).toBe(2);
  });

  it(`a server that refuses every stream: ${MAX_RESENDS} re-sends, then upstream_reset`, async () => {
    const { port, peers } = await rawServer({ first: settings(), onHeaders: (p, id) => p.write(refuse(id)) });
    const up = upstreamTo(port);
    expect(await up.send({ body: Buffer.from("x") })).toBe("upstream_reset");
    expect(peers.flatMap((p) => p.ids).length).toBe(1 + MAX_RESENDS);
    expect(up.metrics.resentStreams.get()).toBe(MAX_RESENDS);
  });

  it("a streamed body past REPLAY_LIMIT is not held: the refused stream's failure stands (upstream_reset)", async () => {
    // Refused once its first DATA came (the body is out of our hands by then); a re-send would be answered.
    let refused = false;
    const { port, peers } = await rawServer({
      first: settings(),
      onData(p, id) {
        if (!refused) {
          refused = true;
          p.write(refuse(id));
        }
      },
      onEnd: (p, id) => p.echo(id),
    });
    const up = upstreamTo(port);
    const body = new PassThrough();
    const r = up.send({ body });
    body.end(Buffer.alloc(REPLAY_LIMIT + 1, 0x61));
    expect(await r).toBe("upstream_reset");
    expect(peers.flatMap((p) => p.ids)).toEqual([1]);
    expect(up.metrics.resentStreams.get()).toBe(0);
  });
});
