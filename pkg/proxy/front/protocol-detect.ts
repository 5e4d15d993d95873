// protocol-detect: tells HTTP/2 prior knowledge (the client preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
// RFC 9113 §3.4) from HTTP/1.x on a fresh connection, reading as few bytes as needed. TLS sockets that
// negotiated ALPN "h2" are h2 without reading (read-first-bytes does the reading). Takes a socket and
// bytes already read; gives the verdict and every byte read so far. Must not: consume bytes it does not
// hand back.
import type { Duplex } from "node:stream";
import { readFirstBytesThen } from "./read-first-bytes.ts";

export const h2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export type Verdict = "h2" | "h1";

/** Decide from bytes so far: a verdict, or undefined when more bytes are needed. */
export function verdictOf(buf: Buffer): Verdict | undefined {
  const n = Math.min(buf.length, h2Preface.length);
  for (let i = 0; i < n; i++) if (buf[i] !== h2Preface[i]) return "h1";
  return buf.length >= h2Preface.length ? "h2" : undefined;
}

export function detectProtocol(socket: Duplex, head: Buffer | undefined, timeoutMs: number, done: (v: Verdict | "closed", bytes: Buffer) => void): void {
  const alpn = (socket as { alpnProtocol?: string | false }).alpnProtocol;
  if (alpn === "h2") return done("h2", head ?? Buffer.alloc(0));
  if (alpn === "http/1.1") return done("h1", head ?? Buffer.alloc(0));
  // The preface decides within its own length; a client that ends, errs or stays silent first is "closed".
  readFirstBytesThen(socket, head, verdictOf, timeoutMs, h2Preface.length, (r) => done(r.stop === "decided" && r.verdict !== undefined ? r.verdict : "closed", r.head));
}
