// h1-own-parser-diff: differential property tests of the own HTTP/1.1 parser (pkg/proxy/h1/own-parser.ts)
// against node's strict llhttp binding (pkg/proxy/h1/h1-parser.ts), the parser it would replace: generated
// valid requests and responses (pipelined, CL and chunked bodies with extensions and trailers, HEAD
// answers, read-until-close bodies) and hostile ones (smuggling field lines spliced in, bytes inserted or
// replaced), each fed whole and split at random points. Both must agree on accept/reject (the HPE_* code),
// on every head field (method, target, version, status, reason, header list, upgrade, keep-alive), on
// every body byte and trailer, and on where the stream stopped.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fcParams } from "../support/fast-check-env.ts";
import { cuts, hostile, request, response } from "../support/h1-messages.ts";
import { llhttpTrace, pieces, RESPONSE_HEAD_BYTES } from "../support/h1-llhttp-trace.ts";
import { ownTrace } from "../support/h1-own-trace.ts";

const MAX = 16 * 1024;

function agree(kind: "request" | "response", bytes: Buffer, at: readonly number[], noBody: (i: number) => boolean = () => false, max = MAX): void {
  for (const split of [[], at]) {
    const parts = pieces(bytes, split);
    const eof = kind === "response";
    const bound = kind === "response" ? RESPONSE_HEAD_BYTES : max;
    expect(ownTrace(kind, parts, bound, noBody, eof)).toEqual(llhttpTrace(kind, parts, bound, noBody, eof));
  }
}

describe("own HTTP/1.1 parser agrees with node's llhttp", () => {
  it("on valid pipelined requests, whole and split", () => {
    fc.assert(fc.property(fc.array(request, { minLength: 1, maxLength: 3 }), cuts, (msgs, at) => {
      agree("request", Buffer.from(msgs.join(""), "latin1"), at);
    }), fcParams(400, 1801));
  });

  it("on valid responses (HEAD answers, 1xx, 204/304, until-close bodies), whole and split", () => {
    fc.assert(fc.property(fc.array(response, { minLength: 1, maxLength: 3 }), cuts, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), (msgs, at, heads) => {
      agree("response", Buffer.from(msgs.join(""), "latin1"), at, (i) => heads[i] ?? false);
    }), fcParams(400, 1802));
  });

  it("on hostile requests (smuggling lines, bad bytes), whole and split", () => {
    fc.assert(fc.property(hostile(fc.array(request, { minLength: 1, maxLength: 2 }).map((m) => m.join(""))), cuts, (bytes, at) => {
      agree("request", bytes, at);
    }), fcParams(1500, 1803));
  });

  it("on hostile responses, whole and split", () => {
    fc.assert(fc.property(hostile(fc.array(response, { minLength: 1, maxLength: 2 }).map((m) => m.join(""))), cuts, (bytes, at) => {
      agree("response", bytes, at);
    }), fcParams(1000, 1804));
  });

  it("on heavily edited requests (up to 8 byte edits)", () => {
    fc.assert(fc.property(request, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 8 }), cuts, (msg, edits, at) => {
      const bytes = [...Buffer.from(msg, "latin1")];
      for (const [pos, b, insert] of edits) {
        if (insert) bytes.splice(pos % (bytes.length + 1), 0, b);
        else bytes[pos % bytes.length] = b;
      }
      agree("request", Buffer.from(bytes), at);
    }), fcParams(1500, 1806));
  });

  it("on node's head-size bound (url, names and values), at small bounds", () => {
    fc.assert(fc.property(fc.array(request, { minLength: 1, maxLength: 2 }), fc.integer({ min: 2, max: 300 }), cuts, (msgs, max, at) => {
      agree("request", Buffer.from(msgs.join(""), "latin1"), at, () => false, max);
    }), fcParams(400, 1807));
  });

  it("on node's chunk-extension bound", () => {
    fc.assert(fc.property(fc.integer({ min: 16_370, max: 16_390 }), fc.nat(3), fc.boolean(), cuts, (n, split, quoted, at) => {
      const ext = quoted ? `;a="${"x".repeat(n - 4 - split)}";${"b".repeat(split)}` : `;${"e".repeat(n - split)};${"f".repeat(split)}=1`;
      const body = `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1${ext}\r\nx\r\n2;${"g".repeat(split * 5000)}\r\nyz\r\n0\r\n\r\n`;
      agree("request", Buffer.from(body, "latin1"), at.map((c) => c * 40));
    }), fcParams(100, 1808));
  });

  it("when heads pause the parser (as h1-connection's backpressure does) and parsing resumes on the rest", () => {
    fc.assert(fc.property(fc.array(request, { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), cuts, (msgs, pauses, at) => {
      const bytes = Buffer.from(msgs.join(""), "latin1");
      const pauseAt = (i: number) => pauses[i] ?? false;
      for (const split of [[], at]) {
        const parts = pieces(bytes, split);
        expect(ownTrace("request", parts, MAX, () => false, false, 10_000, pauseAt)).toEqual(llhttpTrace("request", parts, MAX, () => false, false, pauseAt));
      }
    }), fcParams(400, 1809));
  });

  it("on random bytes after a request line", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 60 }), cuts, (junk, at) => {
      agree("request", Buffer.concat([Buffer.from("POST / HTTP/1.1\r\n"), Buffer.from(junk)]), at);
    }), fcParams(500, 1805));
  });
});
