// h2-server-stream-release: a closed downstream HTTP/2 stream holds nothing of the request it carried.
// node keeps a closed stream, and whatever its listeners hold, alive through every scavenge until a full
// GC; a listener a layer left on the stream (the request body's error guard) kept the whole request and
// got it promoted under load (docs/proxy.md, "The gRPC pair"). The test holds the server streams itself,
// as node does, and counts the requests still alive after a full GC (v8.queryObjects collects first).
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { ServerHttp2Stream } from "node:http2";
import { queryObjects } from "node:v8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProxyRequest } from "../../pkg/proxy/stack/request.ts";
import { h2, h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startH2Echo, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let echo: Echo;
let proxy: ProxyUnderTest;
/** Every server stream made in this process (the proxy's downstream ones), held strongly. */
const held: ServerHttp2Stream[] = [];
const hold = (m: unknown): void => void held.push((m as { stream: ServerHttp2Stream }).stream);

beforeAll(async () => {
  subscribe("http2.server.stream.start", hold);
  echo = await startH2Echo("h2");
  proxy = await startProxy(meshIR([cluster("ns/h2:80", [endpoint(echo.port)], "h2c")]), tables([{ matches: [prefix("/")], backends: [backend("ns/h2:80")] }]));
});

afterAll(async () => {
  unsubscribe("http2.server.stream.start", hold);
  await proxy.close();
  await echo.close();
});

async function waitFor(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("closed downstream HTTP/2 streams let go of their request", () => {
  it("requests with a body are collectable once their server streams closed, though the streams live on", { timeout: 20_000 }, async () => {
    const session = h2session(proxy.port);
    for (let i = 0; i < 10; i++) expect((await h2(session, `/post/${i}`, { method: "POST", body: `body ${i}` })).status).toBe(200);
    session.close();
    await waitFor("every server stream closed", () => held.length >= 10 && held.every((s) => s.destroyed));
    expect(queryObjects(ProxyRequest, { format: "count" })).toBe(0);
    expect(held.length).toBeGreaterThanOrEqual(10);
  });
});
