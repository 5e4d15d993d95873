// grpc: gRPC through the proxy over h2c with a real @grpc/grpc-js client and server: unary with trailing
// metadata, all three streaming kinds, upstream error statuses passed through, rule header filters seen
// upstream, unmatched ⇒ UNIMPLEMENTED, invalid backend ⇒ UNAVAILABLE, rule timeout and client deadline
// ⇒ DEADLINE_EXCEEDED with the upstream call cancelled (spec §9, §11).
import * as grpc from "@grpc/grpc-js";
import { connect as h2connect } from "node:http2";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { backend, cluster, endpoint, grpcMethod, invalidBackend, meshIR, seeded, startProxy, tables, type ProxyUnderTest } from "./fixtures.ts";
import { EchoClient, startGrpcEcho, unary, type GrpcEcho } from "./grpc-fixture.ts";

let up: GrpcEcho;
let up2: GrpcEcho;
let proxy: ProxyUnderTest;
let client: grpc.Client;

beforeAll(async () => {
  up = await startGrpcEcho("g1");
  up2 = await startGrpcEcho("g2");
  proxy = await startProxy(meshIR([cluster("ns/g:50051", [endpoint(up.port)], "grpc"), cluster("ns/g2:50051", [endpoint(up2.port)], "grpc")]), tables([
    { matches: [grpcMethod("test.Weighted", "Unary")], backends: [backend("ns/g:50051", 70), backend("ns/g2:50051", 30), invalidBackend(0)],
      filters: [{ type: "URLRewrite", path: { type: "ReplaceFullPath", value: "/test.Echo/Unary" } }] },
    { matches: [grpcMethod("test.Echo", "Unary")], backends: [backend("ns/g:50051")], filters: [{ type: "RequestHeaderModifier", set: [{ name: "x-added", value: "yes" }], add: [], remove: [] }] },
    { matches: [grpcMethod("test.Echo", "Slow")], backends: [backend("ns/g:50051")], timeouts: { requestMs: 300 } },
    { matches: [grpcMethod("test.Echo2", "Slow")], backends: [backend("ns/g:50051")], filters: [{ type: "URLRewrite", path: { type: "ReplaceFullPath", value: "/test.Echo/Slow" } }] },
    { matches: [grpcMethod("test.Echo", "Fail"), grpcMethod("test.Echo", "ServerStream"), grpcMethod("test.Echo", "ClientStream"), grpcMethod("test.Echo", "Bidi")],
      backends: [backend("ns/g:50051")] },
    { matches: [grpcMethod("test.Broken")], backends: [invalidBackend()] },
  ]), { random: seeded(3) });
  client = new EchoClient(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await proxy.close();
  await Promise.all([up.close(), up2.close()]);
});

describe("gRPC through the proxy (h2c)", () => {
  it("unary call returns the response and trailing metadata; rule header filter reaches upstream", async () => {
    const r = await unary(client, "Unary", { text: "hi" });
    expect(r.err).toBeNull();
    expect(r.res?.text).toBe("g1:hi:yes");
    expect(r.trailers?.get("x-trail")).toEqual(["t-g1"]);
  });
  it("passes an upstream error status through", async () => {
    const r = await unary(client, "Fail", { text: "x" });
    expect(r.err?.code).toBe(grpc.status.NOT_FOUND);
    expect(r.err?.details).toBe("nothing here");
  });
  it("server streaming delivers every message", async () => {
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = (client as unknown as { ServerStream: (m: unknown) => grpc.ClientReadableStream<{ text: string }> }).ServerStream({ text: "", n: 5 });
      call.on("data", (d: { text: string }) => got.push(d.text));
      call.on("end", () => resolve());
      call.on("error", reject);
    });
    expect(got).toEqual(["g1:0", "g1:1", "g1:2", "g1:3", "g1:4"]);
  });
  it("client streaming aggregates every message", async () => {
    const res = await new Promise<string>((resolve, reject) => {
      const call = (client as unknown as { ClientStream: (cb: (e: Error | null, r?: { text: string }) => void) => grpc.ClientWritableStream<{ text: string }> })
        .ClientStream((e, r) => (e ? reject(e) : resolve(r!.text)));
      for (const t of ["a", "b", "c"]) call.write({ text: t });
      call.end();
    });
    expect(res).toBe("a+b+c");
  });
  it("bidi streaming interleaves requests and responses", async () => {
    const got: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = (client as unknown as { Bidi: () => grpc.ClientDuplexStream<{ text: string }, { text: string }> }).Bidi();
      let i = 0;
      call.on("data", (d: { text: string }) => {
        got.push(d.text);
        if (++i < 3) call.write({ text: String(i) });
        else call.end();
      });
      call.on("end", () => resolve());
      call.on("error", reject);
      call.write({ text: "0" });
    });
    expect(got).toEqual(["echo:0", "echo:1", "echo:2"]);
  });
  for (const [name, method, code] of [["unmatched method ⇒ UNIMPLEMENTED", "/test.Echo/Nope", grpc.status.UNIMPLEMENTED], ["invalid backend ⇒ UNAVAILABLE", "/test.Broken/Any",
    grpc.status.UNAVAILABLE]] as const)
  {
    it(name, async () => {
      const other = new grpc.Client(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
      const err = await new Promise<grpc.ServiceError>((resolve) => {
        other.makeUnaryRequest(method, (v: Buffer) => v, (b: Buffer) => b, Buffer.from("{}"), (e) => resolve(e!));
      });
      other.close();
      expect(err.code).toBe(code);
    });
  }
  it("rule request timeout ⇒ DEADLINE_EXCEEDED from the proxy, upstream call cancelled", async () => {
    const before = up.cancelled;
    const r = await unary(client, "Slow", { text: "x" });
    expect(r.err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await vi.waitFor(() => expect(up.cancelled).toBe(before + 1), { timeout: 10_000, interval: 10 });
  });
  it("honours grpc-timeout itself: DEADLINE_EXCEEDED trailers-only, upstream cancelled", async () => {
    const before = up.cancelled;
    const s = h2connect(`http://127.0.0.1:${proxy.port}`);
    s.on("error", () => {});
    const msg = Buffer.from(JSON.stringify({ text: "x" }));
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, msg.length]), msg]);
    const res = await new Promise<{ headers: Record<string, unknown>; flagsEnd: boolean }>((resolve, reject) => {
      const st = s.request({ ":method": "POST", ":path": "/test.Echo2/Slow", "content-type": "application/grpc", te: "trailers", "grpc-timeout": "200m" });
      st.on("response", (h, flags) => resolve({ headers: h, flagsEnd: (flags & 1) === 1 }));
      st.on("error", reject);
      st.end(frame);
    });
    s.close();
    expect(res.headers["grpc-status"]).toBe("4");
    expect(res.flagsEnd).toBe(true);
    await vi.waitFor(() => expect(up.cancelled).toBe(before + 1), { timeout: 10_000, interval: 10 });
  });
  it("splits 70/30 over 500 calls within ±5%; the weight-0 invalid backend gets nothing (GRPCRouteWeight)", { timeout: 60_000 }, async () => {
    const counts: Record<string, number> = {};
    const other = new grpc.Client(`127.0.0.1:${proxy.port}`, grpc.credentials.createInsecure());
    const call = () =>
      new Promise<string>((resolve, reject) => {
        other.makeUnaryRequest("/test.Weighted/Unary", (v: Buffer) => v, (b: Buffer) => b, Buffer.from(JSON.stringify({ text: "w" })),
          (e, r) => (e ? reject(e) : resolve(JSON.parse(r!.toString()).text as string)));
      });
    try {
      for (let i = 0; i < 500; i += 10) {
        const batch = await Promise.all(Array.from({ length: 10 }, call));
        for (const t of batch) {
          const who = t.split(":")[0]!;
          counts[who] = (counts[who] ?? 0) + 1;
        }
      }
    } finally {
      other.close();
    }
    expect((counts.g1 ?? 0) + (counts.g2 ?? 0)).toBe(500);
    expect(Math.abs((counts.g1 ?? 0) / 500 - 0.7)).toBeLessThanOrEqual(0.05);
  });
});
