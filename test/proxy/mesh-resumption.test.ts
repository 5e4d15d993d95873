// mesh-resumption: a new pooled HTTP/1.1 mesh connection resumes the TLS session the endpoint's inbound
// sidecar gave the previous one (no certificate signatures on either side), the inbound still knows the
// peer's SPIFFE id on a resumed connection, a rotated material offers no old session, and an inbound of an
// older release (no session id context: it fails a handshake that offers a ticket) costs one extra dial,
// after which no session is offered to it again.
import { createServer, type AddressInfo, type Server } from "node:net";
import { createSecureContext, TLSSocket } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import type { MeshTlsMaterial } from "../../pkg/proxy/engine-types.ts";
import { meshSecureContext } from "../../pkg/proxy/mesh-secure-context.ts";
import { terminateMeshTls } from "../../pkg/proxy/sidecar/mesh-tls.ts";
import { createH1Pool } from "../../pkg/proxy/upstream/pool-h1.ts";
import { H2Pool } from "../../pkg/proxy/upstream/pool-h2.ts";
import { Upstream } from "../../pkg/proxy/upstream/upstream.ts";
import { testCa } from "../support/certs.ts";

const td = "cluster.local";
const clientId = `spiffe://${td}/ns/default/sa/frontend`;
const serverId = `spiffe://${td}/ns/default/sa/reviews`;
const ca = testCa();
const cli = ca.leaf({ cn: "frontend", uris: [clientId] });
const srv = ca.leaf({ cn: "reviews", uris: [serverId] });
const clientMaterial: MeshTlsMaterial = { keyPem: cli.keyPem, certChainPem: cli.certPem, trustBundlePem: ca.certPem, identity: clientId };
const serverMaterial: MeshTlsMaterial = { keyPem: srv.keyPem, certChainPem: srv.certPem, trustBundlePem: ca.certPem, identity: serverId };

/** Per accepted connection: whether it resumed a session and the peer identity the server saw (undefined: the handshake failed). */
interface Seen {
  reused: boolean | undefined;
  peer: string | undefined;
}

/** Answers one request per connection ("connection: close"), so every request opens a new mesh connection. */
function answerOnce(tls: TLSSocket): void {
  let head = "";
  tls.on("data", (d: Buffer) => {
    head += d.toString("latin1");
    if (head.includes("\r\n\r\n")) tls.end("HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok");
  });
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** An inbound sidecar's mesh mTLS termination (mesh-tls.ts with the mesh secure context). */
async function inbound(seen: Seen[]): Promise<number> {
  const context = meshSecureContext(serverMaterial);
  const server = createServer({ pauseOnConnect: true }, (raw) => {
    void terminateMeshTls(raw, Buffer.alloc(0), context, 2000).then((r) => {
      if (!r.ok) {
        seen.push({ reused: undefined, peer: undefined });
        return;
      }
      seen.push({ reused: r.socket.isSessionReused(), peer: r.peerIdentity });
      answerOnce(r.socket);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

/** An inbound of an older release: the same mTLS, but its secure context has no session id context. */
async function olderInbound(seen: Seen[]): Promise<number> {
  const context = createSecureContext({ key: srv.keyPem, cert: srv.certPem, ca: ca.certPem, minVersion: "TLSv1.2" });
  const server = createServer((raw) => {
    const tls = new TLSSocket(raw, { isServer: true, secureContext: context, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ["http/1.1"] });
    tls.on("error", () => seen.push({ reused: undefined, peer: undefined }));
    tls.once("secure", () => {
      seen.push({ reused: tls.isSessionReused(), peer: serverId });
      answerOnce(tls);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

async function get(up: Upstream, port: number): Promise<number> {
  const res = await up.send({ address: "127.0.0.1", port, protocol: "http1", meshIdentity: serverId }, { method: "GET", path: "/", authority: "reviews", headers: {}, body: undefined })
    .response;
  res.body.resume();
  await new Promise((r) => res.body.once("end", r));
  return res.status;
}

describe("TLS session resumption on pooled HTTP/1.1 mesh connections", () => {
  it("a new connection resumes the endpoint's last session, and the inbound still sees the peer's SPIFFE id", async () => {
    const seen: Seen[] = [];
    const port = await inbound(seen);
    const pool = createH1Pool();
    const up = new Upstream(pool, new H2Pool(), 2000);
    up.setMeshTls(clientMaterial);
    try {
      for (let i = 0; i < 3; i++) expect(await get(up, port)).toBe(200);
      expect(seen).toEqual([{ reused: false, peer: clientId }, { reused: true, peer: clientId }, { reused: true, peer: clientId }]);
      // A rotated material offers none of the old sessions.
      up.setMeshTls(clientMaterial);
      expect(await get(up, port)).toBe(200);
      expect(seen.at(-1)).toEqual({ reused: false, peer: clientId });
    } finally {
      pool.close();
    }
  });

  it("an inbound that cannot resume costs one more dial once; no session is offered to it again", async () => {
    const seen: Seen[] = [];
    const port = await olderInbound(seen);
    const pool = createH1Pool();
    const up = new Upstream(pool, new H2Pool(), 2000);
    up.setMeshTls(clientMaterial);
    try {
      for (let i = 0; i < 3; i++) expect(await get(up, port)).toBe(200);
      // The second request's first connection offered the ticket and failed; its redial and the third went in full.
      expect(seen).toEqual([{ reused: false, peer: serverId }, { reused: undefined, peer: undefined }, { reused: false, peer: serverId }, { reused: false, peer: serverId }]);
    } finally {
      pool.close();
    }
  });
});
