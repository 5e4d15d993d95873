// retry-loop: decisions of the retry layer (stack/retry-layer.ts) and the layers below it that the
// retry-policy tests do not reach.
// - A retry leaves a session's pinned endpoint: the pin chooses the first try only; the retry avoids the
//   endpoint that failed even when the request's session token names it (and the answer re-pins).
// - The retry budget is fed by requests: with no time-based floor, each request deposits the tokens its
//   own retry spends; a budget fed by nothing refuses the retry.
// - A request waiting out its backoff holds no backend slot: under maxRequests 1 another request is
//   answered while the first one's backoff is still pending (on an injected clock), whether its first try
//   got a retryable status or a connection error.
// - Each attempt feeds the balancer's endpoint figures (power of two choices over peak-EWMA × in-flight,
//   random() = 0 so endpoints 0 and 1 are weighed and a tie goes to 0, time on an injected clock): an
//   answered attempt leaves nothing in flight, its latency counts, a failed one counts as slow.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RetryIR, RuleIR } from "../../pkg/ir/types.ts";
import { encodeToken } from "../../pkg/proxy/stack/session-persistence.ts";
import { h1 } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, refusingPort, startProxy, tables, until, type ProxyUnderTest } from "./fixtures.ts";
import { ManualClock } from "./manual-clock.ts";

const seen: string[] = [];
const servers: Server[] = [];

async function serve(name: string, status: (n: number, url: string) => number): Promise<number> {
  const s = createServer((req, res) => {
    seen.push(`${name} ${req.url}`);
    const n = seen.filter((x) => x === `${name} ${req.url}`).length;
    const code = status(n, req.url ?? "");
    if (code === 0) {
      req.socket.resetAndDestroy(); // a connection error, not an answer
      return;
    }
    req.resume();
    res.writeHead(code);
    res.end(name);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return (s.address() as AddressInfo).port;
}

const retry = (attempts: number, codes: number[]): RetryIR => ({ codes, attempts, backoffMs: 1 });
const triesOf = (url: string) => seen.filter((s) => s.endsWith(` ${url}`));

afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

describe("a retry leaves the session's pinned endpoint", () => {
  let proxy: ProxyUnderTest;
  let failingPort = 0;
  beforeAll(async () => {
    const healthy = await serve("e0", () => 200);
    failingPort = await serve("e1", () => 503);
    const t = tables([{ matches: [prefix("/pinned")], backends: [backend("ns/pair:80")], retry: retry(1, [503]) }]);
    const sticky = (r: RuleIR): RuleIR => ({ ...r, sessionPersistence: { type: "Cookie", name: "weft-s", lifetimeType: "Permanent", absoluteTimeoutMs: 3_600_000 } });
    // random() = 0: power-of-two-choices weighs endpoints 0 and 1 and a tie goes to 0, so only the
    // token sends a first try to endpoint 1.
    proxy = await startProxy(meshIR([cluster("ns/pair:80", [endpoint(healthy), endpoint(failingPort)])]), { ...t, http: { ...t.http, rules: t.http.rules.map(sticky) } }, {
      random: () => 0,
    });
  });
  afterAll(async () => {
    await proxy.close();
  });

  it("the first try goes to the pinned endpoint, the retry to the other one, and the answer re-pins", async () => {
    const token = encodeToken({ cluster: "ns/pair:80", endpoint: `127.0.0.1:${failingPort}` }, Date.now());
    const r = await h1(proxy.port, "/pinned/1", { headers: { cookie: `weft-s=${token}` } });
    expect(triesOf("/pinned/1")).toEqual(["e1 /pinned/1", "e0 /pinned/1"]);
    expect(r.status).toBe(200);
    expect(r.body).toBe("e0");
    expect(String(r.headers["set-cookie"] ?? "")).toMatch(/^weft-s=/);
  });
});

describe("the retry budget is fed by requests", () => {
  const proxies: ProxyUnderTest[] = [];
  let flaky = 0;
  beforeAll(async () => {
    flaky = await serve("flaky", (n) => (n === 1 ? 503 : 200));
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.close()));
  });
  const proxyWith = async (budget: { ratio: number; floorPerSecond: number }) => {
    const p = await startProxy(meshIR([cluster("ns/flaky:80", [endpoint(flaky)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/flaky:80")], retry: retry(1, [503]) }]), {
      retryBudget: budget,
    });
    proxies.push(p);
    return p;
  };

  it("no floor, one token per request: the request's own deposit pays for its retry", async () => {
    const r = await h1((await proxyWith({ ratio: 1, floorPerSecond: 0 })).port, "/fed");
    expect(triesOf("/fed")).toEqual(["flaky /fed", "flaky /fed"]);
    expect(r.status).toBe(200);
  });

  it("no floor and no deposit: the retry is refused and the first answer stands", async () => {
    const r = await h1((await proxyWith({ ratio: 0, floorPerSecond: 0 })).port, "/starved");
    expect(triesOf("/starved")).toEqual(["flaky /starved"]);
    expect(r.status).toBe(503);
  });
});

describe("a request waiting out its backoff holds no backend slot", () => {
  const clock = new ManualClock();
  let proxy: ProxyUnderTest;
  beforeAll(async () => {
    const port = await serve("capped", (n, url) => (n > 1 ? 200 : url.startsWith("/retried/status") ? 503 : url.startsWith("/retried/reset") ? 0 : 200));
    const capped = { ...cluster("ns/capped:80", [endpoint(port)]), limits: { maxRequests: 1 } };
    proxy = await startProxy(meshIR([capped]), tables([
      { matches: [prefix("/retried")], backends: [backend("ns/capped:80")], retry: { codes: [503], attempts: 1, backoffMs: 1000 } },
      { matches: [prefix("/plain")], backends: [backend("ns/capped:80")] },
    ]), {
      clock,
      retryBudget: { ratio: 1, floorPerSecond: 1000 },
    });
  });
  afterAll(async () => {
    await proxy.close();
  });

  for (const cause of ["status", "reset"]) {
    it(`under maxRequests 1, a second request is answered during the first one's backoff (first try: ${cause})`, async () => {
      const first = h1(proxy.port, `/retried/${cause}`);
      await until(() => clock.pending().length > 0);
      const second = await h1(proxy.port, `/plain/${cause}`);
      expect(second.status).toBe(200);
      expect(clock.pending()).toEqual([1000]);
      clock.advance(1000);
      expect((await first).status).toBe(200);
      expect(triesOf(`/retried/${cause}`)).toEqual([`capped /retried/${cause}`, `capped /retried/${cause}`]);
    });
  }
});

describe("each attempt feeds the balancer's endpoint figures", () => {
  const clock = new ManualClock();
  let held: (() => void) | undefined;
  let proxy: ProxyUnderTest;
  let refusing: ProxyUnderTest;
  beforeAll(async () => {
    const fast = await serve("fast", () => 200);
    // Answers once the test lets it, so an attempt's latency is what the test advanced the clock by.
    const slow = createServer((req, res) => {
      seen.push(`slow ${req.url}`);
      req.resume();
      held = () => {
        held = undefined;
        res.writeHead(200);
        res.end("slow");
      };
    });
    servers.push(slow);
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    const slowPort = (slow.address() as AddressInfo).port;
    const route = tables([{ matches: [prefix("/")], backends: [backend("ns/two:80")] }]);
    proxy = await startProxy(meshIR([cluster("ns/two:80", [endpoint(fast), endpoint(slowPort)])]), route, { clock, random: () => 0 });
    refusing = await startProxy(meshIR([cluster("ns/two:80", [endpoint(await refusingPort()), endpoint(slowPort)])]), route, { clock, random: () => 0 });
  });
  afterAll(async () => {
    await Promise.all([proxy.close(), refusing.close()]);
  });

  it("answered attempts leave nothing in flight: at equal cost the tie keeps going to endpoint 0", async () => {
    for (const n of [1, 2, 3]) expect((await h1(proxy.port, `/tie/${n}`)).body).toBe("fast");
  });

  it("a refused attempt counts as slow (250 ms) and leaves nothing in flight; an answered one counts its latency", async () => {
    expect((await h1(refusing.port, "/r1")).status).toBe(503); // endpoint 0 refuses: 250 ms from now on
    const r2 = h1(refusing.port, "/r2"); // endpoint 1 costs less: it takes the request
    await until(() => held !== undefined);
    clock.advance(300);
    held!();
    expect((await r2).body).toBe("slow"); // endpoint 1 took 300 ms
    // 250 × 1 in flight beats 300: endpoint 0 again (were its refused attempt still in flight, 250 × 3 would lose).
    expect((await h1(refusing.port, "/r3")).status).toBe(503);
    expect(seen.filter((x) => x.startsWith("slow /r"))).toEqual(["slow /r2"]);
  });
});
