// own-fields: the field phase of the own HTTP/1.1 parser, for heads and trailer sections: field names
// (tchar, nothing before the colon), OWS, values (HTAB, SP, VCHAR, obs-text; bare CR, LF, obs-fold refused)
// and llhttp's readings of Content-Length (digits, one field, 64-bit), Transfer-Encoding (chunked last;
// with Content-Length refused) and Connection/Proxy-Connection (close, keep-alive, upgrade), with fast
// paths for a whole plain field line or Content-Length line in the read. Takes the state and a read;
// gives the offset it stopped at. Must not: let a value hold CR, LF or NUL.
import { CLASS, isDigit, LIST_TOKEN, toLower, TOKEN, VALUE } from "./own-chars.ts";
import * as R from "./own-rules.ts";
import { CL_DIGITS, CL_WS, CONN, CONN_MATCH, CONN_TOKEN, CONN_WS, DISCARD_LWS, DISCARD_WS, DISCARD_WS_CR, FIELD, FIELD_START, HEADERS_ALMOST, HEADERS_START, H_CONNECTION, H_CONTENT_LENGTH, H_GENERAL,
  H_TE_CHUNKED, H_TRANSFER_ENCODING, H_UPGRADE, SP_NAME, SP_NONE, SP_VALUE, TE_CHUNKED, TE_LAST, TE_OWS, TE_TOKEN, VALUE_ANY, VALUE_CR, VALUE_LWS, VALUE_START, H_CONN_CLOSE, H_CONN_KEEP_ALIVE,
  H_CONN_UPGRADE, type H1State } from "./own-state.ts";

const CONN_WORDS = ["close", "upgrade", "keep-alive"];
const CONN_STATES = [H_CONN_CLOSE, H_CONN_UPGRADE, H_CONN_KEEP_ALIVE];
const CHUNKED = "chunked";

/** Reads from `i` while the state is one of this phase's; returns where it stopped, or -1 on an error. */
export function fields(p: H1State, data: Buffer, i: number): number {
  const len = p.readEnd;
  while (i < len) {
    const b = data[i]!;
    switch (p.state) {
      case HEADERS_START:
        if (b === 32) return p.fail("HPE_UNEXPECTED_SPACE", "Unexpected space after start line", i);
        p.state = FIELD_START;
        continue;
      case FIELD_START:
        if (b === 13) {
          p.state = HEADERS_ALMOST;
          i++;
          continue;
        }
        if (b === 10 || b === 58) return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token", i);
        p.span = SP_NAME;
        p.spanStart = i;
        p.state = FIELD;
        i = fieldLine(p, data, i);
        if (i < 0) return i;
        continue;
      case FIELD: {
        let j = i;
        while (j < len && (CLASS[data[j]!]! & TOKEN) !== 0) j++;
        i = j;
        if (j === len) continue;
        if (data[j]! !== 58) return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header token", j);
        const name = p.endSpan(data, j);
        if (name === undefined) return -1;
        p.name = name;
        const h = specialField(name);
        p.hstate = h;
        if (h === H_TRANSFER_ENCODING && (p.flags & R.F_CONTENT_LENGTH) !== 0) {
          return p.fail("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length", j);
        }
        if (h === H_CONTENT_LENGTH && (p.flags & R.F_TRANSFER_ENCODING) !== 0) {
          return p.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding", j);
        }
        p.state = DISCARD_WS;
        i++;
        continue;
      }
      case DISCARD_WS:
        if (b === 32 || b === 9) {
          i++;
          continue;
        }
        if (b === 13) {
          p.state = DISCARD_WS_CR;
          i++;
          continue;
        }
        if (b === 10) return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i);
        p.span = SP_VALUE;
        p.spanStart = i;
        p.state = VALUE_START;
        continue;
      case DISCARD_WS_CR:
        if (b !== 10) return p.fail("HPE_STRICT", "Expected LF after CR", i);
        p.state = DISCARD_LWS;
        i++;
        continue;
      case DISCARD_LWS:
        if (b === 32 || b === 9) return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", i);
        if (p.hstate === H_CONTENT_LENGTH) return p.fail("HPE_INVALID_CONTENT_LENGTH", "Empty Content-Length", i);
        if (p.hstate === H_TRANSFER_ENCODING) return p.fail("HPE_INVALID_TRANSFER_ENCODING", "Empty Transfer-Encoding", i);
        if (p.addField("", i) < 0) return -1;
        p.state = FIELD_START;
        continue;
      case VALUE_START:
        switch (p.hstate) {
          case H_UPGRADE:
            p.flags |= R.F_UPGRADE;
            p.hstate = H_GENERAL;
            p.state = VALUE_ANY;
            break;
          case H_TRANSFER_ENCODING:
            if ((p.flags & R.F_CHUNKED) !== 0 && p.kind === R.REQUEST)
              return p.endSpan(data, i) === undefined
                ? -1
                : p.fail("HPE_INVALID_TRANSFER_ENCODING", "Invalid `Transfer-Encoding` header value", i);
            p.flags = (p.flags | R.F_TRANSFER_ENCODING) & ~R.F_CHUNKED;
            p.state = TE_CHUNKED;
            p.match = 0;
            break;
          case H_CONTENT_LENGTH:
            if ((p.flags & R.F_CONTENT_LENGTH) !== 0) return p.fail("HPE_UNEXPECTED_CONTENT_LENGTH", "Duplicate Content-Length", i);
            p.state = CL_DIGITS;
            p.contentLength = 0;
            p.clHigh = 0;
            p.clLow = 0;
            break;
          case H_CONNECTION:
            p.state = CONN;
            break;
          default:
            p.state = VALUE_ANY;
        }
        continue;
      case VALUE_ANY: {
        let j = i;
        while (j < len && (CLASS[data[j]!]! & VALUE) !== 0) j++;
        i = j;
        if (j === len) continue;
        const c = data[j]!;
        if (c === 13) {
          const v = p.endSpan(data, j);
          if (v === undefined) return -1;
          p.valueText = v;
          p.state = VALUE_CR;
          i++;
          continue;
        }
        if (c === 10) {
          if (p.endSpan(data, j) === undefined) return -1;
          return p.fail("HPE_CR_EXPECTED", "Missing expected CR after header value", j);
        }
        if (p.endSpan(data, j) === undefined) return -1;
        return p.fail("HPE_INVALID_HEADER_TOKEN", "Invalid header value char", j);
      }
      case VALUE_CR:
        if (b !== 10) return p.fail("HPE_LF_EXPECTED", "Missing expected LF after header value", i);
        p.state = VALUE_LWS;
        i++;
        continue;
      case VALUE_LWS:
        if (b === 32 || b === 9) return p.fail("HPE_INVALID_HEADER_TOKEN", "Unexpected whitespace after header value", i);
        p.setHeaderFlags();
        if (p.addField(trimEnd(p.valueText), i) < 0) return -1;
        p.state = FIELD_START;
        continue;
      case CL_DIGITS:
        if (b >= 48 && b <= 57) {
          if (p.addDecimal(b - 48)) {
            i++;
            continue;
          }
          if (p.endSpan(data, i) === undefined) return -1;
          return p.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length overflow", i);
        }
        p.state = CL_WS;
        continue;
      case CL_WS:
        if (b === 32 || b === 9) {
          i++;
          continue;
        }
        if (b === 13 || b === 10) {
          p.flags |= R.F_CONTENT_LENGTH;
          p.state = VALUE_ANY;
          continue;
        }
        if (p.endSpan(data, i) === undefined) return -1;
        return p.fail("HPE_INVALID_CONTENT_LENGTH", "Invalid character in Content-Length", i);
      case TE_CHUNKED:
        if ((b | 0x20) === CHUNKED.charCodeAt(p.match)) {
          i++;
          if (++p.match === CHUNKED.length) p.state = TE_LAST;
          continue;
        }
        p.state = TE_TOKEN;
        continue;
      case TE_LAST:
        if (b === 32) {
          i++;
          continue;
        }
        if (b === 13 || b === 10) {
          p.hstate = H_TE_CHUNKED;
          p.state = VALUE_ANY;
        } else if (b === 44) {
          if (p.kind === R.REQUEST) {
            if (p.endSpan(data, i) === undefined) return -1;
            return p.fail("HPE_INVALID_TRANSFER_ENCODING", "Invalid `Transfer-Encoding` header value", i);
          }
          p.state = TE_CHUNKED;
          p.match = 0;
        } else p.state = TE_TOKEN;
        continue;
      case TE_TOKEN:
        if (b === 44) p.state = TE_OWS;
        else if ((CLASS[b]! & LIST_TOKEN) === 0) {
          p.hstate = H_GENERAL;
          p.state = VALUE_ANY;
          continue;
        }
        i++;
        continue;
      case TE_OWS:
        if (b === 32 || b === 9) {
          i++;
          continue;
        }
        p.state = TE_CHUNKED;
        p.match = 0;
        continue;
      case CONN: {
        if (b === 32 || b === 9) {
          i++;
          continue;
        }
        const lower = toLower(b);
        p.word = lower === 99 ? 0 : lower === 117 ? 1 : lower === 107 ? 2 : -1;
        if (p.word < 0) {
          p.state = CONN_TOKEN;
          continue;
        }
        p.match = 1;
        p.state = CONN_MATCH;
        i++;
        continue;
      }
      case CONN_MATCH: {
        const w = CONN_WORDS[p.word]!;
        if (toLower(b) === w.charCodeAt(p.match)) {
          i++;
          if (++p.match === w.length) {
            p.hstate = CONN_STATES[p.word]!;
            p.state = CONN_WS;
          }
          continue;
        }
        p.state = CONN_TOKEN;
        continue;
      }
      case CONN_WS:
        if (b === 44) {
          p.setHeaderFlags();
          p.state = CONN;
        } else if (b === 32 || b === 9) {
          // stays
        } else if (b === 13 || b === 10) {
          p.state = VALUE_ANY;
          continue;
        } else {
          p.hstate = H_GENERAL;
          p.state = CONN_TOKEN;
          continue;
        }
        i++;
        continue;
      case CONN_TOKEN:
        if (b === 44) p.state = CONN;
        else if ((CLASS[b]! & LIST_TOKEN) === 0) {
          p.state = VALUE_ANY;
          continue;
        }
        i++;
        continue;
      case HEADERS_ALMOST:
        if (b !== 10) return p.fail("HPE_STRICT", "Expected LF after headers", i);
        i++;
        if ((p.flags & R.F_TRAILING) !== 0) {
          i = p.messageDone(i);
          if (i < 0 || p.upgraded) return i;
          continue;
        }
        i = p.headComplete(data, i);
        if (i < 0 || p.paused || p.upgraded) return i;
        continue;
      default:
        return i;
    }
  }
  return i;
}

/**
 * The fast path of a field line that lies whole in this read: name, OWS, a plain value and CRLF in one
 * go, the same checks as the states it stands for. Stops (leaving the state to the byte-wise path) at
 * anything else: a special field's value, an empty value, the read's end, a bad byte.
 */
function fieldLine(p: H1State, data: Buffer, i: number): number {
  const len = p.readEnd;
  let j = i;
  while (j < len && (CLASS[data[j]!]! & TOKEN) !== 0) j++;
  if (j === len || data[j] !== 58) return j;
  const name = p.endSpan(data, j);
  if (name === undefined) return -1;
  p.name = name;
  const h = specialField(name);
  p.hstate = h;
  p.state = DISCARD_WS;
  if (h !== H_GENERAL) {
    if (h === H_TRANSFER_ENCODING && (p.flags & R.F_CONTENT_LENGTH) !== 0) {
      return p.fail("HPE_INVALID_TRANSFER_ENCODING", "Transfer-Encoding can't be present with Content-Length", j);
    }
    if (h === H_CONTENT_LENGTH && (p.flags & R.F_TRANSFER_ENCODING) !== 0) {
      return p.fail("HPE_INVALID_CONTENT_LENGTH", "Content-Length can't be present with Transfer-Encoding", j);
    }
    return h === H_CONTENT_LENGTH && (p.flags & R.F_CONTENT_LENGTH) === 0 ? lengthLine(p, data, j + 1) : j + 1;
  }
  let k = j + 1;
  while (k < len && (data[k] === 32 || data[k] === 9)) k++;
  if (k === len || data[k] === 13 || data[k] === 10) return k;
  p.span = SP_VALUE;
  p.spanStart = k;
  p.state = VALUE_ANY;
  let m = k;
  while (m < len && (CLASS[data[m]!]! & VALUE) !== 0) m++;
  if (m + 2 >= len || data[m] !== 13 || data[m + 1] !== 10 || data[m + 2] === 32 || data[m + 2] === 9) return m;
  let e = m;
  while (data[e - 1] === 32 || data[e - 1] === 9) e--;
  p.span = SP_NONE;
  if (!p.track(SP_VALUE, m - k)) {
    p.span = SP_VALUE;
    return p.overflow(m);
  }
  if (p.addField(p.slice(data, k, e), m + 2) < 0) return -1;
  p.state = FIELD_START;
  return m + 2;
}

/**
 * The fast path of a first Content-Length value whole in this read (digits, OWS, CRLF, no fold); from
 * `k` (after the colon). Anything else goes back to the byte-wise states from `k`.
 */
function lengthLine(p: H1State, data: Buffer, k: number): number {
  const len = p.readEnd;
  while (k < len && (data[k] === 32 || data[k] === 9)) k++;
  p.clHigh = 0;
  p.clLow = 0;
  let m = k;
  while (m < len && isDigit(data[m]!)) {
    if (!p.addDecimal(data[m]! - 48)) return k;
    m++;
  }
  const e = m;
  while (m < len && (data[m] === 32 || data[m] === 9)) m++;
  if (e === k || m + 2 >= len || data[m] !== 13 || data[m + 1] !== 10 || data[m + 2] === 32 || data[m + 2] === 9) return k;
  if (!p.track(SP_VALUE, m - k)) {
    p.span = SP_VALUE;
    p.spanStart = k;
    return p.overflow(m);
  }
  p.flags |= R.F_CONTENT_LENGTH;
  if (p.addField(p.slice(data, k, e), m + 2) < 0) return -1;
  p.state = FIELD_START;
  return m + 2;
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
