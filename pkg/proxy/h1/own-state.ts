// own-state: the state of the own HTTP/1.1 parser (own-parser.ts) and what its phases share: the current
// head's fields, the framing flags, the open span (bytes that become a string or count against a bound)
// with node's head-size and chunk-extension bounds, strings sliced from one latin1 decode per read (a field
// name whole in the read: the string an earlier head gave the same bytes, from a small table), and
// the message-level steps (head complete, framing after it, message done, next message or closed), as
// llhttp takes them. The byte-level phases (own-start-line, own-fields, own-body) read and write it.
// Takes the kind, limits and events; gives H1State. Must not: read bytes of its own (the phases do).
import * as R from "./own-rules.ts";

/** What onHead may answer: parse a body as framed, no body (a HEAD answer), an upgrade, or stop after this head. */
export const BODY = 0, NO_BODY = 1, UPGRADE = 2, PAUSE = 3;

export interface H1Events {
  /** A head is complete: read it from the parser's fields. Returns BODY, NO_BODY, UPGRADE or PAUSE. */
  onHead(p: H1State): number;
  /** Body bytes data[start, end) (de-chunked); valid only during the call. */
  onBody(data: Buffer, start: number, end: number): void;
  /** The message is complete; `p.trailers` holds a chunked body's trailer fields, if any. */
  onComplete(p: H1State): void;
}

export interface OwnH1Limits {
  /** node's max header size: url, reason, names and values of one head (or trailer section) stay below it. */
  readonly maxHeaderBytes: number;
  /** Fields per head (and per trailer section); llhttp has none, node's server keeps 2000. */
  readonly maxHeaderCount: number;
}

/**
 * Strings come from one latin1 decode of a window of the read (one call into C++), sliced in JS: a
 * head's url, names and values cost one decode, not one each.
 */
export const WINDOW = 2048;

/** node's bound on a chunk's extension bytes (names and values). */
export const MAX_EXTENSION_BYTES = 16 * 1024;

interface Latin1 {
  latin1Slice(start: number, end: number): string;
}
function latin1(b: Buffer, s: number, e: number): string {
  return (b as unknown as Latin1).latin1Slice(s, e);
}

/**
 * Field names seen before, by a hash of their length and first and last bytes: names repeat from message
 * to message (Host, Content-Length, Date, …), and the string an earlier head gave the same bytes serves
 * again — no string made per field, and its hash (Set and Map lookups downstream) computed once. A slot
 * holds the latest name that fell in it (a collision costs only a miss). Process-wide, never more than
 * NAME_SLOTS strings of at most NAME_MAX bytes.
 */
const NAME_SLOTS = 256, NAME_MAX = 32;
const names: string[] = new Array<string>(NAME_SLOTS).fill("");

/** data[s, e) (a whole field name in this read) as a string: the interned one when its bytes match. */
function fieldName(data: Buffer, s: number, e: number, p: H1State): string {
  const n = e - s;
  if (n === 0 || n > NAME_MAX) return n === 0 ? "" : p.slice(data, s, e);
  const slot = (n * 31 + data[s]! * 7 + data[e - 1]!) & (NAME_SLOTS - 1);
  const known = names[slot]!;
  if (known.length === n) {
    let i = 0;
    while (i < n && known.charCodeAt(i) === data[s + i]) i++;
    if (i === n) return known;
  }
  // Flat (not a view of the read's decoded window, which it would keep alive).
  const made = latin1(data, s, e);
  names[slot] = made;
  return made;
}

// States (one per llhttp node that consumes bytes), numbered by phase: the start line (own-start-line),
// fields (own-fields), body (own-body).
export const START = 0, METHOD = 1, SPACES_BEFORE_URL = 2, U_START = 3, U_SCHEMA = 4, U_DELIM1 = 5, U_DELIM2 = 6, U_SERVER = 7, U_SERVER_AT = 8, U_PATH = 9, U_QUERY = 10, U_FRAGMENT = 11, URL_CR = 12,
  URL_DONE = 13, HTTP_START = 14, PROTO = 15, SLASH = 16, MAJOR = 17, DOT = 18, MINOR = 19, REQ_LINE_END = 20, REQ_LINE_LF = 21, PRI_PREFACE = 22, RES_AFTER_VERSION = 23, STATUS_DIGIT = 24,
  STATUS_OTHERWISE = 25, REASON = 26, RES_LINE_LF = 27;
export const LAST_LINE_STATE = 27;
export const HEADERS_START = 28, FIELD_START = 29, FIELD = 30, DISCARD_WS = 31, DISCARD_WS_CR = 32, DISCARD_LWS = 33, VALUE_START = 34, VALUE_ANY = 35, VALUE_CR = 36, VALUE_LWS = 37, CL_DIGITS = 38,
  CL_WS = 39, TE_CHUNKED = 40, TE_LAST = 41, TE_TOKEN = 42, TE_OWS = 43, CONN = 44, CONN_MATCH = 45, CONN_WS = 46, CONN_TOKEN = 47, HEADERS_ALMOST = 48;
export const LAST_FIELD_STATE = 48;
export const HEADERS_DONE = 49, BODY_LENGTH = 50, BODY_EOF = 51, CHUNK_SIZE_START = 52, CHUNK_SIZE = 53, CHUNK_EXT = 54, EXT_NAME = 55, EXT_VALUE = 56, EXT_QUOTED = 57, EXT_QPAIR = 58,
  EXT_QUOTED_DONE = 59, CHUNK_SIZE_CR = 60, CHUNK_DATA = 61, CHUNK_DATA_CR = 62, CHUNK_DATA_LF = 63, CLOSED = 64, DEAD = 65;

// Header states (which field's value is being read).
export const H_GENERAL = 0, H_CONNECTION = 1, H_CONTENT_LENGTH = 2, H_TRANSFER_ENCODING = 3, H_UPGRADE = 4, H_CONN_KEEP_ALIVE = 5, H_CONN_CLOSE = 6, H_CONN_UPGRADE = 7, H_TE_CHUNKED = 8;

// Open spans (bytes that become a string or count against a bound).
export const SP_NONE = 0, SP_URL = 1, SP_REASON = 2, SP_NAME = 3, SP_VALUE = 4, SP_EXT = 5;

// llhttp_finish states.
export const FINISH_SAFE = 0, FINISH_SAFE_WITH_CB = 1, FINISH_UNSAFE = 2;

/** The parser's state; fields are shared with the phase functions (own-start-line, own-fields, own-body). */
export class H1State {
  // The current message's head (valid from onHead on).
  /** Method name (requests), "" for responses. */
  method = "";
  /** llhttp's method number (requests), -1 for responses. */
  methodIndex = -1;
  url = "";
  versionMajor = 0;
  versionMinor = 0;
  status = 0;
  reason = "";
  /** Names and values as received, flat: [name0, value0, name1, value1, …]. A new array per message. */
  headers: string[] = [];
  /** Trailer fields of a chunked body (flat), or undefined when there were none. */
  trailers: string[] | undefined = undefined;
  upgrade = false;
  keepAlive = false;
  /** onHead answered PAUSE: execute() returned at the end of that head; resume() before the next execute(). */
  paused = false;
  /** The stream switched protocols after the last head: execute() returned where the other protocol begins. */
  upgraded = false;
  /** The parse error (an llhttp HPE_* code), or "". */
  error = "";
  errorReason = "";
  /** Offset of the offending byte in the read execute() failed on. */
  errorOffset = 0;

  readonly kind: number;
  readonly limits: OwnH1Limits;
  readonly events: H1Events;
  state = START;
  flags = 0;
  hstate = H_GENERAL;
  finishState = FINISH_SAFE;
  /** Position in a word being matched (method trie node, protocol, "chunked", connection word, preface). */
  match = 0;
  word = 0;
  contentLength = 0;
  digits = 0;
  clHigh = 0;
  clLow = 0;
  remaining = 0;
  headerBytes = 0;
  extensionBytes = 0;
  span = SP_NONE;
  spanStart = 0;
  /** The part of the open span that came in earlier reads. */
  spanPart = "";
  name = "";
  valueText = "";
  /** The decoded window of the current read: data[textBase, textEnd) as `text` (textEnd < 0: none yet). */
  text = "";
  textBase = 0;
  textEnd = -1;
  /** Where the current execute()'s bytes end in its buffer (a read into a larger reused buffer ends before it). */
  readEnd = 0;

  constructor(kind: number, limits: OwnH1Limits, events: H1Events) {
    this.kind = kind;
    this.limits = limits;
    this.events = events;
  }

  fail(code: string, reason: string, at: number): number {
    this.error = code;
    this.errorReason = reason;
    this.errorOffset = at;
    this.state = DEAD;
    return -1;
  }
  /** Counts an ended or read-through span against its bound (node's TrackHeader / chunk-extension count). */
  track(kind: number, n: number): boolean {
    if (kind === SP_EXT) {
      this.extensionBytes += n;
      return this.extensionBytes <= MAX_EXTENSION_BYTES;
    }
    this.headerBytes += n;
    return this.headerBytes < this.limits.maxHeaderBytes;
  }
  /** The open span reaches the end of this read: keep its text, count it. */
  flushSpan(data: Buffer, end: number): boolean {
    const n = end - this.spanStart;
    if (this.span !== SP_EXT) this.spanPart += this.slice(data, this.spanStart, end);
    if (this.track(this.span, n)) return true;
    this.overflow(end);
    return false;
  }
  overflow(at: number): number {
    return this.span === SP_EXT ? this.fail("HPE_CHUNK_EXTENSIONS_OVERFLOW", "Chunk extensions overflow", at) : this.fail("HPE_HEADER_OVERFLOW", "Header overflow", at);
  }
  /** Ends the open span at `end`; returns its text (names, values, url, reason), or undefined past a bound. */
  endSpan(data: Buffer, end: number): string | undefined {
    const kind = this.span;
    this.span = SP_NONE;
    if (!this.track(kind, end - this.spanStart)) {
      this.span = kind;
      this.overflow(end);
      return undefined;
    }
    if (kind === SP_EXT) return "";
    // A field name whole in this read: the string an earlier head gave the same bytes, when it is at hand.
    if (kind === SP_NAME && this.spanPart === "") return fieldName(data, this.spanStart, end, this);
    let s = end > this.spanStart ? this.slice(data, this.spanStart, end) : "";
    if (this.spanPart !== "") {
      s = this.spanPart + s;
      this.spanPart = "";
    }
    return s;
  }
  /** data[s, e) as a latin1 string, sliced from the decoded window (decoding a new one from `s` if needed). */
  slice(data: Buffer, s: number, e: number): string {
    if (s < this.textBase || e > this.textEnd) {
      if (e - s > WINDOW) return latin1(data, s, e);
      this.textBase = s;
      this.textEnd = Math.min(this.readEnd, s + WINDOW);
      this.text = latin1(data, s, this.textEnd);
    }
    return this.text.slice(s - this.textBase, e - this.textBase);
  }
  beginMessage(): void {
    this.finishState = FINISH_UNSAFE;
    this.flags = 0;
    this.contentLength = 0;
    this.headerBytes = 0;
    this.headers = [];
    this.trailers = undefined;
    this.method = "";
    this.methodIndex = -1;
    this.url = "";
    this.status = 0;
    this.reason = "";
    this.upgrade = false;
    this.keepAlive = false;
    this.match = 0;
  }
  /** Adds a decimal Content-Length digit; false past 2^64 - 1 (llhttp's unsigned 64-bit bound), kept exact in two parts. */
  addDecimal(d: number): boolean {
    const lo = this.clLow * 10 + d;
    const carry = Math.floor(lo / 1e10);
    this.clLow = lo - carry * 1e10;
    this.clHigh = this.clHigh * 10 + carry;
    if (this.clHigh > 1844674407 || (this.clHigh === 1844674407 && this.clLow > 3709551615)) return false;
    this.contentLength = this.clHigh * 1e10 + this.clLow;
    return true;
  }
  /** llhttp's setHeaderFlags: a finished Connection word or a final `chunked` sets its flag. */
  setHeaderFlags(): void {
    switch (this.hstate) {
      case H_CONN_KEEP_ALIVE:
        this.flags |= R.F_KEEP_ALIVE;
        this.hstate = H_CONNECTION;
        break;
      case H_CONN_CLOSE:
        this.flags |= R.F_CLOSE;
        this.hstate = H_CONNECTION;
        break;
      case H_CONN_UPGRADE:
        this.flags |= R.F_CONNECTION_UPGRADE;
        this.hstate = H_CONNECTION;
        break;
      case H_TE_CHUNKED:
        this.flags |= R.F_CHUNKED;
        break;
    }
  }
  addField(value: string, at: number): number {
    let list = this.headers;
    if ((this.flags & R.F_TRAILING) !== 0) list = this.trailers ??= [];
    if (list.length >= this.limits.maxHeaderCount * 2) return this.fail("HPE_HEADER_OVERFLOW", "Too many header fields", at);
    list.push(this.name, value);
    return 0;
  }
  /** The head ended at `i` (after its blank line): report it, then frame what follows. */
  headComplete(data: Buffer, i: number): number {
    this.headerBytes = 0;
    const up = R.upgrades(this.kind, this.flags, this.methodIndex, this.status);
    this.upgrade = up;
    this.keepAlive = R.keepsAlive(this.kind, this.flags, this.status, this.versionMajor, this.versionMinor);
    const ret = this.events.onHead(this);
    if (ret === NO_BODY) this.flags |= R.F_SKIP_BODY;
    else if (ret === UPGRADE) {
      this.upgrade = true;
      this.flags |= R.F_SKIP_BODY;
    } else if (ret === PAUSE) {
      this.state = HEADERS_DONE;
      this.paused = true;
      return i;
    } else if (ret !== BODY) return this.fail("HPE_CB_HEADERS_COMPLETE", "User callback error", i);
    return this.afterHead(data, i);
  }
  afterHead(_data: Buffer, i: number): number {
    switch (R.framing(this.kind, this.flags, this.methodIndex, this.status, this.upgrade, this.contentLength)) {
      case R.AFTER_UPGRADE:
        this.events.onComplete(this);
        this.upgraded = true;
        this.state = DEAD;
        return i;
      case R.AFTER_NO_BODY:
        this.events.onComplete(this);
        this.cleanup();
        return i;
      case R.AFTER_CHUNKED:
        this.state = CHUNK_SIZE_START;
        return i;
      case R.AFTER_LENGTH:
        this.remaining = this.contentLength;
        this.state = BODY_LENGTH;
        return i;
      case R.AFTER_EOF:
        this.finishState = FINISH_SAFE_WITH_CB;
        this.state = BODY_EOF;
        return i;
      default:
        return this.fail("HPE_INVALID_TRANSFER_ENCODING", "Request has invalid `Transfer-Encoding`", i);
    }
  }
  /** A body (or trailer section) ended at `i`. */
  messageDone(i: number): number {
    this.events.onComplete(this);
    if (this.upgrade) {
      this.upgraded = true;
      this.state = DEAD;
      return i;
    }
    this.cleanup();
    return i;
  }
  /** llhttp's cleanup: the next message, or the closed state when the connection does not stay open. */
  cleanup(): void {
    const keep = R.keepsAlive(this.kind, this.flags, this.status, this.versionMajor, this.versionMinor);
    this.finishState = FINISH_SAFE;
    this.flags = 0;
    this.contentLength = 0;
    this.state = keep ? START : CLOSED;
  }
}
