// The peers' goal line (benchmarks/proxy/peer-goals.ts): met only when Weft is ahead of every measured peer
// on both CPU per request and p99, and never when no peer was measured.
import { describe, expect, it } from "vitest";
import { emitPeerGoals, type Measured } from "../../benchmarks/proxy/peer-goals.ts";

function lines(entries: Record<string, Measured>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  emitPeerGoals(new Map(Object.entries(entries)), (o) => out.push(o));
  return out;
}

const fig = (cpu: number, p99: number): Measured => ({ cpu, p99, rps: 1000 });

describe("proxy-peers-goal", () => {
  it("is met when Weft is ahead of both peers on CPU and p99", () => {
    const [h1] = lines({ "weft:http1": fig(30, 3000), "http-proxy:http1": fig(80, 6000), "fastify-http-proxy:http1": fig(70, 5000) });
    expect(h1).toMatchObject({ protocol: "http1", met: true, peers: { "http-proxy": { weft_ahead: true }, "fastify-http-proxy": { weft_ahead: true } } });
  });

  it("is not met when one peer wins on p99 alone", () => {
    const [h1] = lines({ "weft:http1": fig(30, 3000), "http-proxy:http1": fig(80, 6000), "fastify-http-proxy:http1": fig(70, 2900) });
    expect(h1).toMatchObject({ met: false, peers: { "fastify-http-proxy": { weft_ahead: false } } });
  });

  it("is not met when one peer wins on CPU alone", () => {
    const [h1] = lines({ "weft:http1": fig(30, 3000), "http-proxy:http1": fig(29, 6000), "fastify-http-proxy:http1": fig(70, 5000) });
    expect(h1).toMatchObject({ met: false, peers: { "http-proxy": { weft_ahead: false } } });
  });

  it("lists a peer that was not measured on a protocol, and is not met with none measured", () => {
    const out = lines({ "weft:http1": fig(30, 3000), "weft:h2c": fig(70, 9000), "fastify-http-proxy:h2c": fig(110, 12000) });
    expect(out.map((o) => [o["protocol"], o["met"]])).toEqual([["http1", false], ["h2c", true]]);
    expect(out[1]).toMatchObject({ peers: { "http-proxy": "not measured" } });
  });
});
