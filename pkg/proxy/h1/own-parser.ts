// own-parser: a strict, incremental HTTP/1.1 message parser in plain TS, in place of node's llhttp binding
// (h1-parser.ts) on both sides (front/h1-connection, upstream/h1-upstream-conn). It reads requests or responses from reads
// split anywhere, byte by byte as llhttp's state machine does (runs of target, name and value bytes in
// tight loops), and accepts and refuses what node's strict llhttp does: the same request-line and
// status-line grammar, token names, field-value bytes (no CTL, DEL, bare CR or LF, no obs-fold),
// Content-Length (digits, one field, 64-bit), Transfer-Encoding (chunked last; with Content-Length ⇒
// error), chunk sizes (hex, 64-bit), chunk extensions, trailers, keep-alive and upgrade rules, and
// node's head-size (url + status + names + values) and chunk-extension bounds. Checked against llhttp
// by test/proxy/h1-own-parser-*.test.ts. This file runs the phases in turn (own-start-line, own-fields,
// own-body, each reading while the state is its own; the shared state and message steps in own-state).
// Takes the kind, limits and one events object; gives execute()/finish()/resume() and the current
// head as plain fields (one headers array per message, names/values as latin1 strings, as received).
// Errors are llhttp's HPE_* codes with the offset in the read. Must not: allocate per byte, accept
// anything llhttp refuses, or let a field value hold CR, LF or NUL.
import { body } from "./own-body.ts";
import { fields } from "./own-fields.ts";
import { startLine } from "./own-start-line.ts";
import { CLOSED, DEAD, FINISH_SAFE, FINISH_SAFE_WITH_CB, FINISH_UNSAFE, H1State, HEADERS_DONE, LAST_FIELD_STATE, LAST_LINE_STATE, SP_NONE } from "./own-state.ts";

export { REQUEST, RESPONSE } from "./own-rules.ts";
export { BODY, NO_BODY, PAUSE, UPGRADE, type H1Events, type OwnH1Limits } from "./own-state.ts";

export class OwnH1Parser extends H1State {
  /**
   * Parse data[0, end) (`end` < data.length: a read into a larger reused buffer). Returns the bytes taken: all of them, or fewer when onHead paused (paused) or the stream
   * switched protocols (upgraded); -1 on a parse error (error, errorOffset). A failed parser stays failed.
   */
  execute(data: Buffer, end = data.length): number {
    if (this.error !== "") return -1;
    if (this.paused) return this.fail("HPE_PAUSED", "Paused", 0);
    if (this.upgraded) return 0;
    if (this.span !== SP_NONE) this.spanStart = 0;
    this.textEnd = -1;
    this.readEnd = end;
    const n = this.run(data);
    if (n < 0 || this.paused || this.upgraded) return n;
    if (this.span !== SP_NONE && !this.flushSpan(data, end)) return -1;
    return n;
  }

  /** The peer closed: ends a body read until close; fails (HPE_INVALID_EOF_STATE) inside a message. Returns 0 or -1. */
  finish(): number {
    if (this.error !== "") return 0;
    if (this.finishState === FINISH_SAFE_WITH_CB) {
      this.finishState = FINISH_SAFE;
      this.state = CLOSED;
      this.events.onComplete(this);
      return 0;
    }
    if (this.finishState === FINISH_UNSAFE) return this.fail("HPE_INVALID_EOF_STATE", "Invalid EOF state", 0);
    return 0;
  }

  resume(): void {
    this.paused = false;
  }

  /** The phases in turn (each reads while the state is its own), until the read is used up or parsing stops. */
  private run(data: Buffer): number {
    const len = this.readEnd;
    let i = 0;
    // A paused head resumes with its framing decision (llhttp's headers_done runs before a byte is read).
    if (this.state === HEADERS_DONE) {
      i = this.afterHead(data, 0);
      if (i < 0 || this.upgraded) return i;
    }
    while (i < len) {
      const s = this.state, from = i;
      if (s === DEAD) return -1;
      i = s <= LAST_LINE_STATE ? startLine(this, data, i) : s <= LAST_FIELD_STATE ? fields(this, data, i) : body(this, data, i);
      if (i < 0 || this.paused || this.upgraded) return i;
      // A phase returns at the read's end, on an error, or when the state left it: never in place.
      if (i === from && this.state === s) return this.fail("HPE_INTERNAL", "No progress in parser state", i);
    }
    return i;
  }
}
