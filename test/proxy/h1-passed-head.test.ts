// h1-passed-head: the two ways an answer's received fields reach the client give the same bytes, and the
// parser's table of field names it saw before (own-state) never hands back another name's string.
// - chooseFields + writeFields (passed-head.ts: fields written straight into the answer's Buffer) against
//   passThroughFields (h1-headers.ts: the same rule as text), for random heads: dropped names, first-wins
//   repeats (Content-Length's first value kept), mixed case, obs-text values.
// - names that share a table slot (same length, first and last byte) parsed in turn, and names in other
//   case, each come back exactly as sent.
import fc from "fast-check";
import { fcParams } from "../support/fast-check-env.ts";
import { describe, expect, it } from "vitest";
import { passThroughFields } from "../../pkg/proxy/h1/h1-headers.ts";
import { BODY, OwnH1Parser, REQUEST, RESPONSE, type H1Events } from "../../pkg/proxy/h1/own-parser.ts";
import { chooseFields, MAX_CHOSEN, writeFields } from "../../pkg/proxy/h1/passed-head.ts";

const drop = (name: string) => name === "connection" || name === "keep-alive" || name === "x-secret";

const nameArb = fc.constantFrom("Content-Length", "content-length", "CONTENT-TYPE", "Date", "date", "Connection", "Keep-Alive", "X-Secret", "Vary", "Set-Cookie", "Location", "X-A", "x-b", "Server");
const valueArb = fc.stringMatching(/^[\x21-\x7e\x80-\xff]([\x20-\x7e\x80-\xff]{0,20}[\x21-\x7e\x80-\xff])?$/);

describe("passed-on answer fields", () => {
  it("written into a Buffer: the same bytes, Content-Length and Date as passThroughFields' text", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(nameArb, valueArb), { maxLength: MAX_CHOSEN }), (pairs) => {
        const raw = pairs.flat();
        const text = passThroughFields(raw, drop);
        const c = chooseFields(raw, drop);
        const out = Buffer.alloc(c.bytes + 8, 0x2a);
        const end = writeFields(raw, c.kept, out, 4);
        expect(end - 4).toBe(c.bytes);
        expect(out.toString("latin1", 4, end)).toBe(text.text);
        expect(out.toString("latin1", 0, 4) + out.toString("latin1", end)).toBe("********");
        expect(c.contentLength).toBe(text.contentLength);
        expect(c.hasDate).toBe(text.hasDate);
      }),
      fcParams(500),
    );
  });
});

/** The field names of each message `text` holds, as the parser gives them. */
function namesOf(kind: number, text: string): string[][] {
  const out: string[][] = [];
  const ev: H1Events = {
    onHead: (p) => {
      out.push(p.headers.filter((_, i) => i % 2 === 0));
      return BODY;
    },
    onBody: () => {},
    onComplete: () => {},
  };
  const p = new OwnH1Parser(kind, { maxHeaderBytes: 16_384, maxHeaderCount: 100 }, ev);
  const b = Buffer.from(text, "latin1");
  expect(p.execute(b, b.length)).toBe(b.length);
  return out;
}

describe("the parser's table of field names", () => {
  it("hands back each name as sent, also when names share a slot or differ only in case", () => {
    // Same length, first and last byte: one slot of the table, taken in turn.
    const colliding = ["X-Aa-Z", "X-Bb-Z", "X-aA-Z", "Host", "HOST", "host", "hOsT"];
    let text = "";
    for (let round = 0; round < 3; round++) for (const n of colliding) text += `GET / HTTP/1.1\r\nHost: a\r\n${n}: v\r\n\r\n`;
    const got = namesOf(REQUEST, text);
    expect(got.length).toBe(colliding.length * 3);
    got.forEach((names, i) => expect(names).toEqual(["Host", colliding[i % colliding.length]]));
  });

  it("answers' names too, one head after another on one connection", () => {
    const cl = ["Content-Length", "content-length", "CONTENT-LENGTH", "Content-Length"];
    const x = ["X-Aa-Z", "X-Bb-Z", "X-Bb-Z", "X-Aa-Z"];
    const text = cl.map((n, i) => `HTTP/1.1 200 OK\r\n${n}: 0\r\n${x[i]}: v\r\n\r\n`).join("");
    expect(namesOf(RESPONSE, text)).toEqual(cl.map((n, i) => [n, x[i]]));
  });
});
