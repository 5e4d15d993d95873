// exchange-layers: the layers that serve a decided request to its end, each alone over a fake next, time
// on a manual clock — deadline (request timeout and grpc-timeout, what it stops, a leaving client), request
// body (buffered for replay or streamed, a broken or oversized stream), mirror (once, only replayable
// bodies, no filters ⇒ no layer) and relay (answer-side filters in order, trailers-only, a body cut short,
// an answer after the exchange is over, the attempt let go of once relayed).
import type { OutgoingHttpHeaders } from "node:http";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { FilterIR } from "../../../pkg/ir/types.ts";
import type { UpstreamResponse } from "../../../pkg/proxy/upstream/upstream-types.ts";
import { deadlineLayer as deadlineExchange } from "../../../pkg/proxy/stack/deadline-layer.ts";
import { type Mirror, mirrorLayer } from "../../../pkg/proxy/stack/mirror.ts";
import { relayLayer as relayExchange } from "../../../pkg/proxy/stack/relay-layer.ts";
import { requestBodyLayer as requestBodyExchange } from "../../../pkg/proxy/stack/request-body-layer.ts";
import type { Exchange, ExchangeReport, ProxyRequest } from "../../../pkg/proxy/stack/request.ts";
import { resolveLimits } from "../../../pkg/proxy/limits.ts";
import { ManualClock } from "../manual-clock.ts";
import { answerOf, exchanged, FakeAttempt, fakeOf, requestOf, scripted, settle } from "./fakes.ts";

// Each layer as a promise of what it reports (its end, or its failure as a rejection).
const deadlineLayer = (...a: Parameters<typeof deadlineExchange>) => exchanged(deadlineExchange(...a));
const requestBodyLayer = (...a: Parameters<typeof requestBodyExchange>) => exchanged(requestBodyExchange(...a));
const relayLayer = (...a: Parameters<typeof relayExchange>) => exchanged(relayExchange(...a));

/** A next Exchange that stays pending until released, recording the requests it got. */
function pendingExchange(): Exchange & { calls: ProxyRequest[]; release(): void } {
  const calls: ProxyRequest[] = [];
  const waiting: (() => void)[] = [];
  const f = (req: ProxyRequest, to: ExchangeReport) => {
    calls.push(req);
    waiting.push(() => to.done());
  };
  return Object.assign(f, { calls, release: () => {
    for (const r of waiting.splice(0)) r();
  } });
}

describe("deadline layer", () => {
  it("without a request timeout (and not gRPC) sets no timer", async () => {
    const clock = new ManualClock();
    const next = scripted<void>(undefined);
    await deadlineLayer(clock, undefined, () => {}, next)(requestOf());
    expect(clock.timersPending()).toEqual([]);
    expect(next.calls).toHaveLength(1);
  });

  it("answers 504 request_timeout when the deadline passes, stopping the attempt and the queue wait", () => {
    const clock = new ManualClock();
    const timedOut: ProxyRequest[] = [];
    const next = pendingExchange();
    const req = requestOf();
    const attempt = new FakeAttempt();
    let left = 0;
    void deadlineLayer(clock, 100, (r) => timedOut.push(r), next)(req);
    req.attempt = attempt;
    req.leaveQueue = () => {
      left++;
    };
    clock.advance(99);
    expect(fakeOf(req).events).toEqual([]);
    clock.advance(1);
    expect(fakeOf(req).events[0]).toBe("head 504");
    expect(fakeOf(req).sentHeaders?.["x-weft-error"]).toBe("request_timeout");
    expect([attempt.aborted, left, timedOut.length]).toEqual([1, 1, 1]);
  });

  it("a gRPC request's grpc-timeout wins when shorter, and answers DEADLINE_EXCEEDED", () => {
    const clock = new ManualClock();
    const req = requestOf({ h2: true, headers: { ":authority": "h", "content-type": "application/grpc", "grpc-timeout": "50m" } });
    void deadlineLayer(clock, 100, () => {}, pendingExchange())(req);
    expect(clock.timersPending()).toEqual([50]);
    clock.advance(50);
    expect(fakeOf(req).events).toEqual(["trailersOnly"]);
    expect(fakeOf(req).sentHeaders?.["grpc-status"]).toBe("4");
  });

  it("the timer goes once the exchange is served, and a leaving client stops the attempt", async () => {
    const clock = new ManualClock();
    const next = pendingExchange();
    const req = requestOf();
    const p = deadlineLayer(clock, 100, () => {}, next)(req);
    req.attempt = new FakeAttempt();
    fakeOf(req).close();
    expect((req.attempt as FakeAttempt).aborted).toBe(1);
    expect(clock.timersPending()).toEqual([]);
    const req2 = requestOf();
    const p2 = deadlineLayer(clock, 100, () => {}, next)(req2);
    expect(clock.timersPending()).toEqual([100]);
    next.release();
    await Promise.all([p, p2]);
    expect(clock.timersPending()).toEqual([]);
  });
});

describe("request body layer", () => {
  const limits = resolveLimits({ replayBufferBytes: 8, maxBodyBytes: 20 });

  it("no body: none goes up", async () => {
    const next = scripted<void>(undefined);
    await requestBodyLayer(limits, true, next)(requestOf());
    expect(next.calls[0]!.body).toBeUndefined();
  });

  it("for replay a small body is buffered, a gRPC or larger one streams; without replay it streams", async () => {
    const withBody = (text: string, extra: Parameters<typeof requestOf>[0] = {}) => {
      const req = requestOf({ withBody: true, ...extra });
      const body = fakeOf(req).body as import("node:stream").PassThrough;
      body.end(text);
      return req;
    };
    const next = scripted<void>(undefined, undefined, undefined, undefined);
    await requestBodyLayer(limits, true, next)(withBody("12345"));
    expect(next.calls[0]!.body).toEqual(Buffer.from("12345"));
    await requestBodyLayer(limits, true, next)(withBody("1234567890"));
    expect(Buffer.isBuffer(next.calls[1]!.body)).toBe(false);
    await requestBodyLayer(limits, true, next)(withBody("12", { headers: { host: "h", "content-type": "application/grpc" } }));
    expect(Buffer.isBuffer(next.calls[2]!.body)).toBe(false);
    await requestBodyLayer(limits, false, next)(withBody("12"));
    expect(Buffer.isBuffer(next.calls[3]!.body)).toBe(false);
  });

  it("a gRPC call's body that came whole with its head goes up as that Buffer when nothing replays it (within maxBodyBytes); else it streams", async () => {
    const grpc = { headers: { host: "h", "content-type": "application/grpc" } };
    const whole = (text: string, extra: Parameters<typeof requestOf>[0] = grpc) => {
      const req = requestOf({ withBody: true, ...extra });
      const down = fakeOf(req) as ReturnType<typeof fakeOf> & { wholeBody(): Buffer | undefined };
      down.wholeBody = () => Buffer.from(text);
      (down.body as import("node:stream").PassThrough).end(text);
      return req;
    };
    const next = scripted<void>(undefined, undefined, undefined, undefined);
    await requestBodyLayer(limits, false, next)(whole("12"));
    expect(next.calls[0]!.body).toEqual(Buffer.from("12"));
    // Replay composed (a retry or mirror): a gRPC body streams as before, whole or not.
    await requestBodyLayer(limits, true, next)(whole("12"));
    expect(Buffer.isBuffer(next.calls[1]!.body)).toBe(false);
    // Not gRPC: streams.
    await requestBodyLayer(limits, false, next)(whole("12", {}));
    expect(Buffer.isBuffer(next.calls[2]!.body)).toBe(false);
    // Past maxBodyBytes (20): streams, so the 413 comes as for any body.
    await requestBodyLayer(limits, false, next)(whole("x".repeat(21)));
    expect(Buffer.isBuffer(next.calls[3]!.body)).toBe(false);
  });

  it("a streamed body past maxBodyBytes is answered 413 and stops the attempt; one that breaks resets a started answer", async () => {
    const req = requestOf({ withBody: true });
    const next = pendingExchange();
    void requestBodyLayer(limits, false, next)(req);
    await settle();
    req.attempt = new FakeAttempt();
    const body = fakeOf(req).body as import("node:stream").PassThrough;
    body.on("data", () => {});
    body.write(Buffer.alloc(21));
    await settle();
    expect(fakeOf(req).events[0]).toBe("head 413");
    expect((req.attempt as FakeAttempt).aborted).toBe(1);

    const broken = requestOf({ withBody: true });
    void requestBodyLayer(limits, false, pendingExchange())(broken);
    await settle();
    fakeOf(broken).head(200, {});
    broken.attempt = new FakeAttempt();
    (fakeOf(broken).body as import("node:stream").PassThrough).destroy(new Error("client went"));
    await settle();
    expect(fakeOf(broken).events).toEqual(["head 200", "reset"]);
    expect((broken.attempt as FakeAttempt).aborted).toBe(1);
  });

  it("goes no further when the exchange ended while the body was read", async () => {
    const req = requestOf({ withBody: true });
    const next = scripted<void>(undefined);
    const p = requestBodyLayer(limits, true, next)(req);
    fakeOf(req).reset();
    (fakeOf(req).body as import("node:stream").PassThrough).end("1");
    await p;
    expect(next.calls).toHaveLength(0);
  });
});

describe("mirror layer", () => {
  const filter: Extract<FilterIR, { type: "RequestMirror" }> = { type: "RequestMirror", cluster: "ns/m:80", numerator: 1, denominator: 1 };

  it("no mirror filters: no layer", () => {
    const next = scripted<void>();
    expect(mirrorLayer({} as Mirror, [], () => {}, next)).toBe(next);
  });

  it("sends the request as it goes upstream, once, when its body is replayable; a streamed body is not mirrored", async () => {
    const sent: { path: string; authority: string; headers: OutgoingHttpHeaders; body: Buffer | undefined }[] = [];
    const mirror = { send: (_f: unknown, _s: unknown, r: (typeof sent)[number], onSent: (c: string) => void) => {
      sent.push(r);
      onSent("ns/m:80");
    } } as unknown as Mirror;
    const counted: string[] = [];
    const next = scripted<void>(undefined, undefined);
    const layer = exchanged(mirrorLayer(mirror, [filter], (req, c) => counted.push(`${req.routeLabel} ${c}`), next));
    const req = requestOf({ target: "/p?q=1" });
    req.body = Buffer.from("b");
    await layer(req);
    expect(sent).toEqual([{ method: "GET", path: "/p?q=1", authority: "example.test", headers: req.headers, body: Buffer.from("b") }]);
    expect(counted).toEqual(["none ns/m:80"]);
    const streamed = requestOf();
    streamed.body = fakeOf(streamed).body;
    await layer(streamed);
    expect(sent).toHaveLength(1);
    expect(next.calls).toHaveLength(2);
  });
});

describe("relay layer", () => {
  const mod = (name: string, value: string) => ({ set: [{ name, value }], add: [], remove: [] });

  it("relays status, answer-side filters in order, CORS and the session token, then the body; the answer is finished", async () => {
    const t = answerOf(200, { "content-type": "text/plain", connection: "keep-alive", "x-up": "1", "set-cookie": ["a=1"] });
    const req = requestOf();
    req.corsHeaders = { "access-control-allow-origin": "*" };
    req.sessionHeaders = { "set-cookie": ["s=t"] };
    const p = relayLayer([mod("x-up", "rule"), mod("x-up", "backend")], undefined, scripted<UpstreamResponse>(t))(req);
    await settle();
    t.response.body.end("hello");
    await p;
    const d = fakeOf(req);
    expect(d.events).toEqual(["head 200", "hello", "end"]);
    expect(d.sentHeaders).toEqual({ "content-type": "text/plain", "x-up": "backend", "set-cookie": ["a=1", "s=t"], "access-control-allow-origin": "*" });
    expect(t.outcomes).toEqual(["relayed"]);
  });

  it("an h2 trailers-only answer stays one", async () => {
    const t = answerOf(200, { "content-type": "application/grpc", "grpc-status": "5" });
    (t.response as { endStream: boolean }).endStream = true;
    const req = requestOf({ h2: true, headers: { ":authority": "h", "content-type": "application/grpc" } });
    await relayLayer([], undefined, scripted<UpstreamResponse>(t))(req);
    expect(fakeOf(req).events).toEqual(["trailersOnly"]);
    expect(t.outcomes).toEqual(["relayed"]);
  });

  it("a body cut short upstream resets the exchange instead of ending it", async () => {
    const t = answerOf(200);
    const req = requestOf();
    const p = relayLayer([], undefined, scripted<UpstreamResponse>(t))(req);
    await settle();
    t.response.body.write("part");
    t.response.body.destroy();
    await p;
    expect(fakeOf(req).events).toEqual(["head 200", "part", "reset"]);
    // node ends an h2 stream the peer reset (RST_STREAM) as if complete: its rstCode tells.
    const rst = answerOf(200);
    const req2 = requestOf();
    const q = relayLayer([], undefined, scripted<UpstreamResponse>(rst))(req2);
    await settle();
    Object.assign(rst.response.body, { rstCode: 8 });
    rst.response.body.end("part");
    await q;
    expect(fakeOf(req2).events).toEqual(["head 200", "part", "reset"]);
  });

  it("once the answer is relayed the request lets go of its attempt, unless a request body still streams into it", async () => {
    const t = answerOf(200);
    const req = requestOf();
    const p = relayLayer([], undefined, scripted<UpstreamResponse>(t))(req);
    await settle();
    expect(req.attempt).toBe(t.attempt);
    t.response.body.end("done");
    await p;
    expect([t.outcomes, req.attempt]).toEqual([["relayed"], undefined]);
    const streaming = answerOf(200);
    const req2 = requestOf();
    req2.body = new PassThrough();
    const q = relayLayer([], undefined, scripted<UpstreamResponse>(streaming))(req2);
    await settle();
    streaming.response.body.end("done");
    await q;
    expect([streaming.outcomes, req2.attempt]).toEqual([["relayed"], streaming.attempt]);
  });

  it("an answer that comes after the exchange is over is dropped unread; none at all is nothing to relay", async () => {
    const t = answerOf(200);
    const req = requestOf();
    fakeOf(req).reset();
    await relayLayer([], undefined, scripted<UpstreamResponse>(t))(req);
    expect([t.attempt.aborted, t.outcomes]).toEqual([1, ["dropped"]]);
    const quiet = requestOf();
    await relayLayer([], undefined, scripted<undefined>(undefined))(quiet);
    expect(fakeOf(quiet).events).toEqual([]);
  });
});
