// hops-units: the pieces the multi-hop tests rely on, as properties. rpcAttributesOf gives rpc.* only
// for `/service/method` paths and never throws; grpcStatusOf reads grpc-status 0–16 from trailers first;
// a propagator configured for tracecontext then b3 keeps the received tracestate when both formats
// name the same span, and lets B3 win (without a foreign tracestate) when they disagree.
import fc from "fast-check";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { grpcStatusOf, rpcAttributesOf } from "../../pkg/telemetry/index.ts";
import { buildPropagator, headerFnGetter } from "../../pkg/telemetry/propagation.ts";

const segment = fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/);
const hexId = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)).filter((s) => !/^0+$/.test(s));
const tracestate = fc.array(fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/), fc.stringMatching(/^[a-z0-9]{1,8}$/)), { minLength: 1, maxLength: 4 })
  .map((kv) => [...new Map(kv)].map(([k, v]) => `${k}=${v}`).join(","));

describe("rpcAttributesOf", () => {
  it("names service and method of /service/method", () => {
    fc.assert(fc.property(segment, segment, (svc, method) => {
      expect(rpcAttributesOf(`/${svc}/${method}`)).toEqual({ "rpc.system": "grpc", "rpc.service": svc, "rpc.method": method });
    }));
  });
  it("gives nothing for other shapes and never throws", () => {
    fc.assert(fc.property(fc.string(), (path) => {
      const a = rpcAttributesOf(path);
      const parts = path.split("/");
      const shaped = parts.length === 3 && parts[0] === "" && parts[1] !== "" && parts[2] !== "" && !path.includes("?");
      expect(Object.keys(a).length === 3).toBe(shaped);
    }));
    expect(rpcAttributesOf("/a/b/c")).toEqual({});
    expect(rpcAttributesOf("/svc/m?x=1")).toEqual({});
  });
});

describe("grpcStatusOf", () => {
  it("reads 0–16 from the first source that has one, ignores the rest", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 16 }), (t, h) => {
      expect(grpcStatusOf({ "grpc-status": String(t) }, { "grpc-status": String(h) })).toBe(t);
      expect(grpcStatusOf(undefined, { "grpc-status": String(h) })).toBe(h);
      expect(grpcStatusOf({}, { "grpc-status": [String(h)] })).toBe(h);
    }));
    for (const bad of ["17", "-1", "1.5", "x", ""]) expect(grpcStatusOf({ "grpc-status": bad })).toBeUndefined();
  });
});

describe("tracestate across a tracecontext + b3 hop", () => {
  const extract = (headers: Record<string, string>) => trace.getSpanContext(buildPropagator(["tracecontext", "b3"]).extract(ROOT_CONTEXT, (n: string) => headers[n], headerFnGetter));

  it("kept when traceparent and b3 name the same span", () => {
    fc.assert(fc.property(hexId(32), hexId(16), tracestate, (tid, sid, ts) => {
      const sc = extract({ traceparent: `00-${tid}-${sid}-01`, tracestate: ts, b3: `${tid}-${sid}-1` });
      expect(sc?.traceId).toBe(tid);
      expect(sc?.spanId).toBe(sid);
      expect(sc?.traceState?.serialize()).toBe(ts);
    }));
  });

  it("not borrowed when b3 names another span (b3, listed later, wins)", () => {
    fc.assert(fc.property(hexId(32), hexId(16), hexId(16), tracestate, (tid, sid, other, ts) => {
      fc.pre(sid !== other);
      const sc = extract({ traceparent: `00-${tid}-${sid}-01`, tracestate: ts, b3: `${tid}-${other}-1` });
      expect(sc?.spanId).toBe(other);
      expect(sc?.traceState).toBeUndefined();
    }));
  });
});
