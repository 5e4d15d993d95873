// capture-rules: golden rule lists for `weft init` (test/capture/golden/<case>.config.json → .rules.txt;
// compared through test/support/golden.ts: a missing one fails, UPDATE_GOLDEN=1 rewrites and fails), validation messages, and properties checked by evaluating the
// generated nat chains for random packets: the proxy's own traffic is never redirected (no loops),
// excluded ports/CIDRs never are, and everything else the app sends to a captured range is.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CAPTURE_CONFIG,
  buildCaptureRules,
  checkCommandFor,
  isEnsureCommand,
  validateCaptureConfig,
  type CaptureConfig,
} from "../../injector/capture-rules.ts";
import { expectGolden } from "../support/golden.ts";
import { fcParams } from "../support/fast-check-env.ts";

const goldenDir = join(import.meta.dirname, "golden");

function render(cfg: CaptureConfig): string {
  const r = buildCaptureRules(cfg);
  return [...r.iptables.map((a) => `iptables ${a.join(" ")}`), ...r.ip6tables.map((a) => `ip6tables ${a.join(" ")}`)].join("\n") + "\n";
}

describe("capture rules golden files", () => {
  const cases = readdirSync(goldenDir).filter((f) => f.endsWith(".config.json")).map((f) => f.slice(0, -".config.json".length));
  it("has cases", () => expect(cases.length).toBeGreaterThanOrEqual(4));
  for (const name of cases) {
    it(name, () => {
      const overrides = JSON.parse(readFileSync(join(goldenDir, `${name}.config.json`), "utf8")) as Partial<CaptureConfig>;
      const text = render({ ...DEFAULT_CAPTURE_CONFIG, ...overrides });
      expectGolden(join(goldenDir, `${name}.rules.txt`), text, { rerun: "test/capture/capture-rules.test.ts" });
    });
  }
});

describe("capture config validation", () => {
  it("reports every problem precisely and refuses to build", () => {
    const bad: CaptureConfig = {
      ...DEFAULT_CAPTURE_CONFIG,
      proxyUid: -1,
      inboundPort: 70000,
      excludeOutboundPorts: [0],
      excludeOutboundCidrs: ["10.0.0.0/33", "300.1.1.1", "fe80::1::2"],
      includeOutboundCidrs: ["nope"],
    };
    const problems = validateCaptureConfig(bad);
    expect(problems).toEqual([
      "proxyUid must be a non-negative integer, got -1",
      "inboundPort must be a port 1..65535, got 70000",
      "excludeOutboundPorts: 0 is not a port 1..65535",
      'excludeOutboundCidrs: "10.0.0.0/33" is not an IP or CIDR',
      'excludeOutboundCidrs: "300.1.1.1" is not an IP or CIDR',
      'excludeOutboundCidrs: "fe80::1::2" is not an IP or CIDR',
      'includeOutboundCidrs: "nope" is not an IP or CIDR',
    ]);
    expect(() => buildCaptureRules(bad)).toThrow(/WEFT_ERR_CONFIG|invalid capture config/);
    expect(validateCaptureConfig({ ...DEFAULT_CAPTURE_CONFIG, inboundPort: 15001 })).toEqual(["outboundPort and inboundPort must differ (both 15001)"]);
  });

  it("ensure commands are exactly chain creation and the two built-in jumps, with matching checks", () => {
    const { iptables } = buildCaptureRules(DEFAULT_CAPTURE_CONFIG);
    const ensured = iptables.filter(isEnsureCommand);
    expect(ensured.map((a) => a.slice(2, 4).join(" "))).toEqual(["-N WEFT_INBOUND", "-N WEFT_IN_REDIRECT", "-N WEFT_OUTPUT", "-N WEFT_REDIRECT", "-A PREROUTING", "-A OUTPUT"]);
    expect(checkCommandFor(["-t", "nat", "-N", "WEFT_OUTPUT"])).toEqual(["-t", "nat", "-S", "WEFT_OUTPUT"]);
    expect(checkCommandFor(["-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-j", "WEFT_OUTPUT"])).toEqual(["-t", "nat", "-C", "OUTPUT", "-p", "tcp", "-j", "WEFT_OUTPUT"]);
  });
});

// ---- a small evaluator of the generated nat chains (IPv4), for properties ---------------------------
interface Packet {
  uid: number;
  dst: string;
  dport: number;
  oif: "lo" | "eth0";
}
type Verdict = { redirect: number } | "accept";

function ipToInt(ip: string): number {
  return ip.split(".").reduce((a, o) => a * 256 + Number(o), 0);
}
function inCidr(ip: string, cidr: string): boolean {
  const [net = "", bits = "32"] = cidr.split("/");
  const b = Number(bits);
  const mask = b === 0 ? 0 : 2 ** 32 - 2 ** (32 - b);
  return (ipToInt(ip) & mask) >>> 0 === (ipToInt(net) & mask) >>> 0;
}

function evaluate(rules: string[][], chain: string, p: Packet, depth = 0): Verdict | "return" {
  if (depth > 8) throw new Error("jump loop");
  for (const argv of rules) {
    if (argv[2] !== "-A" || argv[3] !== chain) continue;
    const a = argv.slice(4);
    let ok = true;
    let target = "";
    let toPort = 0;
    for (let i = 0; i < a.length; i++) {
      const neg = a[i] === "!";
      if (neg) i++;
      const k = a[i];
      const v = a[i + 1] ?? "";
      let hit: boolean | undefined;
      if (k === "-p") {
        hit = v === "tcp";
        i++;
      } else if (k === "-o") {
        hit = p.oif === v;
        i++;
      } else if (k === "-d") {
        hit = inCidr(p.dst, v);
        i++;
      } else if (k === "--dport") {
        hit = p.dport === Number(v);
        i++;
      } else if (k === "-m") {
        i++;
        continue;
      } else if (k === "--uid-owner" || k === "--gid-owner") {
        hit = p.uid === Number(v);
        i++;
      } else if (k === "-j") {
        target = v;
        i++;
        continue;
      } else if (k === "--to-ports") {
        toPort = Number(v);
        i++;
        continue;
      } else throw new Error(`evaluator does not know ${k}`);
      if (neg ? hit : !hit) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (target === "RETURN") return "return";
    if (target === "REDIRECT") return { redirect: toPort };
    const r = evaluate(rules, target, p, depth + 1);
    if (r !== "return") return r;
  }
  return "return";
}

function outputVerdict(rules: string[][], p: Packet): Verdict {
  const r = evaluate(rules, "OUTPUT", p);
  return r === "return" ? "accept" : r;
}

const arbConfig = fc.record({
  proxyUid: fc.integer({ min: 1000, max: 1400 }),
  excludeOutboundPorts: fc.uniqueArray(fc.integer({ min: 1, max: 2000 }), { maxLength: 4 }),
  excludeOutboundCidrs: fc.array(fc.constantFrom("169.254.169.254/32", "10.100.0.0/16", "192.168.0.0/24"), { maxLength: 2 }),
  includeOutboundCidrs: fc.oneof(fc.constant("*" as const), fc.constant(["10.96.0.0/12", "10.100.0.0/16"])),
});
const arbPacket = fc.record({
  uid: fc.oneof(fc.integer({ min: 1000, max: 1400 }), fc.constant(0)),
  dst: fc.constantFrom("10.96.0.10", "10.100.3.4", "169.254.169.254", "192.168.0.9", "8.8.8.8", "127.0.0.1", "10.244.1.2"),
  dport: fc.integer({ min: 1, max: 2000 }),
  oif: fc.constantFrom("lo" as const, "eth0" as const),
});

describe("capture rules evaluated for random packets", () => {
  it("never redirects the proxy's own traffic to the outbound port, nor excluded ports/CIDRs; captures the rest", () => {
    fc.assert(fc.property(arbConfig, arbPacket, (c, p) => {
      const cfg: CaptureConfig = { ...DEFAULT_CAPTURE_CONFIG, ...c };
      const rules = buildCaptureRules(cfg).iptables;
      const v = outputVerdict(rules, p);
      const loopbackDst = p.dst.startsWith("127.");
      if (p.uid === cfg.proxyUid) {
        // Only the hairpin (proxy → own pod address over lo) goes inbound; nothing goes to the outbound port.
        expect(v).toEqual(p.oif === "lo" && !loopbackDst ? { redirect: cfg.inboundPort } : "accept");
        return;
      }
      const excluded = cfg.excludeOutboundPorts.includes(p.dport) || cfg.excludeOutboundCidrs.some((x) => inCidr(p.dst, x));
      const included = cfg.includeOutboundCidrs === "*" || cfg.includeOutboundCidrs.some((x) => inCidr(p.dst, x));
      const expected: Verdict = p.oif === "lo" || loopbackDst || excluded || !included ? "accept" : { redirect: cfg.outboundPort };
      expect(v).toEqual(expected);
    }), fcParams(400));
  });

  it("inbound capture skips the proxy's own ports and excluded ports and redirects the rest to the inbound port", () => {
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 20000 }), { maxLength: 4 }), fc.integer({ min: 1, max: 20000 }), (excl, dport) => {
      const cfg: CaptureConfig = { ...DEFAULT_CAPTURE_CONFIG, excludeInboundPorts: excl };
      const r = evaluate(buildCaptureRules(cfg).iptables, "PREROUTING", { uid: 0, dst: "10.244.1.2", dport, oif: "eth0" });
      const skip = [cfg.inboundPort, cfg.outboundPort, cfg.adminPort].includes(dport) || excl.includes(dport);
      expect(r).toEqual(skip ? "return" : { redirect: cfg.inboundPort });
    }), fcParams(300));
  });

  it("IPv6 rules use ::1 for loopback and only IPv6 CIDRs; IPv4 rules only IPv4 CIDRs", () => {
    const r = buildCaptureRules({ ...DEFAULT_CAPTURE_CONFIG, excludeOutboundCidrs: ["10.0.0.0/8", "fd00::/8"] });
    expect(r.ip6tables.flat()).toContain("::1/128");
    expect(r.ip6tables.flat()).not.toContain("10.0.0.0/8");
    expect(r.iptables.flat()).not.toContain("fd00::/8");
    expect(r.iptables.flat()).toContain("10.0.0.0/8");
  });
});
