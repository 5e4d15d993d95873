// Property tests (fast-check): encode/decode round-trips; any sequence of updates (with NACKs and
// reconnects) leaves the client equal to the server's latest slice; the same over real gRPC.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EMPTY_CLIENT_STATE, applyUpdate, type ClientState } from "../../pkg/distribution/apply-update.ts";
import { createDistributionClient, type DistributionClient } from "../../pkg/distribution/client.ts";
import { helloOf, parseHello } from "../../pkg/distribution/hello.ts";
import { assembleSlice, decodeResource, encodeSlice, versionOf } from "../../pkg/distribution/resources.ts";
import { createDistributionServer, type DistributionServer } from "../../pkg/distribution/server.ts";
import { sliceForProxy, sliceKeyOf, type ProxyIdentity, type ProxySlice } from "../../pkg/distribution/slice.ts";
import { NOTHING_HELD, buildSnapshot, buildUpdate, type HeldState } from "../../pkg/distribution/snapshot.ts";
import { validateIr } from "../../pkg/ir/index.ts";
import { canonicalJson } from "../../pkg/util/canonical-json.ts";
import { meshIrArb, proxyArb } from "./ir-arbitrary.ts";
import { fcParams } from "../support/fast-check-env.ts";

const same = (a: ProxySlice, b: ProxySlice): boolean => canonicalJson(a) === canonicalJson(b);

const helloFrom = (proxy: ProxyIdentity, st: ClientState) => parseHello(helloOf(proxy, st));

describe("encode/decode", () => {
  it("round-trips every slice: decoded resources reassemble to the same slice and version", () => {
    fc.assert(
      fc.property(meshIrArb, proxyArb, (ir, proxy) => {
        const slice = sliceForProxy(ir, proxy);
        expect(validateIr(slice).ok).toBe(true);
        const enc = encodeSlice(slice);
        const values = new Map<string, unknown>();
        for (const [key, r] of enc.resources) values.set(key, decodeResource(r));
        expect(canonicalJson(assembleSlice(values))).toBe(canonicalJson(slice));
        expect(versionOf(enc.resources)).toBe(enc.version);
      }),
      fcParams(150),
    );
  });

  it("a flipped payload byte is always caught by the hash check", () => {
    fc.assert(
      fc.property(meshIrArb, proxyArb, fc.nat(), (ir, proxy, pick) => {
        const resources = [...encodeSlice(sliceForProxy(ir, proxy)).resources.values()];
        fc.pre(resources.length > 0);
        const r = resources[pick % resources.length]!;
        const payload = Buffer.from(r.payload);
        const i = pick % payload.length;
        payload[i] = payload[i]! ^ 0x01;
        expect(() => decodeResource({ ...r, payload })).toThrow();
      }),
      fcParams(100),
    );
  });
});

const stepArb = fc.record({ ir: meshIrArb, reject: fc.boolean(), reconnect: fc.boolean() });

describe("update sequences (pure protocol model: the server's buildUpdate + the client's applyUpdate)", () => {
  it("any sequence with NACKs and reconnects keeps the client on its last accepted slice and ends equal to the latest", () => {
    fc.assert(
      fc.property(proxyArb, fc.array(stepArb, { minLength: 1, maxLength: 8 }), meshIrArb, (proxy, steps, last) => {
        const key = sliceKeyOf(proxy);
        let client: ClientState = EMPTY_CLIENT_STATE;
        let accepted: ProxySlice | undefined;
        let held: HeldState = NOTHING_HELD;
        const deliver = (target: ReturnType<typeof buildSnapshot>, reject: boolean): void => {
          for (let tries = 0; tries < 2 && held.version !== target.encoded.version; tries++) {
            const r = applyUpdate(client, buildUpdate(held, target.encoded), reject ? () => "rejected by test" : undefined);
            if (r.ok) {
              client = r.state;
              accepted = r.slice;
              held = target.encoded;
            } else if (r.resync) {
              held = NOTHING_HELD;
            } else {
              return;
            }
          }
        };
        for (const step of [...steps, { ir: last, reject: false, reconnect: true }]) {
          if (step.reconnect) held = helloFrom(proxy, client).held;
          const target = buildSnapshot(step.ir, proxy, key);
          deliver(target, step.reject);
          if (accepted !== undefined) {
            const values = new Map([...client.resources].map(([k, v]) => [k, v.value]));
            expect(same(assembleSlice(values), accepted)).toBe(true);
          }
        }
        expect(accepted).toBeDefined();
        expect(same(accepted!, sliceForProxy(last, proxy))).toBe(true);
      }),
      fcParams(150),
    );
  });
});

describe("update sequences over loopback gRPC", () => {
  let server: DistributionServer;
  const proxies: ProxyIdentity[] = [
    { namespace: "a", serviceAccount: "default", pod: "pa", kind: "sidecar" },
    { namespace: "c", serviceAccount: "default", pod: "pc", kind: "sidecar" },
    { namespace: "gw", serviceAccount: "edge", pod: "edge-0", kind: "gateway", gatewayNamespace: "gw", gatewayName: "edge" },
  ];
  const clients: DistributionClient[] = [];
  beforeAll(async () => {
    server = createDistributionServer();
    const port = await server.listen("127.0.0.1:0");
    for (const identity of proxies) {
      const c = createDistributionClient({ address: `127.0.0.1:${port}`, identity, onConfig: () => {}, backoff: { initialMs: 20, maxMs: 100 } });
      await c.start();
      clients.push(c);
    }
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.close(0);
  });

  it("IR versions pushed back to back converge every client to the latest slice", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(meshIrArb, fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 5 }), async (seq) => {
        for (const [ir, pause] of seq) {
          server.setIr(ir);
          if (pause > 0) await new Promise((r) => setTimeout(r, pause));
        }
        const last = seq[seq.length - 1]![0];
        const converged = () =>
          clients.every((c, i) => {
            const cur = c.current();
            return cur !== undefined && same(cur.slice, sliceForProxy(last, proxies[i]!));
          });
        const until = Date.now() + 10_000;
        while (!converged() && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
        expect(converged()).toBe(true);
        const until2 = Date.now() + 10_000;
        while (!server.proxies().every((p) => p.inSync) && Date.now() < until2) await new Promise((r) => setTimeout(r, 5));
        expect(server.proxies().map((p) => p.inSync)).toEqual([true, true, true]);
      }),
      fcParams(12),
    );
  });
});
