// stream-core: what every own-framing HTTP/2 stream holds, server-side (H2ServerStream) or client-side
// (H2ClientStream): its id, both windows, its ends, DATA waiting for a send window and the trailers that
// follow it, and how a closed stream is remembered. Takes nothing; gives the base class the two streams
// extend and the CLOSED_* kinds. Must not: know a connection (the stream classes add theirs).

/** How a stream closed (a connection remembers it, to answer a late frame on it): both ends, reset by the peer, reset by us. */
export const CLOSED_ENDED = 1, CLOSED_BY_PEER_RESET = 2, CLOSED_BY_US = 3;

export class H2CoreStream {
  /** 0 while a client stream waits for the peer's concurrent-stream limit. */
  id = 0;
  sendWindow = 0;
  recvWindow = 0;
  /** Received DATA bytes not yet given back in a WINDOW_UPDATE. */
  recvUnacked = 0;
  remoteEnded = false;
  localEnded = false;
  /** The peer's head has not come yet (a client stream before its final answer): DATA now is a stream error. */
  awaitingHead = false;
  /** DATA waiting for a send window, its byte count, and whether END_STREAM follows it. */
  pending: Buffer[] | null = null;
  pendingBytes = 0;
  pendingEnd = false;
  /** Trailers that end the stream once its queued DATA is out, and their never-indexed names. */
  endTrailers: readonly string[] | null = null;
  endNever: readonly string[] | undefined = undefined;
  /** For the user. */
  data: unknown = undefined;
}
