// h2-own-reads: how an own-client HTTP/2 connection (h2/client-conn.ts, made with `fed`) gets its socket's
// reads: "data" events until the socket is up (TCP connect for h2c, the TLS handshake for the mesh hop),
// then the shared read buffer (h1/user-buffer-reads.ts: no Buffer, "data" event or Readable nextTick per
// read), straight to the framing's feed(). DATA SAFETY: a read's bytes are valid only during feed(); the
// framing copies what it keeps (a partial frame, a header block) and h2-own-call.ts copies each DATA payload
// it hands on (pinned by test/proxy/h2-client-read-safety.test.ts).
// Takes the socket, the connection's feed and the event that says the socket is up; gives nothing.
// Must not: attach before the TLS handshake is done, or leave a socket with no reader.
import type { Socket } from "node:net";
import { UserBufferReads } from "../h1/user-buffer-reads.ts";

export function feedOwnReads(socket: Socket, feed: (buf: Buffer, n: number) => void, ready: "connect" | "secureConnect"): void {
  const onData = (d: Buffer): void => feed(d, d.length);
  socket.on("data", onData);
  socket.once(ready, () => {
    if (socket.destroyed) return;
    socket.off("data", onData);
    // A socket without a native stream handle keeps reading "data" events.
    if (UserBufferReads.attach(socket, feed) === undefined) socket.on("data", onData);
  });
}
