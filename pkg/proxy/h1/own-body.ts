// own-body: the body phase of the own HTTP/1.1 parser: Content-Length bodies, bodies until the connection
// closes, chunked bodies (hex sizes to 2^64 - 1, llhttp's strict chunk extensions with node's 16 KiB bound,
// CRLF after each chunk; trailers go back to the field phase), and the closed state after a message that
// ends the connection. Body bytes go to onBody as offsets into the read. Takes the state and a read;
// gives the offset it stopped at. Must not: copy body bytes.
import { CLASS, HEX, QDTEXT, TOKEN, VALUE } from "./own-chars.ts";
import * as R from "./own-rules.ts";
import { BODY_EOF, BODY_LENGTH, CHUNK_DATA, CHUNK_DATA_CR, CHUNK_DATA_LF, CHUNK_EXT, CHUNK_SIZE, CHUNK_SIZE_CR, CHUNK_SIZE_START, CLOSED, EXT_NAME, EXT_QPAIR, EXT_QUOTED, EXT_QUOTED_DONE, EXT_VALUE,
  FIELD_START, SP_EXT, type H1State } from "./own-state.ts";

/** Reads from `i` while the state is one of this phase's; returns where it stopped, or -1 on an error. */
export function body(p: H1State, data: Buffer, i: number): number {
  const len = p.readEnd;
  while (i < len) {
    const b = data[i]!;
    switch (p.state) {
      case BODY_LENGTH:
      case CHUNK_DATA: {
        const take = Math.min(p.remaining, len - i);
        p.events.onBody(data, i, i + take);
        i += take;
        p.remaining -= take;
        if (p.remaining > 0) continue;
        if (p.state === CHUNK_DATA) {
          p.state = CHUNK_DATA_CR;
          continue;
        }
        i = p.messageDone(i);
        if (i < 0 || p.upgraded) return i;
        continue;
      }
      case BODY_EOF:
        p.events.onBody(data, i, len);
        i = len;
        continue;
      case CHUNK_SIZE_START:
        if (HEX[b]! < 0) return p.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i);
        p.contentLength = 0;
        p.digits = 0;
        p.extensionBytes = 0;
        p.state = CHUNK_SIZE;
        continue;
      case CHUNK_SIZE: {
        const d = HEX[b]!;
        if (d >= 0) {
          if (p.contentLength !== 0 || d !== 0) {
            if (++p.digits > 16) return p.fail("HPE_INVALID_CHUNK_SIZE", "Chunk size overflow", i);
            p.contentLength = p.contentLength * 16 + d;
          }
          i++;
          continue;
        }
        if (b === 13) p.state = CHUNK_SIZE_CR;
        else if (b === 10) return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk size", i);
        else if (b === 59) p.state = CHUNK_EXT;
        else return p.fail("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size", i);
        i++;
        continue;
      }
      case CHUNK_EXT:
        if (b === 32 || b === 13) return p.fail("HPE_STRICT", "Invalid character in chunk extensions", i);
        p.span = SP_EXT;
        p.spanStart = i;
        p.state = EXT_NAME;
        continue;
      case EXT_NAME: {
        let j = i;
        while (j < len && (CLASS[data[j]!]! & TOKEN) !== 0) j++;
        i = j;
        if (j === len) continue;
        const c = data[j]!;
        if (p.endSpan(data, j) === undefined) return -1;
        if (c === 61) {
          p.span = SP_EXT;
          p.spanStart = j + 1;
          p.state = EXT_VALUE;
        } else if (c === 59) p.state = CHUNK_EXT;
        else if (c === 13) p.state = CHUNK_SIZE_CR;
        else if (c === 10) return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension name", j);
        else return p.fail("HPE_STRICT", "Invalid character in chunk extensions name", j);
        i++;
        continue;
      }
      case EXT_VALUE:
        if (b === 34) p.state = EXT_QUOTED;
        else if ((CLASS[b]! & TOKEN) !== 0) {
          // stays
        } else {
          if (p.endSpan(data, i) === undefined) return -1;
          if (b === 59) p.state = CHUNK_EXT;
          else if (b === 13) p.state = CHUNK_SIZE_CR;
          else if (b === 10) return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension value", i);
          else return p.fail("HPE_STRICT", "Invalid character in chunk extensions value", i);
        }
        i++;
        continue;
      case EXT_QUOTED:
        if ((CLASS[b]! & QDTEXT) !== 0) {
          i++;
          continue;
        }
        if (b === 34) {
          if (p.endSpan(data, i + 1) === undefined) return -1;
          p.state = EXT_QUOTED_DONE;
        } else if (b === 92) p.state = EXT_QPAIR;
        else {
          if (p.endSpan(data, i) === undefined) return -1;
          return p.fail("HPE_STRICT", "Invalid character in chunk extensions quoted value", i);
        }
        i++;
        continue;
      case EXT_QPAIR:
        if ((CLASS[b]! & VALUE) === 0) {
          if (p.endSpan(data, i) === undefined) return -1;
          return p.fail("HPE_STRICT", "Invalid quoted-pair in chunk extensions quoted value", i);
        }
        p.state = EXT_QUOTED;
        i++;
        continue;
      case EXT_QUOTED_DONE:
        if (b === 59) p.state = CHUNK_EXT;
        else if (b === 13) p.state = CHUNK_SIZE_CR;
        else if (b === 10) return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk extension value", i);
        else return p.fail("HPE_STRICT", "Invalid character in chunk extensions quote value", i);
        i++;
        continue;
      case CHUNK_SIZE_CR:
        if (b !== 10) return p.fail("HPE_STRICT", "Expected LF after chunk size", i);
        i++;
        if (p.contentLength === 0) {
          p.flags |= R.F_TRAILING;
          p.state = FIELD_START;
        } else {
          p.remaining = p.contentLength;
          p.state = CHUNK_DATA;
        }
        continue;
      case CHUNK_DATA_CR:
        if (b === 10) return p.fail("HPE_CR_EXPECTED", "Missing expected CR after chunk data", i);
        if (b !== 13) return p.fail("HPE_STRICT", "Expected LF after chunk data", i);
        p.state = CHUNK_DATA_LF;
        i++;
        continue;
      case CHUNK_DATA_LF:
        if (b !== 10) return p.fail("HPE_STRICT", "Expected LF after chunk data", i);
        p.state = CHUNK_SIZE_START;
        i++;
        continue;
      case CLOSED:
        if (b === 13 || b === 10) {
          i++;
          continue;
        }
        return p.fail("HPE_CLOSED_CONNECTION", "Data after `Connection: close`", i);
      default:
        return i;
    }
  }
  return i;
}
