// h2-upstream: the multiplexed upstream pool survives an upstream that sends GOAWAY after every answer
// and one that restarts (session closed): later requests open a fresh session instead of failing.
// A stream reset by the upstream before its answer is retried when the rule has a retry stanza.
// Trailers an answer did not announce reach an HTTP/2 client that sent `TE: trailers`, and an
// HTTP/1.1 client on a chunked answer.
import { createServer, type ClientHttp2Stream, type Http2Server, type Http2Session, type ServerHttp2Session } from "node:http2";
import { constants } from "node:http2";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { h1, h2, h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";

let server: Http2Server;
let port = 0;
const sessions = new Set<ServerHttp2Session>();
let resets = 0;
/** Sessions the upstream accepted: one per session the proxy opened, whichever client it runs. */
let serverSessions = 0;
let proxy: ProxyUnderTest;
// The proxy's own client sessions (it runs in this process), seen through node:http2's diagnostics channel.
const proxySessions = new Set<Http2Session>();
const onStream = (m: unknown): void => {
  const s = (m as { stream: ClientHttp2Stream }).stream.session;
  if (s !== undefined) proxySessions.add(s);
};

beforeAll(async () => {
  subscribe("http2.client.stream.created", onStream);
  server = createServer((req, res) => {
    if (req.url.startsWith("/rst") && resets < 1) {
      resets++;
      req.stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (req.url.startsWith("/trailers")) {
      // Trailers not announced with a Trailer field.
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("part 1, ");
      res.addTrailers({ "x-checksum": "abc123" });
      res.end("part 2");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`ok ${req.url}`);
    if (req.url.startsWith("/goaway")) res.stream.session?.goaway();
  });
  server.on("session", (s) => {
    serverSessions++;
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  proxy = await startProxy(meshIR([cluster("ns/h2:80", [endpoint(port)], "h2c")]), tables([
    { matches: [prefix("/rst")], backends: [backend("ns/h2:80")], retry: { codes: [], attempts: 1, backoffMs: 1 } },
    { matches: [prefix("/")], backends: [backend("ns/h2:80")] },
  ]));
});

afterAll(async () => {
  unsubscribe("http2.client.stream.created", onStream);
  await proxy.close();
  for (const s of sessions) s.destroy();
  await new Promise<void>((r) => server.close(() => r()));
});

describe("h2 upstream pool", () => {
  it("keeps serving when the upstream sends GOAWAY after each answer", async () => {
    for (let i = 0; i < 6; i++) {
      const r = await h1(proxy.port, `/goaway/${i}`);
      expect(r.status).toBe(200);
      expect(r.body).toBe(`ok /goaway/${i}`);
    }
  });
  it("opens a fresh session after the upstream dropped every session", async () => {
    expect((await h1(proxy.port, "/a")).status).toBe(200);
    const opened = serverSessions;
    expect(opened).toBeGreaterThan(0);
    for (const s of sessions) s.destroy();
    // Wait until the proxy has seen every session it had closed (node's client: through the diagnostics
    // channel; the own client's connections close with their sockets), then the next request needs a new one.
    await vi.waitFor(() => expect([...proxySessions].filter((s) => !s.closed && !s.destroyed)).toEqual([]), { timeout: 10_000, interval: 10 });
    await new Promise((r) => setTimeout(r, 50));
    const r = await h1(proxy.port, "/b");
    expect(r.status).toBe(200);
    expect(r.body).toBe("ok /b");
    expect(serverSessions).toBe(opened + 1);
  });
  it("relays unannounced trailers to an h2 client that sent TE: trailers, and none to one that did not", async () => {
    const s = h2session(proxy.port);
    try {
      const asked = await h2(s, "/trailers/1", { headers: { te: "trailers" } });
      expect(asked.status).toBe(200);
      expect(asked.body).toBe("part 1, part 2");
      expect(asked.trailers?.["x-checksum"]).toBe("abc123");
      // Asked, but the answer has none: the stream still ends, with an empty trailer section.
      const none = await h2(s, "/plain", { headers: { te: "trailers" } });
      expect(none.status).toBe(200);
      expect(none.body).toBe("ok /plain");
      const plain = await h2(s, "/trailers/2");
      expect(plain.status).toBe(200);
      expect(plain.body).toBe("part 1, part 2");
      expect(plain.trailers).toBeUndefined();
    } finally {
      s.close();
    }
  });
  it("relays unannounced trailers to an HTTP/1.1 client on a chunked answer", async () => {
    const r = await h1(proxy.port, "/trailers/3");
    expect(r.status).toBe(200);
    expect(r.body).toBe("part 1, part 2");
    expect(r.trailers?.["x-checksum"]).toBe("abc123");
  });
  it("retries a stream the upstream reset before answering", async () => {
    const r = await h1(proxy.port, "/rst/1");
    expect(resets).toBe(1);
    expect(r.status).toBe(200);
    expect(r.body).toBe("ok /rst/1");
  });
});
