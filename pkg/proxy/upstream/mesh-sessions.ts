// mesh-sessions: TLS session resumption for the pooled HTTP/1.1 mesh connections (upstream.ts). A new
// connection to an endpoint offers the last session ticket that endpoint's inbound sidecar gave us under
// the same pool key (identity, endpoint, our material's generation), so a burst's extra connections, or
// the ones that replace connections closed while idle, cost an abbreviated handshake: no certificate
// signature or chain check on either side (~2.8 -> ~1.4 ms of CPU for both sides together, ~2.0 -> ~1.2 ms
// until the request can go, measured with P-256 workload keys on the 2-core machine; docs/proxy.md "The
// mesh hop"). Why it is safe: only the server that issued a ticket can resume it (its ticket keys are its
// own secure context's, made anew with each material), the ticket names the identity that server proved
// in the full handshake, and we offer it only under the pool key of that identity and endpoint.
// An inbound sidecar of an older release issues tickets but fails a handshake that offers one (OpenSSL
// without a session id context on a server that asks for client certificates): such a failure drops the
// key's session, the key offers none again for this material, and the error says resumptionRefused so
// the attempt dials once more (upstream-h1.ts).
// Takes the pool key and the new socket; gives what to offer and the bookkeeping. Must not: offer a
// session under another key, keep sessions of an older material (clear() on rotation), or grow unbounded.
import type { TLSSocket } from "node:tls";

/** Keys whose last session is kept; past it the oldest goes (endpoints come and go with their pods). */
const MAX_KEYS = 1024;

/** A connection that offered a session failed in its handshake: a peer that cannot resume (see above). */
export function resumptionRefused(e: unknown): boolean {
  return (e as { resumptionRefused?: unknown } | undefined)?.resumptionRefused === true;
}

export class MeshSessions {
  private readonly sessions = new Map<string, Buffer>();
  /** Keys whose peer failed a resumption: no session is offered to them again under this material. */
  private readonly refused = new Set<string>();

  /** The session to offer on a new connection under `key`, if any. */
  offer(key: string): Buffer | undefined {
    return this.sessions.get(key);
  }

  /** Follow a new connection under `key` that offered `offered`: keep the tickets it gets, mark a refusal. */
  track(key: string, socket: TLSSocket, offered: Buffer | undefined): void {
    let secure = false;
    socket.once("secureConnect", () => {
      secure = true;
    });
    socket.on("session", (s: Buffer) => {
      if (this.refused.has(key)) return;
      this.sessions.delete(key);
      if (this.sessions.size >= MAX_KEYS) this.sessions.delete(this.sessions.keys().next().value!);
      this.sessions.set(key, s);
    });
    if (offered === undefined) return;
    // Registered before the pool's own error listener: the flag is on the error when the pool reports it.
    socket.once("error", (e: Error & { code?: string; resumptionRefused?: boolean }) => {
      if (secure) return;
      this.sessions.delete(key);
      if (typeof e.code !== "string" || !e.code.startsWith("ERR_SSL_")) return;
      if (this.refused.size >= MAX_KEYS) this.refused.clear();
      this.refused.add(key);
      e.resumptionRefused = true;
    });
  }

  /** The material changed: no session of the old one is offered again. */
  clear(): void {
    this.sessions.clear();
    this.refused.clear();
  }
}
