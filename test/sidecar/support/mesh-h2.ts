// mesh-h2: the two ends of an inbound-sidecar test over the mesh's HTTP/2: a strict inbound sidecar in
// front of the real engine (its own leaf from the test CA), and a mesh client session to it — node:http2
// over its own mTLS socket offering ["h2", "weft-h2"], as a proxy dials an h2c or gRPC backend — with a
// bounded GET. Takes the engine, the CA and leaves, where the sidecar says the client dialled; gives the
// sidecar / session / {status, body}. Must not: dial anything but 127.0.0.1, or wait without a limit.
import { connect as h2connect, type ClientHttp2Session } from "node:http2";
import { connect as tlsConnect } from "node:tls";
import type { WeftHttpEngine } from "../../../pkg/proxy/index.ts";
import { startSidecar, type Sidecar, type SidecarOptions } from "../../../pkg/proxy/sidecar/index.ts";
import type { TestCa } from "../../support/certs.ts";

type Leaf = { readonly keyPem: string; readonly certPem: string };

/** A strict-mTLS inbound sidecar on 127.0.0.1 (free ports) that hands `engine` what arrives for `originalDestination()`. */
export function startStrictInbound(opts: {
  engine: WeftHttpEngine;
  ca: TestCa;
  leaf: Leaf;
  identity: string;
  originalDestination: NonNullable<SidecarOptions["originalDestination"]>;
  log: NonNullable<SidecarOptions["log"]>;
}): Promise<Sidecar> {
  return startSidecar({
    engine: opts.engine,
    host: "127.0.0.1",
    outboundPort: 0,
    inboundPort: 0,
    lookup: () => undefined,
    inboundMode: "strict",
    meshTls: { keyPem: opts.leaf.keyPem, certChainPem: opts.leaf.certPem, trustBundlePem: opts.ca.certPem, identity: opts.identity },
    originalDestination: opts.originalDestination,
    log: opts.log,
  });
}

/** An HTTP/2 session over mesh mTLS to the sidecar's inbound port, presenting `client`. */
export function meshH2Session(inboundPort: number, ca: TestCa, client: Leaf): ClientHttp2Session {
  const session = h2connect(`https://127.0.0.1:${inboundPort}`, {
    createConnection: () =>
      tlsConnect({
        host: "127.0.0.1",
        port: inboundPort,
        key: client.keyPem,
        cert: client.certPem,
        ca: ca.certPem,
        ALPNProtocols: ["h2", "weft-h2"],
        checkServerIdentity: () => undefined,
      }),
  });
  session.on("error", () => {});
  return session;
}

/** GET `path` on the session: its status and body, or a rejection after 10 s without an answer. */
export function meshH2Get(session: ClientHttp2Session, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":path": path });
    let status = 0;
    let body = "";
    const timer = setTimeout(() => reject(new Error("no answer within 10 s")), 10_000);
    req.on("response", (h) => {
      status = Number(h[":status"]);
    });
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      clearTimeout(timer);
      resolve({ status, body });
    });
    req.on("error", (e: Error) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
}
