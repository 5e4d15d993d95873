// client-gone: a client that goes away before the answer's head stops the upstream attempt, whatever it
// spoke: the HTTP/1.1 or h2 upstream sees its request go away at once (the connection closed, or the
// stream reset), instead of working on until it answers a request nobody waits for. An HTTP/1.1
// exchange is finished the moment its connection closes (nothing may write to it any more): the attempt
// must still be stopped.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, startH2Echo, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";

let h1Up: Echo, h2Up: Echo;
let proxy: ProxyUnderTest;
/** Requests the upstreams received, and those whose answer went away unanswered. */
const received: string[] = [];
const gone: string[] = [];

/** Never answers; records the request and its going away. */
const hold = (req: { url?: string }, res: { on(e: "close", f: () => void): unknown; writableEnded: boolean }): boolean => {
  const url = String(req.url);
  received.push(url);
  res.on("close", () => {
    if (!res.writableEnded) gone.push(url);
  });
  return true;
};

beforeAll(async () => {
  h1Up = await startEcho("h1-up", hold as never);
  h2Up = await startH2Echo("h2-up", hold as never);
  proxy = await startProxy(meshIR([cluster("ns/h1:80", [endpoint(h1Up.port)]), cluster("ns/h2:80", [endpoint(h2Up.port)], "h2c")]), tables([
    { matches: [prefix("/h1")], backends: [backend("ns/h1:80")] },
    { matches: [prefix("/h2")], backends: [backend("ns/h2:80")] },
  ]));
});

afterAll(async () => {
  await proxy.close();
  await Promise.all([h1Up.close(), h2Up.close()]);
});

describe("a client that leaves before the answer stops the upstream attempt", () => {
  for (const up of ["h1", "h2"]) {
    it(`an HTTP/1.1 client closing its connection (upstream ${up})`, async () => {
      const path = `/${up}/from-h1`;
      const s = connect(proxy.port, "127.0.0.1");
      s.on("error", () => {});
      s.write(`GET ${path} HTTP/1.1\r\nhost: x\r\n\r\n`);
      await vi.waitFor(() => expect(received).toContain(path), { timeout: 5_000, interval: 10 });
      s.destroy();
      await vi.waitFor(() => expect(gone).toContain(path), { timeout: 2_000, interval: 10 });
    });
    it(`an h2 client resetting its stream (upstream ${up})`, async () => {
      const path = `/${up}/from-h2`;
      const session = h2session(proxy.port);
      const st = session.request({ ":path": path });
      st.on("error", () => {});
      await vi.waitFor(() => expect(received).toContain(path), { timeout: 5_000, interval: 10 });
      st.close(8);
      await vi.waitFor(() => expect(gone).toContain(path), { timeout: 2_000, interval: 10 });
      session.close();
    });
  }
});
