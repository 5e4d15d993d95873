// rescue: every failure kind becomes exactly one well-formed answer — HTTP status + x-weft-error, or a
// gRPC trailers-only answer with the mapped code — never a second one, and a reset once headers went out.
// fast-check drives random sequences of failures against a recording downstream.
import fc from "fast-check";
import type { OutgoingHttpHeaders } from "node:http";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Downstream } from "../../pkg/proxy/downstream.ts";
import { failure, rescue, type FailureKind } from "../../pkg/proxy/rescue.ts";
import { fcParams } from "../support/fast-check-env.ts";

class RecordingDownstream implements Downstream {
  readonly h2: boolean;
  readonly method = "GET";
  readonly target = "/";
  readonly headers = {};
  readonly rawHeaders: string[] = [];
  readonly body = new PassThrough();
  readonly remoteAddress = "127.0.0.1";
  status = 0;
  bytes = 0;
  grpcStatus: number | undefined;
  events: { kind: string; status?: number; headers?: OutgoingHttpHeaders }[] = [];
  private sent = false;
  private done = false;
  constructor(h2: boolean) {
    this.h2 = h2;
  }
  hasBody() {
    return false;
  }
  started() {
    return this.sent || this.done;
  }
  finished() {
    return this.done;
  }
  head(status: number, headers: OutgoingHttpHeaders) {
    if (this.sent) throw new Error("second head");
    this.sent = true;
    this.status = status;
    this.events.push({ kind: "head", status, headers });
  }
  write(c: Buffer) {
    this.bytes += c.length;
    return true;
  }
  onDrain() {}
  end() {
    if (this.done) throw new Error("second end");
    this.done = true;
    this.events.push({ kind: "end" });
  }
  trailersOnly(headers: OutgoingHttpHeaders) {
    if (this.sent) throw new Error("trailers after head");
    this.sent = true;
    this.done = true;
    this.events.push({ kind: "trailersOnly", headers });
  }
  reset() {
    this.done = true;
    this.events.push({ kind: "reset" });
  }
  onClose() {}
  /** Pretend the upstream answer already started. */
  startStreaming() {
    this.head(200, {});
    this.events = [];
  }
}

const kinds: FailureKind[] = ["no_route", "no_listener", "misdirected", "invalid_backend", "no_backends", "unknown_cluster", "no_endpoints", "upstream_timeout", "request_timeout", "upstream_connect",
  "upstream_reset", "upstream_tls", "body_too_large", "headers_too_large", "bad_request", "bad_path", "unsupported_filter", "draining", "internal"];

describe("rescue", () => {
  it("maps the spec'd kinds to their HTTP status and gRPC code", () => {
    const cases: [FailureKind, number, number][] = [["no_route", 404, 12], ["invalid_backend", 500, 14], ["no_endpoints", 503, 14], ["request_timeout", 504, 4], ["upstream_timeout", 504, 4], [
      "misdirected",
      421,
      14,
    ], ["body_too_large", 413, 8]];
    for (const [kind, status, code] of cases) {
      const h = new RecordingDownstream(false);
      rescue(h, failure(kind), false);
      expect(h.events[0]).toMatchObject({ kind: "head", status });
      expect(h.events[0]?.headers?.["x-weft-error"]).toBe(kind);
      const g = new RecordingDownstream(true);
      rescue(g, failure(kind), true);
      expect(g.events).toHaveLength(1);
      expect(g.events[0]?.kind).toBe("trailersOnly");
      expect(g.events[0]?.headers?.["grpc-status"]).toBe(String(code));
    }
  });
  it("unknown errors become internal without echoing their message", () => {
    const h = new RecordingDownstream(false);
    expect(rescue(h, new Error("secret token abc"), false)).toBe("internal");
    expect(JSON.stringify(h.events)).not.toContain("secret token");
  });
  it("property: any sequence of failures yields exactly one terminal answer; after headers, only a reset", () => {
    fc.assert(fc.property(fc.boolean(), fc.boolean(), fc.boolean(), fc.array(fc.constantFrom(...kinds), { minLength: 1, maxLength: 5 }), (h2, grpc, streaming, seq) => {
      const d = new RecordingDownstream(h2);
      if (streaming) d.startStreaming();
      for (const k of seq) expect(() => rescue(d, failure(k), grpc)).not.toThrow();
      const terminal = d.events.filter((e) => e.kind === "end" || e.kind === "trailersOnly" || e.kind === "reset");
      expect(terminal).toHaveLength(1);
      if (streaming) expect(d.events.map((e) => e.kind)).toEqual(["reset"]);
      else expect(d.events.filter((e) => e.kind === "head" || e.kind === "trailersOnly")).toHaveLength(1);
    }), fcParams(300, 11));
  });
});
