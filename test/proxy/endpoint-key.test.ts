// endpoint-key: one spelling per endpoint ("address:port", "[v6]:port"), whatever was asked just before
// (the last key made is kept).
import { describe, expect, it } from "vitest";
import { endpointKey } from "../../pkg/proxy/endpoint-key.ts";

describe("endpointKey", () => {
  it("spells each endpoint as itself when endpoints are asked in turns, again and again", () => {
    for (let i = 0; i < 3; i++) {
      expect(endpointKey("10.0.0.1", 80)).toBe("10.0.0.1:80");
      expect(endpointKey("10.0.0.1", 80)).toBe("10.0.0.1:80");
      expect(endpointKey("10.0.0.1", 81)).toBe("10.0.0.1:81");
      expect(endpointKey("10.0.0.2", 81)).toBe("10.0.0.2:81");
      expect(endpointKey("fd00::1", 81)).toBe("[fd00::1]:81");
      expect(endpointKey("fd00::1", 80)).toBe("[fd00::1]:80");
    }
  });
});
