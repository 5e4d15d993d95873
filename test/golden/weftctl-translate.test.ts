// weftctl-translate: runs `node cmd/weftctl.ts translate` as a child process and checks that it
// prints exactly the golden output, reports parse errors on stderr with file:line:column and exit
// code 1, reads directories, prints JSON with -o json, and rejects bad flags with exit code 2.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "./golden-cases.ts";

const run = promisify(execFile);

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function weftctl(...args: string[]): Promise<Outcome> {
  try {
    const r = await run(process.execPath, ["cmd/weftctl.ts", "translate", ...args], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

const expected = (c: string): string => readFileSync(join(REPO_ROOT, `test/golden/${c}.out.yaml`), "utf8");
const tmp = mkdtempSync(join(tmpdir(), "weftctl-translate-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("weftctl translate (child process)", () => {
  it.each(["gamma/producer-basic", "listeners/https-terminate", "precedence/step6-oldest-route", "grpc/prec-service-chars"])(
    "prints exactly the golden output for %s",
    async (c) => {
      const out = await weftctl("-f", `test/golden/${c}.in.yaml`);
      expect(out.code).toBe(0);
      expect(out.stdout).toBe(expected(c));
      expect(parse(out.stdout)).toEqual(parse(expected(c)));
    },
  );

  it("never prints the TLS private key", async () => {
    const input = readFileSync(join(REPO_ROOT, "test/golden/listeners/https-terminate.in.yaml"), "utf8");
    const keyB64 = /tls\.key: (\S+)/.exec(input)?.[1] ?? "";
    const keyPem = Buffer.from(keyB64, "base64").toString("utf8");
    expect(keyPem).toMatch(/PRIVATE KEY/);
    const out = await weftctl("-f", "test/golden/listeners/https-terminate.in.yaml", "-o", "json");
    expect(out.stdout).not.toContain("PRIVATE KEY");
    expect(out.stdout).not.toContain(keyB64.slice(0, 40));
  });

  it("parse errors: golden output on stdout, located error on stderr, exit 1", async () => {
    const c = "invalid-input/type-error-drops-object";
    const out = await weftctl("-f", `test/golden/${c}.in.yaml`);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe(expected(c));
    expect(out.stderr).toMatch(/type-error-drops-object\.in\.yaml:\d+:\d+ \(document 5\) HTTPRoute\/default\/bad spec\.rules\[0\]\.backendRefs\[0\]\.port: must be an integer/);
  });

  it("warnings go to stderr without failing", async () => {
    const out = await weftctl("-f", "test/golden/invalid-input/unknown-kind-skipped.in.yaml");
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/^warning: .*TCPRoute.*skipped/m);
  });

  it("-o json prints the same document as JSON", async () => {
    const c = "filters/request-header-modifier";
    const out = await weftctl("-f", `test/golden/${c}.in.yaml`, "-o", "json");
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(parse(expected(c)));
  });

  it("reads a directory and several -f flags together", async () => {
    const input = readFileSync(join(REPO_ROOT, "test/golden/consumer-producer/producer-and-consumer.in.yaml"), "utf8");
    const docs = input.split(/^---$/m);
    const half = Math.ceil(docs.length / 2);
    writeFileSync(join(tmp, "a.yaml"), docs.slice(0, half).join("---"));
    writeFileSync(join(tmp, "ignored.txt"), "not: [yaml");
    const rest = join(tmp, "rest.yml");
    writeFileSync(rest, docs.slice(half).join("---"));
    const dir = join(tmp, "dir");
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, "a.yaml"), readFileSync(join(tmp, "a.yaml")));
    const out = await weftctl("-f", dir, "--filename", rest);
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(parse(out.stdout)).toEqual(parse(expected("consumer-producer/producer-and-consumer")));
  });

  it.each([
    [[], /at least one -f/],
    [["-f"], /-f needs/],
    [["-f", "x.yaml", "-o", "xml"], /-o must be yaml or json/],
    [["--bogus"], /unknown flag --bogus/],
  ])("bad flags %j exit 2", async (args, message) => {
    const out = await weftctl(...args);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
  });

  it("a missing file is an error with exit 1", async () => {
    const out = await weftctl("-f", "test/golden/does-not-exist.yaml");
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/does-not-exist\.yaml: .*ENOENT/);
  });
});
