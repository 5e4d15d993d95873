// h2-own-face: the proxy's downstream HTTP/2 face on its own framing (limits.h2Face "own",
// front/h2-own-front.ts, front/h2-own-downstream.ts), for what node's face shows differently: a stream the
// proxy answered lets go of its exchange while the client's session stays open (a request body included,
// and an answer given before the client finished its body: RST_STREAM NO_ERROR, RFC 9113 §8.1), and the
// request body's bytes reopen the client's window only as they are read. Counts use v8.queryObjects after
// a full GC. Loopback only.
import type { ClientHttp2Stream } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { H2OwnDownstream } from "../../pkg/proxy/front/h2-own-downstream.ts";
import { ProxyRequest } from "../../pkg/proxy/stack/request.ts";
import { h2, h2session } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startH2Echo, startProxy, tables, type Echo, type ProxyUnderTest } from "./fixtures.ts";
import { liveCount as live, untilTrue as until } from "../support/live-objects.ts";

let echo: Echo;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  echo = await startH2Echo("h2");
  proxy = await startProxy(meshIR([cluster("ns/h2:80", [endpoint(echo.port)], "h2c")]), tables([{ matches: [prefix("/")], backends: [backend("ns/h2:80")] }]), {
    limits: { h2Face: "own" },
  });
});

afterAll(async () => {
  await proxy.close();
  await echo.close();
});

describe("the own HTTP/2 face", () => {
  it("answered streams, with and without a request body, hold no exchange while the session stays open", { timeout: 20_000 }, async () => {
    const session = h2session(proxy.port);
    try {
      for (let i = 0; i < 10; i++) {
        expect((await h2(session, `/get/${i}`)).status).toBe(200);
        const r = await h2(session, `/upload/${i}`, { method: "POST", body: `body ${i}` });
        expect(r.status).toBe(200);
        expect(r.body).toContain(`body ${i}`);
      }
      await until("no exchange held", () => live(H2OwnDownstream) === 0 && live(ProxyRequest) === 0);
      expect(live(H2OwnDownstream)).toBe(0);
    } finally {
      session.close();
    }
  });

  it("a request body larger than the stream window arrives whole (its window reopens as it is read)", { timeout: 20_000 }, async () => {
    const session = h2session(proxy.port);
    try {
      const big = "x".repeat(300_000);
      const r = await h2(session, "/big", { method: "POST", body: big });
      expect(r.status).toBe(200);
      expect(r.body).toContain(big);
    } finally {
      session.close();
    }
  });

  it("a stream answered before the client ended its body is closed for it with RST_STREAM NO_ERROR", { timeout: 20_000 }, async () => {
    // Only /only is routed: the proxy answers 404 at once, while the client's body is still open.
    const narrow = await startProxy(meshIR([cluster("ns/h2:80", [endpoint(echo.port)], "h2c")]), tables([{ matches: [prefix("/only")], backends: [backend("ns/h2:80")] }]), {
      limits: { h2Face: "own" },
    });
    const session = h2session(narrow.port);
    try {
      const st: ClientHttp2Stream = session.request({ ":method": "POST", ":path": "/early" }, { endStream: false });
      st.write("part");
      let status = 0;
      const code = await new Promise<number>((resolve) => {
        st.on("response", (h) => {
          status = Number(h[":status"]);
          st.resume();
        });
        st.on("close", () => resolve(st.rstCode ?? -1));
        st.on("error", () => {});
        setTimeout(() => resolve(-2), 5000);
      });
      expect(status).toBe(404);
      expect(code).toBe(0);
    } finally {
      session.close();
      await narrow.close();
    }
  });
});
