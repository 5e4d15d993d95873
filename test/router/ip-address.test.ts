// ip-address: canonical IP text used for mesh lookups (pkg/util/ip-address.ts, added by the router task).
import { describe, expect, it } from "vitest";
import { isIpLiteral, normalizeIp } from "../../pkg/util/ip-address.ts";

describe("normalizeIp (RFC 5952)", () => {
  it.each([
    ["10.96.0.1", "10.96.0.1"],
    [" 10.96.0.1 ", "10.96.0.1"],
    ["2001:DB8::1", "2001:db8::1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["[fe80::1]", "fe80::1"],
    ["fe80::1%eth0", "fe80::1"],
    ["::ffff:10.0.0.1", "10.0.0.1"],
    ["::ffff:a00:1", "10.0.0.1"],
    ["64:ff9b::10.0.0.1", "64:ff9b::a00:1"],
  ])("%s → %s", (input, want) => {
    expect(normalizeIp(input)).toBe(want);
  });

  it("leaves non-addresses recognisably unchanged (trimmed, lower-case) and never throws", () => {
    for (const bad of ["", "abc", "1.2.3", "256.1.1.1", "1:2:3", "1::2::3", "1:2:3:4:5:6:7:8:9", "::g", "Host.Example"]) {
      expect(() => normalizeIp(bad)).not.toThrow();
      expect(isIpLiteral(bad)).toBe(false);
    }
    expect(normalizeIp("Host.Example")).toBe("host.example");
  });

  it("recognises literals", () => {
    for (const ok of ["1.2.3.4", "::", "[::1]", "fe80::1%lo", "1:2:3:4:5:6:7:8"]) expect(isIpLiteral(ok)).toBe(true);
  });
});
