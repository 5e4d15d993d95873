// h1-answers-property: fast-check over arbitrary byte streams for the HTTP/1.1 front's invariant "if the
// backend received a request, the client receives that request's answer, in order". A stream mixes valid
// requests (GET, Content-Length and chunked POSTs, HTTP/1.0, Connection: close, ignored h2c Upgrade
// offers, bursts of more than 32 pipelined GETs) with malformed chunked bodies and arbitrary bytes, ends
// with a closing GET, and is cut at arbitrary points. For every request the backend logged (at its head),
// in order, the client got that request's answer — the backend's own when the backend got the whole
// request, else a 400/408 from the proxy; at most one more answer follows (a refusal), and the
// connection always ends.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { h1, sendInPieces } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startLoggingBackend, startProxy, tables, until, type LoggingBackend, type ProxyUnderTest } from "./fixtures.ts";
import { fcParams } from "../support/fast-check-env.ts";

let be: LoggingBackend;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  be = await startLoggingBackend();
  proxy = await startProxy(meshIR([cluster("ns/b:80", [endpoint(be.port)])]), tables([{ matches: [prefix("/")], backends: [backend("ns/b:80")] }]), {
    limits: { headersTimeoutMs: 400, bodyIdleTimeoutMs: 300, requestTimeoutMs: 2000, idleTimeoutMs: 2000 },
  });
});

afterAll(async () => {
  await proxy.close();
  await be.close();
});

type Item =
  | { kind: "get"; close: boolean; http10: boolean; h2c: boolean }
  | { kind: "cl" | "chunked"; body: string }
  | { kind: "burst"; n: number }
  | { kind: "badChunked"; bad: string }
  | { kind: "junk"; bytes: Uint8Array };

const badChunks = ["ffffffffffffffffffff\r\n", "0x5\r\nhello\r\n0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n", " 5\r\nhello\r\n0\r\n\r\n", `5;${"e".repeat(20_000)}\r\nhello\r\n0\r\n\r\n`, "5\nhello\n0\n\n",
  "5\r\nhelloXX0\r\n\r\n", "0\r\ncontent-length: 5\r\n\r\n"];

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("get" as const), close: fc.boolean(), http10: fc.boolean(), h2c: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom("cl" as const, "chunked" as const), body: fc.stringMatching(/^[a-z0-9]{1,30}$/) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("burst" as const), n: fc.integer({ min: 30, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("badChunked" as const), bad: fc.constantFrom(...badChunks) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("junk" as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) }) },
);

/** The wire bytes of a case; request ids are `<tag>-<n>` in order. */
function render(items: Item[], tag: string): Buffer {
  let n = 0;
  const head = (method: string, extra: string, version = "1.1") => `${method} /x HTTP/${version}\r\nHost: a\r\nx-id: ${tag}-${n++}\r\n${extra}\r\n`;
  const parts: Buffer[] = [];
  for (const it of items) {
    let s = "";
    switch (it.kind) {
      case "get":
        s = head("GET",
          `${it.close ? "Connection: close\r\n" : it.http10 ? "Connection: keep-alive\r\n" : ""}${it.h2c ? "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n" : ""}`,
          it.http10 ? "1.0" : "1.1");
        break;
      case "cl":
        s = head("POST", `Content-Length: ${it.body.length}\r\n`) + it.body;
        break;
      case "chunked":
        s = head("POST", "Transfer-Encoding: chunked\r\n") + `${it.body.length.toString(16)}\r\n${it.body}\r\n0\r\n\r\n`;
        break;
      case "burst":
        for (let i = 0; i < it.n; i++) s += head("GET", "");
        break;
      case "badChunked":
        s = head("POST", "Transfer-Encoding: chunked\r\n") + `3\r\nabc\r\n${it.bad}`;
        break;
      case "junk":
        parts.push(Buffer.from(it.bytes));
        continue;
    }
    parts.push(Buffer.from(s, "latin1"));
  }
  parts.push(Buffer.from(head("GET", "Connection: close\r\n"), "latin1"));
  return Buffer.concat(parts);
}

interface Answer {
  status: number;
  id: string | undefined;
}

/** The HTTP/1.1 answers in `data`, in order (interim 1xx skipped); a cut-short last answer is dropped. */
function answersOf(data: Buffer): Answer[] {
  const out: Answer[] = [];
  let at = 0;
  for (;;) {
    const end = data.indexOf("\r\n\r\n", at);
    if (end === -1) return out;
    const head = data.toString("latin1", at, end);
    const m = /^HTTP\/1\.1 (\d{3}) /.exec(head);
    if (m === null) throw new Error(`not an answer at ${at}: ${JSON.stringify(head.slice(0, 40))}`);
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    const status = Number(m[1]);
    if (status >= 200 && end + 4 + len > data.length) return out;
    const body = data.toString("latin1", end + 4, end + 4 + len);
    at = end + 4 + (status >= 200 ? len : 0);
    if (status >= 200) out.push({ status, id: /^id=([^;]*);$/.exec(body)?.[1] });
  }
}

let run = 0;
it("for every request the backend logged, the client got its answer, in order", { timeout: 240_000 }, async () => {
  await fc.assert(fc.asyncProperty(fc.array(itemArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 10 }), async (items, cuts) => {
    const tag = `r${run++}`;
    const { data, closed } = await sendInPieces(proxy.port, render(items, tag), cuts, 6000, 2);
    expect(closed).toBe(true);
    // A request the proxy handed on may reach the backend just after the client saw its 400: let it land.
    await until(() => be.inFlight === 0, 2000);
    // The backend logs in arrival order (pipelined requests travel on parallel connections): request order is the id's.
    const nth = (id: string) => Number(id.slice(tag.length + 1));
    const logged = be.logged.filter((l) => l.id.startsWith(`${tag}-`)).sort((a, b) => nth(a.id) - nth(b.id));
    const answers = answersOf(data);
    logged.forEach((l, i) => {
      const a = answers[i];
      expect(a, `answer to ${l.id}`).toBeDefined();
      if (l.complete) expect(a).toEqual({ status: 200, id: l.id });
      else expect([400, 408]).toContain(a!.status);
    });
    expect(answers.length).toBeLessThanOrEqual(logged.length + 1);
    for (const extra of answers.slice(logged.length)) expect(extra.status).toBeGreaterThanOrEqual(400);
  }), fcParams(60, 20261014));
  expect((await h1(proxy.port, "/health", { headers: { "x-id": "health" } })).status).toBe(200);
});
