// regex: user regular expressions are RE2 (linear time) and at most 1,024 characters; an invalid one
// is named with RE2's reason, the same answer every time it is asked (the answers are memoised).
import { describe, expect, it } from "vitest";
import { checkRegex, MAX_REGEX_LENGTH } from "../../pkg/translate/regex.ts";

describe("checkRegex", () => {
  it("1,024 characters are compiled; 1,025 are refused before compiling", () => {
    expect(checkRegex("a".repeat(MAX_REGEX_LENGTH))).toBeUndefined();
    expect(checkRegex("(".repeat(MAX_REGEX_LENGTH + 1))).toBe("regular expression is 1025 characters, over the limit of 1024");
  });
  it("an invalid pattern is refused with RE2's reason, on every call; a valid one passes on every call", () => {
    const first = checkRegex("(unclosed");
    expect(first).toMatch(/^invalid RE2 regular expression: /);
    expect(checkRegex("(unclosed")).toBe(first);
    expect(checkRegex("/api/v[0-9]+")).toBeUndefined();
    expect(checkRegex("/api/v[0-9]+")).toBeUndefined();
  });
  it("RE2's reason quotes the pattern: the message stays within 300 characters", () => {
    const m = checkRegex(`(${"a".repeat(1000)}`);
    expect(m).toMatch(/^invalid RE2 regular expression: .*missing closing \)/);
    expect(m).toHaveLength(300);
  });
  it("backtracking-only syntax is refused (RE2 has no lookahead or backreferences)", () => {
    expect(checkRegex("(?=a)b")).toMatch(/^invalid RE2/);
    expect(checkRegex("(a)\\1")).toMatch(/^invalid RE2/);
  });
});
