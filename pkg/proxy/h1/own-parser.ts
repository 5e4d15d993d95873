// own-parser: a strict, incremental HTTP/1.1 message parser in plain TS (candidate replacement of node's
// llhttp binding, h1-parser.ts; not wired into the proxy). It reads requests or responses from reads
// split anywhere, byte by byte as llhttp's state machine does (runs of target, name and value bytes in
// tight loops), and accepts and refuses what node's strict llhttp does: the same request-line and
// status-line grammar, token names, field-value bytes (no CTL, DEL, bare CR or LF, no obs-fold),
// Content-Length (digits, one field, 64-bit), Transfer-Encoding (chunked last; with Content-Length ⇒
// error), chunk sizes (hex, 64-bit), chunk extensions, trailers, keep-alive and upgrade rules, and
// node's head-size (url + status + names + values) and chunk-extension bounds. Checked against llhttp
// by test/proxy/h1-own-parser-*.test.ts.
// Takes the kind, limits and one events object; gives execute()/finish()/resume() and the current
// head as plain fields (one headers array per message, names/values as latin1 strings, as received).
// Errors are llhttp's HPE_* codes with the offset in the read. Must not: allocate per byte, accept
// anything llhttp refuses, or let a field value hold CR, LF or NUL.
import { ALPHA, CLASS, HEX, LIST_TOKEN, PATH, QDTEXT, SERVER, TOKEN, VALUE } from "./own-chars.ts";
import { CONNECT, HTTP_METHODS, ICE_METHOD, METHOD_NAMES, PRI, RTSP_METHODS, TRIE_METHOD, TRIE_NEXT } from "./own-methods.ts";
import * as R from "./own-rules.ts";

export { REQUEST, RESPONSE } from "./own-rules.ts";

/** What onHead may answer: parse a body as framed, no body (a HEAD answer), an upgrade, or stop after this head. */
export const BODY = 0, NO_BODY = 1, UPGRADE = 2, PAUSE = 3;

export interface H1Events {
  /** A head is complete: read it from the parser's fields. Returns BODY, NO_BODY, UPGRADE or PAUSE. */
  onHead(p: OwnH1Parser): number;
  /** Body bytes data[start, end) (de-chunked); valid only during the call. */
  onBody(data: Buffer, start: number, end: number): void;
  /** The message is complete; `p.trailers` holds a chunked body's trailer fields, if any. */
  onComplete(p: OwnH1Parser): void;
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
const WINDOW = 2048;

/** node's bound on a chunk's extension bytes (names and values). */
const MAX_EXTENSION_BYTES = 16 * 1024;

interface Latin1 {
  latin1Slice(start: number, end: number): string;
}
function latin1(b: Buffer, s: number, e: number): string {
  return (b as unknown as Latin1).latin1Slice(s, e);
}

// States (one per llhttp node that consumes bytes).
const START = 0, METHOD = 1, SPACES_BEFORE_URL = 2, U_START = 3, U_SCHEMA = 4, U_DELIM1 = 5, U_DELIM2 = 6, U_SERVER = 7, U_SERVER_AT = 8, U_PATH = 9, U_QUERY = 10, U_FRAGMENT = 11, URL_CR = 12,
  HTTP_START = 13, PROTO = 14, SLASH = 15, MAJOR = 16, DOT = 17, MINOR = 18, REQ_LINE_END = 19, REQ_LINE_LF = 20, PRI_PREFACE = 21, RES_AFTER_VERSION = 22, STATUS_DIGIT = 23, STATUS_OTHERWISE = 24,
  REASON = 25, RES_LINE_LF = 26, HEADERS_START = 27, FIELD_START = 28, FIELD = 29, DISCARD_WS = 30, DISCARD_WS_CR = 31, DISCARD_LWS = 32, VALUE_ANY = 33, VALUE_CR = 34, VALUE_LWS = 35, CL_DIGITS = 36,
  CL_WS = 37, TE_CHUNKED = 38, TE_LAST = 39, TE_TOKEN = 40, TE_OWS = 41, CONN = 42, CONN_MATCH = 43, CONN_WS = 44, CONN_TOKEN = 45, HEADERS_ALMOST = 46, HEADERS_DONE = 47, BODY_LENGTH = 48,
  BODY_EOF = 49, CHUNK_SIZE_START = 50, CHUNK_SIZE = 51, CHUNK_EXT = 52, EXT_NAME = 53, EXT_VALUE = 54, EXT_QUOTED = 55, EXT_QPAIR = 56, EXT_QUOTED_DONE = 57, CHUNK_SIZE_CR = 58, CHUNK_DATA = 59,
  CHUNK_DATA_CR = 60, CHUNK_DATA_LF = 61, CLOSED = 62, DEAD = 63, VALUE_START = 64, URL_DONE = 65;

// Header states (which field's value is being read).
const H_GENERAL = 0, H_CONNECTION = 1, H_CONTENT_LENGTH = 2, H_TRANSFER_ENCODING = 3, H_UPGRADE = 4, H_CONN_KEEP_ALIVE = 5, H_CONN_CLOSE = 6, H_CONN_UPGRADE = 7, H_TE_CHUNKED = 8;

// Open spans (bytes that become a string or count against a bound).
const SP_NONE = 0, SP_URL = 1, SP_REASON = 2, SP_NAME = 3, SP_VALUE = 4, SP_EXT = 5;

// llhttp_finish states.
const FINISH_SAFE = 0, FINISH_SAFE_WITH_CB = 1, FINISH_UNSAFE = 2;

const PROTOCOLS = ["HTTP", "RTSP", "ICE"];
const PREFACE = "\r\n\r\nSM\r\n\r\n";
const CONN_WORDS = ["close", "upgrade", "keep-alive"];
const CONN_STATES = [H_CONN_CLOSE, H_CONN_UPGRADE, H_CONN_KEEP_ALIVE];
const CHUNKED = "chunked";

export class OwnH1Parser {
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

  private readonly kind: number;
  private readonly limits: OwnH1Limits;
  private readonly events: H1Events;
  private state = START;
  private flags = 0;
  private hstate = H_GENERAL;
  private finishState = FINISH_SAFE;
  /** Position in a word being matched (method trie node, protocol, "chunked", connection word, preface). */
  private match = 0;
  private word = 0;
  private contentLength = 0;
  private digits = 0;
  private clHigh = 0;
  private clLow = 0;
  private remaining = 0;
  private headerBytes = 0;
  private extensionBytes = 0;
  private span = SP_NONE;
  private spanStart = 0;
  /** The part of the open span that came in earlier reads. */
  private spanPart = "";
  private name = "";
  private valueText = "";
  /** The decoded window of the current read: data[textBase, textEnd) as `text` (textEnd < 0: none yet). */
  private text = "";
  private textBase = 0;
  private textEnd = -1;

  constructor(kind: number, limits: OwnH1Limits, events: H1Events) {
    this.kind = kind;
    this.limits = limits;
    this.events = events;
  }

  /**
   * Parse `data`. Returns the bytes taken: all of them, or fewer when onHead paused (paused) or the stream
   * switched protocols (upgraded); -1 on a parse error (error, errorOffset). A failed parser stays failed.
   */
  execute(data: Buffer): number {
    if (this.error !== "") return -1;
    if (this.paused) return this.fail("HPE_PAUSED", "Paused", 0);
    if (this.upgraded) return 0;
    if (this.span !== SP_NONE) this.spanStart = 0;
    this.textEnd = -1;
    const n = this.run(data);
    if (n < 0 || this.paused || this.upgraded) return n;
    if (this.span !== SP_NONE && !this.flushSpan(data, data.length)) return -1;
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

  private fail(code: string, reason: string, at: number): number {
    this.error = code;
    this.errorReason = reason;
    this.errorOffset = at;
    this.state = DEAD;
    return -1;
  }

  /** Counts an ended or read-through span against its bound (node's TrackHeader / chunk-extension count). */
  private track(kind: number, n: number): boolean {
    if (kind === SP_EXT) {
      this.extensionBytes += n;
      return this.extensionBytes <= MAX_EXTENSION_BYTES;
    }
    this.headerBytes += n;
    return this.headerBytes < this.limits.maxHeaderBytes;
  }

  /** The open span reaches the end of this read: keep its text, count it. */
  private flushSpan(data: Buffer, end: number): boolean {
    const n = end - this.spanStart;
    if (this.span !== SP_EXT) this.spanPart += this.slice(data, this.spanStart, end);
    if (this.track(this.span, n)) return true;
    this.overflow(end);
    return false;
  }

  private overflow(at: number): number {
    return this.span === SP_EXT ? this.fail("HPE_CHUNK_EXTENSIONS_OVERFLOW", "Chunk extensions overflow", at) : this.fail("HPE_HEADER_OVERFLOW", "Header overflow", at);
  }

  /** Ends the open span at `end`; returns its text (names, values, url, reason), or undefined past a bound. */
  private endSpan(data: Buffer, end: number): string | undefined {
    const kind = this.span;
    this.span = SP_NONE;
    if (!this.track(kind, end - this.spanStart)) {
      this.span = kind;
      this.overflow(end);
      return undefined;
    }
    if (kind === SP_EXT) return "";
    let s = end > this.spanStart ? this.slice(data, this.spanStart, end) : "";
    if (this.spanPart !== "") {
      s = this.spanPart + s;
      this.spanPart = "";
    }
    return s;
  }

  /** data[s, e) as a latin1 string, sliced from the decoded window (decoding a new one from `s` if needed). */
  private slice(data: Buffer, s: number, e: number): string {
    if (s < this.textBase || e > this.textEnd) {
      if (e - s > WINDOW) return latin1(data, s, e);
      this.textBase = s;
      this.textEnd = Math.min(data.length, s + WINDOW);
      this.text = latin1(data, s, this.textEnd);
    }
    return this.text.slice(s - this.textBase, e - this.textBase);
  }

  private beginMessage(): void {
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

  private run(data: Buffer): number {
    const len = data.length;
    let i = 0;
    // A paused head resumes with its framing decision (llhttp's headers_done runs before a byte is read).
    if (this.state === HEADERS_DONE) {
      i = this.afterHead(data, 0);
      if (i < 0 || this.upgraded) return i;
    }
    while (i < len) {
      const b = data[i]!;
      switch (this.state) {
        case START:
          if (b === 13 || b === 10) {
            i++;
            continue;
          }
          this.beginMessage();
          this.state = this.kind === R.REQUEST ? METHOD : PROTO;
          continue;
        case METHOD: {
          const next = TRIE_NEXT[this.match * 256 + b]!;
          if (next !== 0) {
            this.match = next;
            i++;
            continue;
          }
          const m = TRIE_METHOD[this.match]!;
          if (b !== 32 || m < 0) return this.fail("HPE_INVALID_METHOD", "Invalid method encountered", i);
          this.methodIndex = m;
          this.method = METHOD_NAMES[m]!;
          this.state = SPACES_BEFORE_URL;
          i++;
          continue;
        }
        case SPACES_BEFORE_URL:
          if (b === 32) {
            i++;
            continue;
          }
          this.span = SP_URL;
          this.spanStart = i;
          this.state = this.methodIndex === CONNECT ? U_SERVER : U_START;
          continue;
        case U_START:
          if (b === 47 || b === 42) this.state = U_PATH;
          else if ((CLASS[b]! & ALPHA) !== 0) this.state = U_SCHEMA;
          else return this.fail("HPE_INVALID_URL", "Unexpected start char in url", i);
          i++;
          continue;
        case U_SCHEMA:
          if ((CLASS[b]! & ALPHA) !== 0) {
            i++;
            continue;
          }
          if (b !== 58) return this.fail("HPE_INVALID_URL", "Unexpected char in url schema", i);
          this.state = U_DELIM1;
          i++;
          continue;
        case U_DELIM1:
        case U_DELIM2:
          if (b !== 47) return this.fail("HPE_INVALID_URL", "Unexpected char in url schema", i);
          this.state = this.state === U_DELIM1 ? U_DELIM2 : U_SERVER;
          i++;
          continue;
        case U_SERVER:
        case U_SERVER_AT:
          if (b === 47) this.state = U_PATH;
          else if (b === 63) this.state = U_QUERY;
          else if ((CLASS[b]! & SERVER) !== 0) this.state = U_SERVER;
          else if (b === 64) {
            if (this.state === U_SERVER_AT) return this.fail("HPE_INVALID_URL", "Double @ in url", i);
            this.state = U_SERVER_AT;
          } else {
            i = this.urlEnd(data, i, b);
            if (i < 0) return i;
            continue;
          }
          i++;
          continue;
        case U_PATH:
        case U_QUERY:
        case U_FRAGMENT: {
          let j = i;
          while (j < len && (CLASS[data[j]!]! & PATH) !== 0) j++;
          i = j;
          if (j === len) continue;
          const c = data[j]!;
          if (c === 63 && this.state !== U_PATH) i++;
          else if (c === 63) {
            this.state = U_QUERY;
            i++;
          } else if (c === 35) {
            this.state = U_FRAGMENT;
            i++;
          } else {
            i = this.urlEnd(data, j, c);
            if (i < 0) return i;
          }
          continue;
        }
        case URL_CR:
          if (b !== 10) return this.fail("HPE_INVALID_URL", "Expected CRLF", i);
          this.versionMajor = 0;
          this.versionMinor = 9;
          this.state = URL_DONE;
          this.word = HEADERS_START;
          i++;
          continue;
        case URL_DONE:
          // llhttp's strict URL nodes refuse HTAB and FF in the byte right after the target's end, too.
          if (b === 9 || b === 12) return this.fail("HPE_INVALID_URL", "Invalid characters in url (strict mode)", i);
          this.state = this.word;
          continue;
        case HTTP_START:
          if (b === 32) {
            i++;
            continue;
          }
          this.state = PROTO;
          this.match = 0;
          // Fast path: "HTTP/1.1\r\n" or "HTTP/1.0\r\n" whole in this read, for a method HTTP admits.
          if (b === 72 && i + 10 <= len && isHttp1(data, i) && data[i + 8] === 13 && data[i + 9] === 10 && HTTP_METHODS[this.methodIndex] === 1 && this.methodIndex !== PRI) {
            this.versionMajor = 1;
            this.versionMinor = data[i + 7]! - 48;
            this.state = HEADERS_START;
            i += 10;
          }
          continue;
        case PROTO: {
          // Fast path: a response's "HTTP/1.x NNN" whole in this read.
          if (this.match === 0 && this.kind === R.RESPONSE && b === 72 && i + 12 <= len && isHttp1(data, i) && data[i + 8] === 32 && isDigit(data[i + 9]!) && isDigit(data[i + 10]!)
            && isDigit(data[i + 11]!))
          {
            this.versionMajor = 1;
            this.versionMinor = data[i + 7]! - 48;
            this.status = (data[i + 9]! - 48) * 100 + (data[i + 10]! - 48) * 10 + data[i + 11]! - 48;
            this.state = STATUS_OTHERWISE;
            i += 12;
            continue;
          }
          if (this.match === 0) {
            this.word = b === 72 ? 0 : b === 82 ? 1 : b === 73 ? 2 : -1;
            if (this.word < 0) return this.fail("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", i);
          } else if (PROTOCOLS[this.word]!.charCodeAt(this.match) !== b) return this.fail("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", i);
          i++;
          if (++this.match < PROTOCOLS[this.word]!.length) continue;
          if (this.kind === R.REQUEST) {
            const m = this.methodIndex;
            const ok = this.word === 0 ? HTTP_METHODS[m]! === 1 : this.word === 1 ? RTSP_METHODS[m]! === 1 : m === ICE_METHOD;
            if (!ok) return this.fail("HPE_INVALID_CONSTANT", "Invalid method for protocol", i);
          }
          this.state = SLASH;
          continue;
        }
        case SLASH:
          if (b !== 47) return this.fail("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", i);
          this.state = MAJOR;
          i++;
          continue;
        case MAJOR:
          if (b < 48 || b > 57) return this.fail("HPE_INVALID_VERSION", "Invalid major version", i);
          this.versionMajor = b - 48;
          this.state = DOT;
          i++;
          continue;
        case DOT:
          if (b !== 46) return this.fail("HPE_INVALID_VERSION", "Expected dot", i);
          this.state = MINOR;
          i++;
          continue;
        case MINOR: {
          if (b < 48 || b > 57) return this.fail("HPE_INVALID_VERSION", "Invalid minor version", i);
          const ma = this.versionMajor, mi = b - 48;
          this.versionMinor = mi;
          if (!((ma === 0 && mi === 9) || (ma === 1 && (mi === 0 || mi === 1)) || (ma === 2 && mi === 0))) return this.fail("HPE_INVALID_VERSION", "Invalid HTTP version", i);
          i++;
          if (this.kind === R.RESPONSE) this.state = RES_AFTER_VERSION;
          else if (this.methodIndex === PRI) {
            this.state = PRI_PREFACE;
            this.match = 0;
          } else this.state = REQ_LINE_END;
          continue;
        }
        case REQ_LINE_END:
          if (b !== 13) return this.fail("HPE_INVALID_VERSION", "Expected CRLF after version", i);
          this.state = REQ_LINE_LF;
          i++;
          continue;
        case REQ_LINE_LF:
        case RES_LINE_LF:
          if (b !== 10) return this.fail("HPE_STRICT", "Expected LF after CR", i);
          this.state = HEADERS_START;
          i++;
          continue;
        case PRI_PREFACE:
          if (PREFACE.charCodeAt(this.match) !== b) return this.fail("HPE_INVALID_VERSION", "Expected HTTP/2 Connection Preface", i);
          i++;
          if (++this.match === PREFACE.length) return this.fail("HPE_PAUSED_H2_UPGRADE", "Pause on PRI/Upgrade", i);
          continue;
        case RES_AFTER_VERSION:
          if (b !== 32) return this.fail("HPE_INVALID_VERSION", "Expected space after version", i);
          this.state = STATUS_DIGIT;
          this.match = 0;
          i++;
          continue;
        case STATUS_DIGIT:
          if (b < 48 || b > 57) return this.fail("HPE_INVALID_STATUS", "Invalid status code", i);
          this.status = this.status * 10 + b - 48;
          i++;
          if (++this.match === 3) this.state = STATUS_OTHERWISE;
          continue;
        case STATUS_OTHERWISE:
          if (b === 32) {
            this.span = SP_REASON;
            this.spanStart = i + 1;
            this.state = REASON;
          } else if (b === 13) this.state = RES_LINE_LF;
          else return this.fail("HPE_INVALID_STATUS", "Invalid response status", i);
          i++;
          continue;
        case REASON: {
          let j = i;
          while (j < len && data[j]! !== 13 && data[j]! !== 10) j++;
          i = j;
          if (j === len) continue;
          const s = this.endSpan(data, j);
          if (s === undefined) return -1;
          this.reason = s;
          if (data[j]! === 10) return this.fail("HPE_CR_EXPECTED", "Missing expected CR after response line", j);
          this.state = RES_LINE_LF;
          i++;
          continue;
        }
        case HEADERS_START:
          if (b === 32) return this.fail("HPE_UNEXPECTED_SPACE", "Unexpected space after start line", i);
          this.state = FIELD_START;
          continue;
        case FIELD_START:
          if (b === 13) {
            this.state = HEADERS_ALMOST;
            i++;
            continue;
          }
          if (b === 10 || b === 58) return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token", i);
          this.span = SP_NAME;
          this.spanStart = i;
          this.state = FIELD;
          i = this.fieldLine(data, i);
          if (i < 0) return i;
          continue;
        case FIELD: {
          let j = i;
          while (j < len && (CLASS[data[j]!]! & TOKEN) !== 0) j++;
          i = j;
          if (j === len) continue;
          if (data[j]! !== 58) return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token", j);
          const name = this.endSpan(data, j);
          if (name === undefined) return -1;
          this.name = name;
          const h = specialField(name);
          this.hstate = h;
          if (h === H_TRANSFER_ENCODING && (this.flags & R.F_CONTENT_LENGTH) !== 0) {
            return this.fail("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length", j);
          }
          if (h === H_CONTENT_LENGTH && (this.flags & R.F_TRANSFER_ENCODING) !== 0) {
            return this.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding", j);
          }
          this.state = DISCARD_WS;
          i++;
          continue;
        }
        case DISCARD_WS:
          if (b === 32 || b === 9) {
            i++;
            continue;
          }
          if (b === 13) {
            this.state = DISCARD_WS_CR;
            i++;
            continue;
          }
          if (b === 10) return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i);
          this.span = SP_VALUE;
          this.spanStart = i;
          this.state = VALUE_START;
          continue;
        case DISCARD_WS_CR:
          if (b !== 10) return this.fail("HPE_STRICT", "Expected LF after CR", i);
          this.state = DISCARD_LWS;
          i++;
          continue;
        case DISCARD_LWS:
          if (b === 32 || b === 9) return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i);
          if (this.hstate === H_CONTENT_LENGTH) return this.fail("HPE_INVALID_CONTENT_LENGTH", "Empty Content-Length", i);
          if (this.hstate === H_TRANSFER_ENCODING) return this.fail("HPE_INVALID_TRANSFER_ENCODING", "Empty Transfer-Encoding", i);
          if (this.addField("", i) < 0) return -1;
          this.state = FIELD_START;
          continue;
        case VALUE_START:
          switch (this.hstate) {
            case H_UPGRADE:
              this.flags |= R.F_UPGRADE;
              this.hstate = H_GENERAL;
              this.state = VALUE_ANY;
              break;
            case H_TRANSFER_ENCODING:
              if ((this.flags & R.F_CHUNKED) !== 0 && this.kind === R.REQUEST)
                return this.endSpan(data, i) === undefined
                  ? -1
                  : this.fail("HPE_INVALID_TRANSFER_ENCODING", "Invalid `Transfer-Encoding` header value", i);
              this.flags = (this.flags | R.F_TRANSFER_ENCODING) & ~R.F_CHUNKED;
              this.state = TE_CHUNKED;
              this.match = 0;
              break;
            case H_CONTENT_LENGTH:
              if ((this.flags & R.F_CONTENT_LENGTH) !== 0) return this.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length", i);
              this.state = CL_DIGITS;
              this.contentLength = 0;
              this.clHigh = 0;
              this.clLow = 0;
              break;
            case H_CONNECTION:
              this.state = CONN;
              break;
            default:
              this.state = VALUE_ANY;
          }
          continue;
        case VALUE_ANY: {
          let j = i;
          while (j < len && (CLASS[data[j]!]! & VALUE) !== 0) j++;
          i = j;
          if (j === len) continue;
          const c = data[j]!;
          if (c === 13) {
            const v = this.endSpan(data, j);
            if (v === undefined) return -1;
            this.valueText = v;
            this.state = VALUE_CR;
            i++;
            continue;
          }
          if (c === 10) {
            if (this.endSpan(data, j) === undefined) return -1;
            return this.fail("HPE_CR_EXPECTED", "Missing expected CR after header value", j);
          }
          if (this.endSpan(data, j) === undefined) return -1;
          return this.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", j);
        }
        case VALUE_CR:
          if (b !== 10) return this.fail("HPE_LF_EXPECTED", "Missing expected LF after header value", i);
          this.state = VALUE_LWS;
          i++;
          continue;
        case VALUE_LWS:
          if (b === 32 || b === 9) return this.fail("HPE_INVALID_HEADER_TOKEN", "Unexpected whitespace after header value", i);
          this.setHeaderFlags();
          if (this.addField(trimEnd(this.valueText), i) < 0) return -1;
          this.state = FIELD_START;
          continue;
        case CL_DIGITS:
          if (b >= 48 && b <= 57) {
            if (this.addDecimal(b - 48)) {
              i++;
              continue;
            }
            if (this.endSpan(data, i) === undefined) return -1;
            return this.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length overflow", i);
          }
          this.state = CL_WS;
          continue;
        case CL_WS:
          if (b === 32 || b === 9) {
            i++;
            continue;
          }
          if (b === 13 || b === 10) {
            this.flags |= R.F_CONTENT_LENGTH;
            this.state = VALUE_ANY;
            continue;
          }
          if (this.endSpan(data, i) === undefined) return -1;
          return this.fail("HPE_INVALID_CONTENT_LENGTH", "Invalid character in Content-Length", i);
        case TE_CHUNKED:
          if ((b | 0x20) === CHUNKED.charCodeAt(this.match)) {
            i++;
            if (++this.match === CHUNKED.length) this.state = TE_LAST;
            continue;
          }
          this.state = TE_TOKEN;
          continue;
        case TE_LAST:
          if (b === 32) {
            i++;
            continue;
          }
          if (b === 13 || b === 10) {
            this.hstate = H_TE_CHUNKED;
            this.state = VALUE_ANY;
          } else if (b === 44) {
            if (this.kind === R.REQUEST) {
              if (this.endSpan(data, i) === undefined) return -1;
              return this.fail("HPE_INVALID_TRANSFER_ENCODING", "Invalid `Transfer-Encoding` header value", i);
            }
            this.state = TE_CHUNKED;
            this.match = 0;
          } else this.state = TE_TOKEN;
          continue;
        case TE_TOKEN:
          if (b === 44) this.state = TE_OWS;
          else if ((CLASS[b]! & LIST_TOKEN) === 0) {
            this.hstate = H_GENERAL;
            this.state = VALUE_ANY;
            continue;
          }
          i++;
          continue;
        case TE_OWS:
          if (b === 32 || b === 9) {
            i++;
            continue;
          }
          this.state = TE_CHUNKED;
          this.match = 0;
          continue;
        case CONN: {
          if (b === 32 || b === 9) {
            i++;
            continue;
          }
          const lower = toLower(b);
          this.word = lower === 99 ? 0 : lower === 117 ? 1 : lower === 107 ? 2 : -1;
          if (this.word < 0) {
            this.state = CONN_TOKEN;
            continue;
          }
          this.match = 1;
          this.state = CONN_MATCH;
          i++;
          continue;
        }
        case CONN_MATCH: {
          const w = CONN_WORDS[this.word]!;
          if (toLower(b) === w.charCodeAt(this.match)) {
            i++;
            if (++this.match === w.length) {
              this.hstate = CONN_STATES[this.word]!;
              this.state = CONN_WS;
            }
            continue;
          }
          this.state = CONN_TOKEN;
          continue;
        }
        case CONN_WS:
          if (b === 44) {
            this.setHeaderFlags();
            this.state = CONN;
          } else if (b === 32 || b === 9) {
            // stays
          } else if (b === 13 || b === 10) {
            this.state = VALUE_ANY;
            continue;
          } else {
            this.hstate = H_GENERAL;
            this.state = CONN_TOKEN;
            continue;
          }
          i++;
          continue;
        case CONN_TOKEN:
          if (b === 44) this.state = CONN;
          else if ((CLASS[b]! & LIST_TOKEN) === 0) {
            this.state = VALUE_ANY;
            continue;
          }
          i++;
          continue;
        case HEADERS_ALMOST:
          if (b !== 10) return this.fail("HPE_STRICT", "Expected LF after headers", i);
          i++;
          if ((this.flags & R.F_TRAILING) !== 0) {
            i = this.messageDone(i);
            if (i < 0 || this.upgraded) return i;
            continue;
          }
          i = this.headComplete(data, i);
          if (i < 0 || this.paused || this.upgraded) return i;
          continue;
        case BODY_LENGTH:
        case CHUNK_DATA: {
          const take = Math.min(this.remaining, len - i);
          this.events.onBody(data, i, i + take);
          i += take;
          this.remaining -= take;
          if (this.remaining > 0) continue;
          if (this.state === CHUNK_DATA) {
            this.state = CHUNK_DATA_CR;
            continue;
          }
          i = this.messageDone(i);
          if (i < 0 || this.upgraded) return i;
          continue;
        }
        case BODY_EOF:
          this.events.onBody(data, i, len);
          i = len;
          continue;
        case CHUNK_SIZE_START:
          if (HEX[b]! < 0) return this.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i);
          this.contentLength = 0;
          this.digits = 0;
          this.extensionBytes = 0;
          this.state = CHUNK_SIZE;
          continue;
        case CHUNK_SIZE: {
          const d = HEX[b]!;
          if (d >= 0) {
            if (this.contentLength !== 0 || d !== 0) {
              if (++this.digits > 16) return this.fail("HPE_INVALID_CHUNK_SIZE", "Chunk size overflow", i);
              this.contentLength = this.contentLength * 16 + d;
            }
            i++;
            continue;
          }
          if (b === 13) this.state = CHUNK_SIZE_CR;
          else if (b === 10) return this.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk size", i);
          else if (b === 59) this.state = CHUNK_EXT;
          else return this.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i);
          i++;
          continue;
        }
        case CHUNK_EXT:
          if (b === 32 || b === 13) return this.fail("HPE_STRICT", "Invalid character in chunk extensions", i);
          this.span = SP_EXT;
          this.spanStart = i;
          this.state = EXT_NAME;
          continue;
        case EXT_NAME: {
          let j = i;
          while (j < len && (CLASS[data[j]!]! & TOKEN) !== 0) j++;
          i = j;
          if (j === len) continue;
          const c = data[j]!;
          if (this.endSpan(data, j) === undefined) return -1;
          if (c === 61) {
            this.span = SP_EXT;
            this.spanStart = j + 1;
            this.state = EXT_VALUE;
          } else if (c === 59) this.state = CHUNK_EXT;
          else if (c === 13) this.state = CHUNK_SIZE_CR;
          else if (c === 10) return this.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension name", j);
          else return this.fail("HPE_STRICT", "Invalid character in chunk extensions name", j);
          i++;
          continue;
        }
        case EXT_VALUE:
          if (b === 34) this.state = EXT_QUOTED;
          else if ((CLASS[b]! & TOKEN) !== 0) {
            // stays
          } else {
            if (this.endSpan(data, i) === undefined) return -1;
            if (b === 59) this.state = CHUNK_EXT;
            else if (b === 13) this.state = CHUNK_SIZE_CR;
            else if (b === 10) return this.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension value", i);
            else return this.fail("HPE_STRICT", "Invalid character in chunk extensions value", i);
          }
          i++;
          continue;
        case EXT_QUOTED:
          if ((CLASS[b]! & QDTEXT) !== 0) {
            i++;
            continue;
          }
          if (b === 34) {
            if (this.endSpan(data, i + 1) === undefined) return -1;
            this.state = EXT_QUOTED_DONE;
          } else if (b === 92) this.state = EXT_QPAIR;
          else {
            if (this.endSpan(data, i) === undefined) return -1;
            return this.fail("HPE_STRICT", "Invalid character in chunk extensions quoted value", i);
          }
          i++;
          continue;
        case EXT_QPAIR:
          if ((CLASS[b]! & VALUE) === 0) {
            if (this.endSpan(data, i) === undefined) return -1;
            return this.fail("HPE_STRICT", "Invalid quoted-pair in chunk extensions quoted value", i);
          }
          this.state = EXT_QUOTED;
          i++;
          continue;
        case EXT_QUOTED_DONE:
          if (b === 59) this.state = CHUNK_EXT;
          else if (b === 13) this.state = CHUNK_SIZE_CR;
          else if (b === 10) return this.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension value", i);
          else return this.fail("HPE_STRICT", "Invalid character in chunk extensions quote value", i);
          i++;
          continue;
        case CHUNK_SIZE_CR:
          if (b !== 10) return this.fail("HPE_STRICT", "Expected LF after chunk size", i);
          i++;
          if (this.contentLength === 0) {
            this.flags |= R.F_TRAILING;
            this.state = FIELD_START;
          } else {
            this.remaining = this.contentLength;
            this.state = CHUNK_DATA;
          }
          continue;
        case CHUNK_DATA_CR:
          if (b === 10) return this.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk data", i);
          if (b !== 13) return this.fail("HPE_STRICT", "Expected LF after chunk data", i);
          this.state = CHUNK_DATA_LF;
          i++;
          continue;
        case CHUNK_DATA_LF:
          if (b !== 10) return this.fail("HPE_STRICT", "Expected LF after chunk data", i);
          this.state = CHUNK_SIZE_START;
          i++;
          continue;
        case CLOSED:
          if (b === 13 || b === 10) {
            i++;
            continue;
          }
          return this.fail("HPE_CLOSED_CONNECTION", "Data after `Connection: close`", i);
        default:
          return this.fail("HPE_INTERNAL", "Parser state", i);
      }
    }
    return i;
  }

  /**
   * The fast path of a field line that lies whole in this read: name, OWS, a plain value and CRLF in one
   * go, the same checks as the states it stands for. Stops (leaving the state to the byte-wise path) at
   * anything else: a special field's value, an empty value, the read's end, a bad byte.
   */
  private fieldLine(data: Buffer, i: number): number {
    const len = data.length;
    let j = i;
    while (j < len && (CLASS[data[j]!]! & TOKEN) !== 0) j++;
    if (j === len || data[j] !== 58) return j;
    const name = this.endSpan(data, j);
    if (name === undefined) return -1;
    this.name = name;
    const h = specialField(name);
    this.hstate = h;
    this.state = DISCARD_WS;
    if (h !== H_GENERAL) {
      if (h === H_TRANSFER_ENCODING && (this.flags & R.F_CONTENT_LENGTH) !== 0) {
        return this.fail("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length", j);
      }
      if (h === H_CONTENT_LENGTH && (this.flags & R.F_TRANSFER_ENCODING) !== 0) {
        return this.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding", j);
      }
      return h === H_CONTENT_LENGTH && (this.flags & R.F_CONTENT_LENGTH) === 0 ? this.lengthLine(data, j + 1) : j + 1;
    }
    let k = j + 1;
    while (k < len && (data[k] === 32 || data[k] === 9)) k++;
    if (k === len || data[k] === 13 || data[k] === 10) return k;
    this.span = SP_VALUE;
    this.spanStart = k;
    this.state = VALUE_ANY;
    let m = k;
    while (m < len && (CLASS[data[m]!]! & VALUE) !== 0) m++;
    if (m + 2 >= len || data[m] !== 13 || data[m + 1] !== 10 || data[m + 2] === 32 || data[m + 2] === 9) return m;
    let e = m;
    while (data[e - 1] === 32 || data[e - 1] === 9) e--;
    this.span = SP_NONE;
    if (!this.track(SP_VALUE, m - k)) {
      this.span = SP_VALUE;
      return this.overflow(m);
    }
    if (this.addField(this.slice(data, k, e), m + 2) < 0) return -1;
    this.state = FIELD_START;
    return m + 2;
  }

  /**
   * The fast path of a first Content-Length value whole in this read (digits, OWS, CRLF, no fold); from
   * `k` (after the colon). Anything else goes back to the byte-wise states from `k`.
   */
  private lengthLine(data: Buffer, k: number): number {
    const len = data.length;
    while (k < len && (data[k] === 32 || data[k] === 9)) k++;
    this.clHigh = 0;
    this.clLow = 0;
    let m = k;
    while (m < len && isDigit(data[m]!)) {
      if (!this.addDecimal(data[m]! - 48)) return k;
      m++;
    }
    const e = m;
    while (m < len && (data[m] === 32 || data[m] === 9)) m++;
    if (e === k || m + 2 >= len || data[m] !== 13 || data[m + 1] !== 10 || data[m + 2] === 32 || data[m + 2] === 9) return k;
    if (!this.track(SP_VALUE, m - k)) {
      this.span = SP_VALUE;
      this.spanStart = k;
      return this.overflow(m);
    }
    this.flags |= R.F_CONTENT_LENGTH;
    if (this.addField(this.slice(data, k, e), m + 2) < 0) return -1;
    this.state = FIELD_START;
    return m + 2;
  }

  /** A request-target ends at `i` (byte `b`): SP before the version, CRLF or LF for HTTP/0.9. */
  private urlEnd(data: Buffer, i: number, b: number): number {
    if (b !== 32 && b !== 13 && b !== 10) return this.fail("HPE_INVALID_URL", "Invalid characters in url", i);
    const url = this.endSpan(data, i);
    if (url === undefined) return -1;
    this.url = url;
    this.state = URL_DONE;
    if (b === 32) this.word = HTTP_START;
    else if (b === 13) this.state = URL_CR;
    else {
      this.versionMajor = 0;
      this.versionMinor = 9;
      this.word = HEADERS_START;
    }
    return i + 1;
  }

  /** Adds a decimal Content-Length digit; false past 2^64 - 1 (llhttp's unsigned 64-bit bound), kept exact in two parts. */
  private addDecimal(d: number): boolean {
    const lo = this.clLow * 10 + d;
    const carry = Math.floor(lo / 1e10);
    this.clLow = lo - carry * 1e10;
    this.clHigh = this.clHigh * 10 + carry;
    if (this.clHigh > 1844674407 || (this.clHigh === 1844674407 && this.clLow > 3709551615)) return false;
    this.contentLength = this.clHigh * 1e10 + this.clLow;
    return true;
  }

  /** llhttp's setHeaderFlags: a finished Connection word or a final `chunked` sets its flag. */
  private setHeaderFlags(): void {
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

  private addField(value: string, at: number): number {
    let list = this.headers;
    if ((this.flags & R.F_TRAILING) !== 0) list = this.trailers ??= [];
    if (list.length >= this.limits.maxHeaderCount * 2) return this.fail("HPE_HEADER_OVERFLOW", "Too many header fields", at);
    list.push(this.name, value);
    return 0;
  }

  /** The head ended at `i` (after its blank line): report it, then frame what follows. */
  private headComplete(data: Buffer, i: number): number {
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

  private afterHead(_data: Buffer, i: number): number {
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
  private messageDone(i: number): number {
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
  private cleanup(): void {
    const keep = R.keepsAlive(this.kind, this.flags, this.status, this.versionMajor, this.versionMinor);
    this.finishState = FINISH_SAFE;
    this.flags = 0;
    this.contentLength = 0;
    this.state = keep ? START : CLOSED;
  }
}

/** data[i..i+8) is "HTTP/1.0" or "HTTP/1.1". */
function isHttp1(data: Buffer, i: number): boolean {
  return data[i] === 72 && data[i + 1] === 84 && data[i + 2] === 84 && data[i + 3] === 80 && data[i + 4] === 47 && data[i + 5] === 49 && data[i + 6] === 46
    && (data[i + 7] === 49 || data[i + 7] === 48);
}

function isDigit(b: number): boolean {
  return b >= 48 && b <= 57;
}

function toLower(b: number): number {
  return b >= 65 && b <= 90 ? b | 0x20 : b;
}

/** Which field's value llhttp reads specially (case-insensitive name). */
function specialField(name: string): number {
  switch (name.length) {
    case 7:
      return name.toLowerCase() === "upgrade" ? H_UPGRADE : H_GENERAL;
    case 10:
      return name.toLowerCase() === "connection" ? H_CONNECTION : H_GENERAL;
    case 14:
      return name.toLowerCase() === "content-length" ? H_CONTENT_LENGTH : H_GENERAL;
    case 16:
      return name.toLowerCase() === "proxy-connection" ? H_CONNECTION : H_GENERAL;
    case 17:
      return name.toLowerCase() === "transfer-encoding" ? H_TRANSFER_ENCODING : H_GENERAL;
    default:
      return H_GENERAL;
  }
}

/** node trims a value's trailing SP/HTAB (llhttp's value span runs to the CR). */
function trimEnd(v: string): string {
  let e = v.length;
  while (e > 0) {
    const c = v.charCodeAt(e - 1);
    if (c !== 32 && c !== 9) break;
    e--;
  }
  return e === v.length ? v : v.slice(0, e);
}
