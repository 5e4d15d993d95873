// own-start-line: the start-line phase of the own HTTP/1.1 parser: skipping CR/LF between messages, the
// request line (method by llhttp's trie, request-target by llhttp's strict URL states, protocol HTTP/RTSP/
// ICE with the methods each admits, version 0.9/1.0/1.1/2.0, the h2 preface) and the status line (version,
// three digits, reason), with fast paths for a whole "HTTP/1.x" in the read. Takes the state and a read;
// gives the offset it stopped at. Must not: accept a byte llhttp refuses here.
import { ALPHA, CLASS, isDigit, PATH, SERVER } from "./own-chars.ts";
import { CONNECT, HTTP_METHODS, ICE_METHOD, METHOD_NAMES, PRI, RTSP_METHODS, TRIE_METHOD, TRIE_NEXT } from "./own-methods.ts";
import * as R from "./own-rules.ts";
import { DOT, HEADERS_START, HTTP_START, MAJOR, METHOD, MINOR, PRI_PREFACE, PROTO, REASON, REQ_LINE_END, REQ_LINE_LF, RES_AFTER_VERSION, RES_LINE_LF, SLASH, SPACES_BEFORE_URL, SP_REASON, SP_URL,
  START, STATUS_DIGIT, STATUS_OTHERWISE, URL_CR, URL_DONE, U_DELIM1, U_DELIM2, U_FRAGMENT, U_PATH, U_QUERY, U_SCHEMA, U_SERVER, U_SERVER_AT, U_START, type H1State } from "./own-state.ts";

const PROTOCOLS = ["HTTP", "RTSP", "ICE"];
const PREFACE = "\r\n\r\nSM\r\n\r\n";

/** Reads from `i` while the state is one of this phase's; returns where it stopped, or -1 on an error. */
export function startLine(p: H1State, data: Buffer, i: number): number {
  const len = p.readEnd;
  while (i < len) {
    const b = data[i]!;
    switch (p.state) {
      case START:
        if (b === 13 || b === 10) {
          i++;
          continue;
        }
        p.beginMessage();
        p.state = p.kind === R.REQUEST ? METHOD : PROTO;
        continue;
      case METHOD: {
        const next = TRIE_NEXT[p.match * 256 + b]!;
        if (next !== 0) {
          p.match = next;
          i++;
          continue;
        }
        const m = TRIE_METHOD[p.match]!;
        if (b !== 32 || m < 0) return p.fail("HPE_INVALID_METHOD", "Invalid method encountered", i);
        p.methodIndex = m;
        p.method = METHOD_NAMES[m]!;
        p.state = SPACES_BEFORE_URL;
        i++;
        continue;
      }
      case SPACES_BEFORE_URL:
        if (b === 32) {
          i++;
          continue;
        }
        p.span = SP_URL;
        p.spanStart = i;
        p.state = p.methodIndex === CONNECT ? U_SERVER : U_START;
        continue;
      case U_START:
        if (b === 47 || b === 42) p.state = U_PATH;
        else if ((CLASS[b]! & ALPHA) !== 0) p.state = U_SCHEMA;
        else return p.fail("HPE_INVALID_URL", "Unexpected start char in url", i);
        i++;
        continue;
      case U_SCHEMA:
        if ((CLASS[b]! & ALPHA) !== 0) {
          i++;
          continue;
        }
        if (b !== 58) return p.fail("HPE_INVALID_URL", "Unexpected char in url schema", i);
        p.state = U_DELIM1;
        i++;
        continue;
      case U_DELIM1:
      case U_DELIM2:
        if (b !== 47) return p.fail("HPE_INVALID_URL", "Unexpected char in url schema", i);
        p.state = p.state === U_DELIM1 ? U_DELIM2 : U_SERVER;
        i++;
        continue;
      case U_SERVER:
      case U_SERVER_AT:
        if (b === 47) p.state = U_PATH;
        else if (b === 63) p.state = U_QUERY;
        else if ((CLASS[b]! & SERVER) !== 0) p.state = U_SERVER;
        else if (b === 64) {
          if (p.state === U_SERVER_AT) return p.fail("HPE_INVALID_URL", "Double @ in url", i);
          p.state = U_SERVER_AT;
        } else {
          i = urlEnd(p, data, i, b);
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
        if (c === 63 && p.state !== U_PATH) i++;
        else if (c === 63) {
          p.state = U_QUERY;
          i++;
        } else if (c === 35) {
          p.state = U_FRAGMENT;
          i++;
        } else {
          i = urlEnd(p, data, j, c);
          if (i < 0) return i;
        }
        continue;
      }
      case URL_CR:
        if (b !== 10) return p.fail("HPE_INVALID_URL", "Expected CRLF", i);
        p.versionMajor = 0;
        p.versionMinor = 9;
        p.state = URL_DONE;
        p.word = HEADERS_START;
        i++;
        continue;
      case URL_DONE:
        // llhttp's strict URL nodes refuse HTAB and FF in the byte right after the target's end, too.
        if (b === 9 || b === 12) return p.fail("HPE_INVALID_URL", "Invalid characters in url (strict mode)", i);
        p.state = p.word;
        continue;
      case HTTP_START:
        if (b === 32) {
          i++;
          continue;
        }
        p.state = PROTO;
        p.match = 0;
        // Fast path: "HTTP/1.1\r\n" or "HTTP/1.0\r\n" whole in this read, for a method HTTP admits.
        if (b === 72 && i + 10 <= len && isHttp1(data, i) && data[i + 8] === 13 && data[i + 9] === 10 && HTTP_METHODS[p.methodIndex] === 1 && p.methodIndex !== PRI) {
          p.versionMajor = 1;
          p.versionMinor = data[i + 7]! - 48;
          p.state = HEADERS_START;
          i += 10;
        }
        continue;
      case PROTO: {
        // Fast path: a response's "HTTP/1.x NNN" whole in this read.
        if (p.match === 0 && p.kind === R.RESPONSE && b === 72 && i + 12 <= len && isHttp1(data, i) && data[i + 8] === 32 && isDigit(data[i + 9]!) && isDigit(data[i + 10]!)
          && isDigit(data[i + 11]!))
        {
          p.versionMajor = 1;
          p.versionMinor = data[i + 7]! - 48;
          p.status = (data[i + 9]! - 48) * 100 + (data[i + 10]! - 48) * 10 + data[i + 11]! - 48;
          p.state = STATUS_OTHERWISE;
          i += 12;
          continue;
        }
        if (p.match === 0) {
          p.word = b === 72 ? 0 : b === 82 ? 1 : b === 73 ? 2 : -1;
          if (p.word < 0) return p.fail("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", i);
        } else if (PROTOCOLS[p.word]!.charCodeAt(p.match) !== b) return p.fail("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", i);
        i++;
        if (++p.match < PROTOCOLS[p.word]!.length) continue;
        if (p.kind === R.REQUEST) {
          const m = p.methodIndex;
          const ok = p.word === 0 ? HTTP_METHODS[m]! === 1 : p.word === 1 ? RTSP_METHODS[m]! === 1 : m === ICE_METHOD;
          if (!ok) return p.fail("HPE_INVALID_CONSTANT", "Invalid method for protocol", i);
        }
        p.state = SLASH;
        continue;
      }
      case SLASH:
        if (b !== 47) return p.fail("HPE_INVALID_CONSTANT", "Expected HTTP/, RTSP/ or ICE/", i);
        p.state = MAJOR;
        i++;
        continue;
      case MAJOR:
        if (b < 48 || b > 57) return p.fail("HPE_INVALID_VERSION", "Invalid major version", i);
        p.versionMajor = b - 48;
        p.state = DOT;
        i++;
        continue;
      case DOT:
        if (b !== 46) return p.fail("HPE_INVALID_VERSION", "Expected dot", i);
        p.state = MINOR;
        i++;
        continue;
      case MINOR: {
        if (b < 48 || b > 57) return p.fail("HPE_INVALID_VERSION", "Invalid minor version", i);
        const ma = p.versionMajor, mi = b - 48;
        p.versionMinor = mi;
        if (!((ma === 0 && mi === 9) || (ma === 1 && (mi === 0 || mi === 1)) || (ma === 2 && mi === 0))) return p.fail("HPE_INVALID_VERSION", "Invalid HTTP version", i);
        i++;
        if (p.kind === R.RESPONSE) p.state = RES_AFTER_VERSION;
        else if (p.methodIndex === PRI) {
          p.state = PRI_PREFACE;
          p.match = 0;
        } else p.state = REQ_LINE_END;
        continue;
      }
      case REQ_LINE_END:
        if (b !== 13) return p.fail("HPE_INVALID_VERSION", "Expected CRLF after version", i);
        p.state = REQ_LINE_LF;
        i++;
        continue;
      case REQ_LINE_LF:
      case RES_LINE_LF:
        if (b !== 10) return p.fail("HPE_STRICT", "Expected LF after CR", i);
        p.state = HEADERS_START;
        i++;
        continue;
      case PRI_PREFACE:
        if (PREFACE.charCodeAt(p.match) !== b) return p.fail("HPE_INVALID_VERSION", "Expected HTTP/2 Connection Preface", i);
        i++;
        if (++p.match === PREFACE.length) return p.fail("HPE_PAUSED_H2_UPGRADE", "Pause on PRI/Upgrade", i);
        continue;
      case RES_AFTER_VERSION:
        if (b !== 32) return p.fail("HPE_INVALID_VERSION", "Expected space after version", i);
        p.state = STATUS_DIGIT;
        p.match = 0;
        i++;
        continue;
      case STATUS_DIGIT:
        if (b < 48 || b > 57) return p.fail("HPE_INVALID_STATUS", "Invalid status code", i);
        p.status = p.status * 10 + b - 48;
        i++;
        if (++p.match === 3) p.state = STATUS_OTHERWISE;
        continue;
      case STATUS_OTHERWISE:
        if (b === 32) {
          p.span = SP_REASON;
          p.spanStart = i + 1;
          p.state = REASON;
        } else if (b === 13) p.state = RES_LINE_LF;
        else return p.fail("HPE_INVALID_STATUS", "Invalid response status", i);
        i++;
        continue;
      case REASON: {
        let j = i;
        while (j < len && data[j]! !== 13 && data[j]! !== 10) j++;
        i = j;
        if (j === len) continue;
        const s = p.endSpan(data, j);
        if (s === undefined) return -1;
        p.reason = s;
        if (data[j]! === 10) return p.fail("HPE_CR_EXPECTED", "Missing expected CR after response line", j);
        p.state = RES_LINE_LF;
        i++;
        continue;
      }
      default:
        return i;
    }
  }
  return i;
}

/** A request-target ends at `i` (byte `b`): SP before the version, CRLF or LF for HTTP/0.9. */
function urlEnd(p: H1State, data: Buffer, i: number, b: number): number {
  if (b !== 32 && b !== 13 && b !== 10) return p.fail("HPE_INVALID_URL", "Invalid characters in url", i);
  const url = p.endSpan(data, i);
  if (url === undefined) return -1;
  p.url = url;
  p.state = URL_DONE;
  if (b === 32) p.word = HTTP_START;
  else if (b === 13) p.state = URL_CR;
  else {
    p.versionMajor = 0;
    p.versionMinor = 9;
    p.word = HEADERS_START;
  }
  return i + 1;
}

/** data[i..i+8) is "HTTP/1.0" or "HTTP/1.1". */
function isHttp1(data: Buffer, i: number): boolean {
  return data[i] === 72 && data[i + 1] === 84 && data[i + 2] === 84 && data[i + 3] === 80 && data[i + 4] === 47 && data[i + 5] === 49 && data[i + 6] === 46
    && (data[i + 7] === 49 || data[i + 7] === 48);
}
