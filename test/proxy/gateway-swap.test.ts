// gateway-swap: applying a new GatewayIR keeps ports whose protocol did not change (same bound port,
// new routes take effect), closes ports that left, and turns a port from HTTP into HTTPS.
import { request as httpsRequest } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayIR, ListenerIR, RouteTablesIR } from "../../pkg/ir/types.ts";
import { createHttpEngine, type WeftHttpEngine } from "../../pkg/proxy/engine.ts";
import { engineStateOf } from "../../pkg/proxy/engine-state.ts";
import { GatewayListeners } from "../../pkg/proxy/gateway/gateway-listeners.ts";
import { selfSigned } from "../support/certs.ts";
import { h1, rawUntilClose } from "./client.ts";
import { backend, cluster, endpoint, meshIR, prefix, startEcho, tables, type Echo } from "./fixtures.ts";

let a: Echo, b: Echo;
let engine: WeftHttpEngine;
let gl: GatewayListeners;
const cert = selfSigned(["swap.example.com"]);
const l = (protocol: "HTTP" | "HTTPS", routes: RouteTablesIR): ListenerIR => ({ id: `gw/web/${protocol}`, name: protocol, protocol, certificates: protocol === "HTTPS" ? ["gw/c"] : [], routes });
const gw = (ports: GatewayIR["ports"]): GatewayIR => ({ namespace: "gw", name: "web", ports });
const to = (c: string) => tables([{ matches: [prefix("/")], backends: [backend(c)] }]);

beforeAll(async () => {
  [a, b] = await Promise.all([startEcho("a"), startEcho("b")]);
  engine = createHttpEngine();
  engine.setState(engineStateOf(meshIR([cluster("ns/a:80", [endpoint(a.port)]), cluster("ns/b:80", [endpoint(b.port)])]), "v1"));
  gl = new GatewayListeners({ engine, host: "127.0.0.1", portMap: () => 0 });
});

afterAll(async () => {
  await gl.close();
  await engine.drain(10);
  await Promise.all([a.close(), b.close()]);
});

describe("GatewayListeners.apply", () => {
  it("keeps an unchanged port bound and applies new routes to it", async () => {
    await gl.apply(gw([{ port: 80, protocol: "HTTP", listeners: [l("HTTP", to("ns/a:80"))] }, { port: 81, protocol: "HTTP", listeners: [l("HTTP", to("ns/a:80"))] }]), []);
    const p80 = gl.boundPort(80)!;
    const p81 = gl.boundPort(81)!;
    expect(JSON.parse((await h1(p80, "/")).body).server).toBe("a");
    await gl.apply(gw([{ port: 80, protocol: "HTTP", listeners: [l("HTTP", to("ns/b:80"))] }, { port: 81, protocol: "HTTPS", listeners: [l("HTTPS", to("ns/b:80"))] }]), [{ id: "gw/c", ...cert }]);
    expect(gl.boundPort(80)).toBe(p80);
    expect(JSON.parse((await h1(p80, "/")).body).server).toBe("b");
    const newP81 = gl.boundPort(81)!;
    const r = await new Promise<string>((resolve, reject) => {
      httpsRequest({ host: "127.0.0.1", port: newP81, path: "/", servername: "swap.example.com", ca: cert.certPem, headers: { host: "swap.example.com" }, agent: false }, (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => resolve(body));
      }).on("error", reject).end();
    });
    expect(JSON.parse(r).server).toBe("b");
    if (newP81 !== p81) expect((await rawUntilClose(p81, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 1000)).data).toBe("");
  });
  it("closes ports that left the Gateway", async () => {
    const p80 = gl.boundPort(80)!;
    await gl.apply(gw([{ port: 81, protocol: "HTTPS", listeners: [l("HTTPS", to("ns/b:80"))] }]), [{ id: "gw/c", ...cert }]);
    expect(gl.boundPort(80)).toBeUndefined();
    const err = await h1(p80, "/").then(() => undefined, (e: Error) => e);
    expect(err).toBeInstanceOf(Error);
  });
});
