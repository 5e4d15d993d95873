// init-command: `weft init` flag/env parsing, --dry-run output and exit codes (no root needed: dry-run
// and invalid input never touch iptables).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildCaptureRules } from "../../injector/capture-rules.ts";
import { envNameFor, parseInitOptions } from "../../injector/init-options.ts";
import { inNs, netnsTier, sh } from "./support/netns.ts";

const weft = join(import.meta.dirname, "../../cmd/weft.ts");
const runWeft = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [weft, "init", ...args], { encoding: "utf8", timeout: 30_000, env: { ...process.env, ...env } });

describe("weft init options", () => {
  it("reads WEFT_* env, and flags win over env", () => {
    expect(envNameFor("exclude-outbound-ports")).toBe("WEFT_EXCLUDE_OUTBOUND_PORTS");
    const o = parseInitOptions(["--exclude-inbound-ports=22,15090", "--proxy-uid", "2000", "--ipv6=false"], {
      WEFT_PROXY_UID: "1500",
      WEFT_EXCLUDE_OUTBOUND_PORTS: "5432, 6379",
      WEFT_INCLUDE_OUTBOUND_CIDRS: "10.96.0.0/12",
    });
    expect(o.config).toMatchObject({
      proxyUid: 2000,
      excludeInboundPorts: [22, 15090],
      excludeOutboundPorts: [5432, 6379],
      includeOutboundCidrs: ["10.96.0.0/12"],
      ipv6: false,
      outboundPort: 15001,
      inboundPort: 15006,
    });
    expect(o.dryRun).toBe(false);
    expect(parseInitOptions(["--include-inbound-ports", "*"], {}).config.includeInboundPorts).toBe("*");
  });

  it("rejects unknown flags, missing values and malformed numbers with the flag named", () => {
    expect(() => parseInitOptions(["--bogus"], {})).toThrow("unknown flag --bogus");
    expect(() => parseInitOptions(["--proxy-uid"], {})).toThrow("flag --proxy-uid needs a value");
    expect(() => parseInitOptions(["--outbound-port=abc"], {})).toThrow('--outbound-port: "abc" is not a non-negative integer');
    expect(() => parseInitOptions(["--exclude-outbound-ports=1,x"], {})).toThrow('--exclude-outbound-ports: "x" is not a port');
  });

  it("--dry-run prints exactly the built rules and exits 0", () => {
    const r = runWeft(["--dry-run", "--exclude-outbound-ports", "7000"], { WEFT_IPV6: "false" });
    expect(r.status).toBe(0);
    const rules = buildCaptureRules(parseInitOptions(["--exclude-outbound-ports", "7000", "--ipv6=false"], {}).config);
    expect(r.stdout).toBe(rules.iptables.map((a) => `iptables ${a.join(" ")}\n`).join(""));
  });

  it("exits 2 with every config problem listed, before touching iptables", () => {
    const r = runWeft(["--inbound-port=99999", "--exclude-outbound-cidrs=1.2.3/8"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("inboundPort must be a port 1..65535, got 99999");
    expect(r.stderr).toContain('excludeOutboundCidrs: "1.2.3/8" is not an IP or CIDR');
    expect(runWeft(["--nope"]).status).toBe(2);
  });

  netnsTier.it("skips ip6tables rules when the namespace has IPv6 disabled, unless forced", () => {
    const ns = `wi${process.pid.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
    sh("ip", ["netns", "add", ns]);
    try {
      inNs(ns, "sh", ["-c", "echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6"]);
      const out = inNs(ns, process.execPath, [weft, "init"]);
      expect(out).toContain("IPv6 is not available in this network namespace: ip6tables rules skipped");
      expect(inNs(ns, "iptables", ["-t", "nat", "-S"])).toContain("-A OUTPUT -p tcp -j WEFT_OUTPUT");
      expect(inNs(ns, "ip6tables", ["-t", "nat", "-S"])).not.toContain("WEFT_");
    } finally {
      sh("ip", ["netns", "del", ns]);
    }
  });
});
