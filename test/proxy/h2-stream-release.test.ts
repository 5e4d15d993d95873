// h2-stream-release: a closed HTTP/2 stream of the proxy's holds nothing of the exchange it served. node
// keeps a stream's native handle, and through it the stream and whatever its listeners hold, until a full
// GC (a scavenge counts the handle as a root): what a closed stream still reached was copied by every
// scavenge and promoted under load (h2c: 7.4 kB per request survived a scavenge, against 4.9 once let go;
// benchmarks/proxy/gc-ab.bench.ts). The tests hold the streams themselves, as node's handle does, and
// count what is still alive after a full GC (v8.queryObjects). The proxy here serves on node:http2's face
// (limits.h2Face "node") with node:http2's client (limits.h2Client "node"); the own face's equivalent is in
// h2-own-face.test.ts.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ClientHttp2Stream, ServerHttp2Stream } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H2Downstream } from "../../pkg/proxy/front/h2-downstream.ts";
import { ProxyRequest } from "../../pkg/proxy/stack/request.ts";
import { createH1Pool } from "../../pkg/proxy/upstream/pool-h1.ts";
import { H2Pool } from "../../pkg/proxy/upstream/pool-h2.ts";
import { Upstream } from "../../pkg/proxy/upstream/upstream.ts";
import { h2, h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startH2Echo, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";
import { liveCount as live, untilTrue as until } from "../support/live-objects.ts";

let echo: Echo;
let proxy: ProxyUnderTest;
/** Every client stream made in this process (the proxy's upstream ones among them), held strongly. */
const held: ClientHttp2Stream[] = [];
const hold = (m: unknown): void => void held.push((m as { stream: ClientHttp2Stream }).stream);
/** Every server stream made in this process (the proxy's downstream ones), held strongly. */
const served: ServerHttp2Stream[] = [];
const serve = (m: unknown): void => void served.push((m as { stream: ServerHttp2Stream }).stream);

beforeAll(async () => {
  subscribe("http2.client.stream.created", hold);
  subscribe("http2.server.stream.created", serve);
  echo = await startH2Echo("h2");
  proxy = await startProxy(meshIR([cluster("ns/h2:80", [endpoint(echo.port)], "h2c")]), tables([{ matches: [prefix("/")], backends: [backend("ns/h2:80")] }]), {
    limits: { h2Face: "node", h2Client: "node" },
  });
});

afterAll(async () => {
  unsubscribe("http2.client.stream.created", hold);
  unsubscribe("http2.server.stream.created", serve);
  await proxy.close();
  await echo.close();
});

/** What the test hands the upstream as a request: a class, so its live instances can be counted. */
class ProbeRequest {
  readonly method = "GET";
  readonly authority = "probe";
  readonly headers = {};
  readonly body = undefined;
  readonly path: string;
  constructor(path: string) {
    this.path = path;
  }
}

describe("closed HTTP/2 streams let go of their exchange", () => {
  it("an upstream h2 stream no longer holds the request once it closed", { timeout: 20_000 }, async () => {
    const upstream = new Upstream(createH1Pool({ idleMs: 1000, connectTimeoutMs: 1000 }), new H2Pool(), 1000, "node");
    const target = { address: "127.0.0.1", port: echo.port, protocol: "h2" as const };
    const bodies: ClientHttp2Stream[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await upstream.send(target, new ProbeRequest(`/probe/${i}`)).response;
      expect(res.status).toBe(200);
      res.body.resume();
      bodies.push(res.body as ClientHttp2Stream);
    }
    await until("the upstream streams closed", () => bodies.every((b) => b.destroyed));
    expect(live(ProbeRequest)).toBe(0);
    expect(bodies.length).toBe(10);
  });

  it("the proxy's upstream streams no longer hold the downstream exchange once they closed", { timeout: 20_000 }, async () => {
    const session = h2session(proxy.port);
    for (let i = 0; i < 10; i++) expect((await h2(session, `/relay/${i}`)).status).toBe(200);
    session.close();
    await until("every client stream closed", () => held.length >= 20 && held.every((s) => s.destroyed));
    expect(live(H2Downstream)).toBe(0);
    expect(held.length).toBeGreaterThanOrEqual(20);
  });

  it("the proxy's streams no longer hold the exchange of a request with a body once they closed", { timeout: 20_000 }, async () => {
    held.length = 0;
    served.length = 0;
    const session = h2session(proxy.port);
    for (let i = 0; i < 10; i++) expect((await h2(session, `/upload/${i}`, { method: "POST", body: `body ${i}` })).status).toBe(200);
    session.close();
    await until("every stream closed", () => held.length >= 20 && held.every((s) => s.destroyed) && served.length >= 20 && served.every((s) => s.destroyed));
    expect(live(ProxyRequest)).toBe(0);
    expect(live(H2Downstream)).toBe(0);
    expect(served.length).toBeGreaterThanOrEqual(20);
  });
});
