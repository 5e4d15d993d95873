// mesh-tls: terminates inbound mesh mTLS on a captured socket: our cert chain, a client certificate
// that must chain to the trust bundle, and the peer's SPIFFE id from its single URI SAN (design §1
// Identity: peers are verified by SPIFFE id, not hostname).
// Takes: the raw socket (paused, with the bytes already read), a secure context, a timeout.
// Gives: the TLS socket and the verified peer identity, or a refusal reason.
// Must not: accept an unauthorised or identity-less peer, or log certificate or key material.
// Chain verification is OpenSSL's (requestCert + the bundle as `ca`), read back with verifyPeer.
import type { X509Certificate } from "node:crypto";
import type { Socket } from "node:net";
import { TLSSocket, type SecureContext } from "node:tls";
import { parseSpiffeId } from "../../util/spiffe.ts";
import { spiffeIdOfSans } from "../../util/spiffe-san.ts";
import { MESH_ALPN_PROTOCOLS } from "../engine-types.ts";
import type { MtlsFailureReason } from "../../telemetry/index.ts";

/** Server preference: the inner protocol when the client offers it (["h2", "weft-h2"] ⇒ "h2"), else the marker. */
const NEGOTIATED_ALPN = ["h2", "http/1.1", ...MESH_ALPN_PROTOCOLS];

export function offersMeshAlpn(alpn: readonly string[]): boolean {
  return alpn.some((p) => MESH_ALPN_PROTOCOLS.includes(p));
}

export type MeshTlsResult =
  | { readonly ok: true; readonly socket: TLSSocket; readonly peerIdentity: string; readonly alpn: string }
  | { readonly ok: false; readonly reason: string; readonly kind: MtlsFailureReason };

export function terminateMeshTls(raw: Socket, head: Buffer, context: SecureContext, timeoutMs: number): Promise<MeshTlsResult> {
  return new Promise((resolve) => {
    if (head.length > 0) raw.unshift(head);
    const tls = new TLSSocket(raw, {
      isServer: true,
      secureContext: context,
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: NEGOTIATED_ALPN,
    });
    let settled = false;
    const refuse = (reason: string, kind: MtlsFailureReason = "other"): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      tls.destroy();
      raw.destroy();
      resolve({ ok: false, reason, kind });
    };
    const timer = setTimeout(() => refuse(`handshake timeout after ${timeoutMs}ms`), timeoutMs);
    // These stay attached: after settling they do nothing, and an early error cannot go unhandled.
    tls.on("error", (e: Error) => refuse(`tls: ${e.message}`, tlsErrorKindOf(e)));
    tls.once("close", () => refuse("closed during handshake"));
    tls.once("secure", () => {
      // The certificate as an X509Certificate: its SAN string is the one node's legacy getPeerCertificate()
      // object carries, without building that object (its fingerprints and fields: ~70 µs per connection).
      const peer = tls.getPeerX509Certificate();
      const verdict = verifyPeer(tls, peer);
      if (verdict !== undefined) return refuse(`client certificate not trusted: ${verdict}`, failureKindOf(verdict));
      const peerIdentity = spiffeIdOfSans(peer?.subjectAltName);
      if (peerIdentity === undefined || parseSpiffeId(peerIdentity) === undefined) return refuse("client certificate has no single SPIFFE URI SAN", "bad_certificate");
      settled = true;
      clearTimeout(timer);
      markEstablished(tls);
      resolve({ ok: true, socket: tls, peerIdentity, alpn: typeof tls.alpnProtocol === "string" ? tls.alpnProtocol : "" });
    });
  });
}

export const NO_CLIENT_CERT = "no client certificate";
export const NO_VERDICT = "cannot read the verification result";
const UNKNOWN_CA_CODES = new Set(["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT"]);

/** The metric reason of a handshake error OpenSSL raised (e.g. no certificate when one was required). */
export function tlsErrorKindOf(e: Error): MtlsFailureReason {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== "string") return "protocol";
  if (code.includes("PEER_DID_NOT_RETURN_A_CERTIFICATE")) return "no_client_cert";
  if (code.includes("UNKNOWN_CA") || UNKNOWN_CA_CODES.has(code)) return "unknown_ca";
  if (code.includes("CERTIFICATE_EXPIRED") || code === "CERT_HAS_EXPIRED") return "expired";
  if (code.includes("BAD_CERTIFICATE") || code.includes("CERTIFICATE_VERIFY_FAILED")) return "bad_certificate";
  return "protocol";
}

/** The metric reason (pkg/telemetry MtlsFailureReason) of a verifyPeer verdict. */
export function failureKindOf(verdict: string): MtlsFailureReason {
  if (verdict === NO_CLIENT_CERT) return "no_client_cert";
  if (UNKNOWN_CA_CODES.has(verdict)) return "unknown_ca";
  if (verdict === "CERT_HAS_EXPIRED" || verdict === "CERT_NOT_YET_VALID") return "expired";
  return verdict === NO_VERDICT ? "other" : "bad_certificate";
}

/**
 * The chain verdict OpenSSL reached during the handshake against the trust bundle: undefined when the
 * client presented a certificate that chains to it, else the reason. Node computes `authorized` this
 * way only for sockets a tls.Server created (onServerSocketSecure); a TLSSocket we wrap ourselves must
 * ask the handle the same question. Fails closed when the handle cannot answer.
 */
function verifyPeer(tls: TLSSocket, peer: X509Certificate | undefined): string | undefined {
  const handle = (tls as unknown as { _handle?: { verifyError?: () => Error | null } })._handle;
  if (typeof handle?.verifyError !== "function") return NO_VERDICT;
  const error = handle.verifyError();
  if (error) return (error as Error & { code?: string }).code ?? error.message;
  if (peer === undefined) return NO_CLIENT_CERT;
  return undefined;
}

/**
 * What node's tls.Server does for its own sockets once verified (onServerSocketSecure): without
 * `secureConnecting = false`, node:http2 waits for a 'secureConnect' that a server socket never emits.
 */
function markEstablished(tls: TLSSocket): void {
  const state = tls as unknown as { secureConnecting: boolean; authorized: boolean };
  state.authorized = true;
  state.secureConnecting = false;
}
