// memory-release: connections the proxy is done with are freed. node's llhttp parser object stays alive
// after free() (only close() deletes it), and through its callbacks it held every HTTP/1.1 connection,
// downstream and upstream, with the exchange, promises and h2 stream reachable from it: an h2 rapid-reset
// flood left ~38 MB of them per 20 M frames (benchmarks/memory/flood.bench.ts). Counts live objects by
// constructor after a full GC (v8.queryObjects) once plain, closed and reset exchanges are over.
import { connect, constants, createServer as createH2, type ServerHttp2Session } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H2Downstream } from "../../pkg/proxy/front/h2-downstream.ts";
import { SocketReads } from "../../pkg/proxy/h1/h1-parser.ts";
import { H1UpstreamConn } from "../../pkg/proxy/upstream/h1-upstream-conn.ts";
import { h1, h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";
import { liveCount as live, untilTrue as until } from "../support/live-objects.ts";

let echo: Echo;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  // Slow answers, so a reset stream aborts its upstream exchange half-way.
  echo = await startEcho("a", (_req, res) => {
    setTimeout(() => res.end("late"), 100);
    return true;
  });
  proxy = await startProxy(meshIR([cluster("ns/a:80", [endpoint(echo.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/a:80")] }]));
});

afterAll(async () => {
  await echo.close();
});

/** node:http2 does not export the server session class: take it from a session of a throwaway server. */
async function serverSessionClass(): Promise<new(...a: never[]) => unknown> {
  const server = createH2();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const got = new Promise<ServerHttp2Session>((r) => server.once("session", r));
  const client = connect(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  client.on("error", () => {});
  const session = await got;
  const ctor = session.constructor as new(...a: never[]) => unknown;
  client.destroy();
  session.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return ctor;
}

describe("the proxy frees HTTP/1.1 connections it is done with", () => {
  it("keeps no downstream or upstream connection object once every exchange is over", { timeout: 30_000 }, async () => {
    for (let i = 0; i < 30; i++) expect((await h1(proxy.port, `/plain/${i}`)).status).toBe(200);
    const session = h2session(proxy.port);
    const reset: Promise<void>[] = [];
    for (let i = 0; i < 30; i++) {
      const st = session.request({ ":path": `/reset/${i}` });
      st.on("error", () => {});
      reset.push(new Promise((r) => {
        st.once("close", () => r());
        setTimeout(() => st.close(constants.NGHTTP2_CANCEL), 20);
      }));
    }
    await Promise.all(reset);
    session.close();
    expect(echo.seen.length).toBeGreaterThanOrEqual(30);
    await proxy.close();
    // Every HTTP/1.1 connection, downstream or upstream, owns one SocketReads.
    await until("no live connection objects", () => live(SocketReads) === 0 && live(H1UpstreamConn) === 0 && live(H2Downstream) === 0);
  });

  it("keeps no closed HTTP/2 session until its idle timeout", { timeout: 30_000 }, async () => {
    const ServerSession = await serverSessionClass();
    const p = await startProxy(meshIR([cluster("ns/a:80", [endpoint(echo.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/a:80")] }]));
    for (let i = 0; i < 20; i++) {
      const s = h2session(p.port);
      const st = s.request({ ":path": `/s/${i}` });
      st.on("error", () => {});
      await new Promise<void>((r) => {
        st.once("close", () => r());
        st.resume();
      });
      s.close();
      await new Promise<void>((r) => s.once("close", () => r()));
    }
    // The proxy is still up (idle timeout 60 s): the closed sessions must already be gone.
    await until("no live server session", () => live(ServerSession) === 0);
    await p.close();
  });
});
