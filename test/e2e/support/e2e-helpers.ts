// e2e-helpers: bounded loopback clients and process helpers for the end-to-end tests: an HTTP GET,
// a tiny shell-word splitter and curl-line interpreter (the banner's curl lines are run with
// node:http, not curl), descendants of a pid, and a bounded poll.
import { execFileSync, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { pollFor } from "../../support/poll.ts";

export const REPO = new URL("../../..", import.meta.url).pathname.replace(/\/$/, "");
export const NODE_BIN_PATH = `${REPO}/node_modules/.bin:${process.env["PATH"] ?? ""}`;

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("timeout", () => req.destroy(new Error(`timeout ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

/** Splits a shell command into words (single and double quotes; no expansions). */
export function shellWords(cmd: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: "'" | '"' | undefined;
  let has = false;
  for (const ch of cmd) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (ch === " ") {
      if (has || cur !== "") out.push(cur);
      cur = "";
      has = false;
    } else cur += ch;
  }
  if (has || cur !== "") out.push(cur);
  return out;
}

export interface CurlCall {
  url: string;
  headers: Record<string, string>;
  includeHeaders: boolean;
}

/** Interprets `curl [-s] [-i|-si] [-H 'k: v']... URL`; throws on anything else. */
export function parseCurl(cmd: string): CurlCall {
  const w = shellWords(cmd.trim());
  if (w[0] !== "curl") throw new Error(`not a curl line: ${cmd}`);
  const headers: Record<string, string> = {};
  let url: string | undefined;
  let includeHeaders = false;
  for (let i = 1; i < w.length; i++) {
    const a = w[i]!;
    if (a === "-H") {
      const h = w[++i] ?? "";
      const c = h.indexOf(":");
      headers[h.slice(0, c).trim().toLowerCase()] = h.slice(c + 1).trim();
    } else if (/^-[si]+$/.test(a)) includeHeaders ||= a.includes("i");
    else if (a.startsWith("http://")) url = a;
    else throw new Error(`unsupported curl argument ${a} in: ${cmd}`);
  }
  if (url === undefined) throw new Error(`no URL in: ${cmd}`);
  return { url, headers, includeHeaders };
}

export function runCurl(cmd: string): Promise<HttpAnswer> {
  const c = parseCurl(cmd);
  return httpGet(c.url, c.headers);
}

/** Pids of every live descendant of `pid` (by ppid, from ps). */
export function descendants(pid: number): number[] {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" }).trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const [c, pp] of rows)
      if (pp === p && c !== undefined) {
        out.push(c);
        walk(c);
      }
  };
  walk(pid);
  return out;
}

/** SIGKILLs a still-running child and every process under it (their process groups too). */
export function killTree(proc: ChildProcess | undefined): void {
  if (proc === undefined || proc.exitCode !== null) return;
  const kids = descendants(proc.pid!);
  proc.kill("SIGKILL");
  for (const k of kids) {
    try {
      process.kill(-k, "SIGKILL");
    } catch { /* gone */ }
    try {
      process.kill(k, "SIGKILL");
    } catch { /* gone */ }
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = execFileSync("ps", ["-o", "stat=", "-p", String(pid)], { encoding: "utf8" }).trim();
    return stat !== "" && !stat.startsWith("Z");
  } catch {
    return false;
  }
}

/** Polls `f` every 200 ms until it gives a value or `ms` pass (then throws naming `what`). */
export function eventually<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  return pollFor(what, f, { timeoutMs: ms, intervalMs: 200 });
}
