// h1-answer: an HTTP/1.1 upstream answer (upstream-h1) as an UpstreamResponse: its body relayed or read as
// relay-answer.ts does (backpressure pauses the upstream connection). The head's fields stay as received
// (rawHeaders); the header object is made when someone reads it.
// Must not: deliver a chunk twice, or both ways at once.
import type { IncomingHttpHeaders } from "node:http";
import { headersOf } from "../h1/h1-headers.ts";
import type { H1UpstreamConn } from "./h1-upstream-conn.ts";
import { RelayAnswer } from "./relay-answer.ts";
import type { UpstreamResponse } from "./upstream-types.ts";

export class H1Answer extends RelayAnswer implements UpstreamResponse {
  readonly status: number;
  readonly rawHeaders: readonly string[];
  readonly endStream = false;
  /** The strict parser completes a Content-Length answer at its last byte: its end comes in that call. */
  readonly endsAtLength = true;
  private fields: IncomingHttpHeaders | undefined;

  constructor(status: number, rawHeaders: readonly string[], conn: H1UpstreamConn | undefined) {
    super(conn);
    this.status = status;
    this.rawHeaders = rawHeaders;
  }

  get headers(): IncomingHttpHeaders {
    return (this.fields ??= headersOf(this.rawHeaders));
  }
}
