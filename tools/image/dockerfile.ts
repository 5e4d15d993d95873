// dockerfile: reads a Dockerfile into stages of instructions, for building its image without a Docker
// engine (tools/image/build-weft-image.ts interprets them).
// Takes the Dockerfile's text; gives Stage[] in order: { from, name?, instructions: { op, args, line } }
// with continuation lines joined, comments dropped, and JSON-form arguments (ENTRYPOINT ["a","b"])
// parsed into `json`. Throws with the line number on anything it cannot read.
// Must not: interpret instructions (that is the builder's job) or accept an instruction it does not know.

export type Op = "FROM" | "RUN" | "COPY" | "WORKDIR" | "USER" | "ENTRYPOINT" | "CMD" | "ENV";
const OPS: ReadonlySet<string> = new Set<Op>(["FROM", "RUN", "COPY", "WORKDIR", "USER", "ENTRYPOINT", "CMD", "ENV"]);

export interface Instruction {
  readonly op: Op;
  /** The arguments as written (continuations joined with a space). */
  readonly args: string;
  /** For COPY: --from=<stage>, else undefined. */
  readonly from?: string;
  /** For COPY: sources then destination (flags removed). */
  readonly paths?: readonly string[];
  /** ENTRYPOINT/CMD in JSON form. */
  readonly json?: readonly string[];
  readonly line: number;
}

export interface Stage {
  readonly from: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let buf = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const trimmed = raw.trim();
    if (buf === "" && (trimmed === "" || trimmed.startsWith("#"))) return;
    if (buf !== "" && trimmed.startsWith("#")) return;
    if (buf === "") start = i + 1;
    if (trimmed.endsWith("\\")) {
      buf += `${trimmed.slice(0, -1).trim()} `;
      return;
    }
    out.push({ text: (buf + trimmed).trim(), line: start });
    buf = "";
  });
  if (buf !== "") throw new Error(`Dockerfile:${start}: continuation at end of file`);
  return out;
}

function instruction(text: string, line: number): Instruction {
  const m = /^([A-Za-z]+)\s+(.*)$/.exec(text);
  if (m === null) throw new Error(`Dockerfile:${line}: cannot read "${text}"`);
  const op = m[1]!.toUpperCase();
  const args = m[2]!.trim();
  if (!OPS.has(op)) throw new Error(`Dockerfile:${line}: instruction ${op} is not supported by the image builder`);
  if (op === "ENTRYPOINT" || op === "CMD") {
    let json: unknown;
    try {
      json = JSON.parse(args);
    } catch {
      throw new Error(`Dockerfile:${line}: ${op} must use the JSON form`);
    }
    if (!Array.isArray(json) || !json.every((x) => typeof x === "string")) throw new Error(`Dockerfile:${line}: ${op} must be a JSON array of strings`);
    return { op: op, args, json, line };
  }
  if (op === "COPY") {
    const words = args.split(/\s+/);
    let from: string | undefined;
    const paths: string[] = [];
    for (const w of words) {
      if (w.startsWith("--from=")) from = w.slice("--from=".length);
      else if (w.startsWith("--")) throw new Error(`Dockerfile:${line}: COPY flag ${w} is not supported by the image builder`);
      else paths.push(w);
    }
    if (paths.length < 2) throw new Error(`Dockerfile:${line}: COPY needs a source and a destination`);
    return { op: "COPY", args, paths, line, ...(from === undefined ? {} : { from }) };
  }
  return { op: op as Op, args, line };
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const { text: t, line } of logicalLines(text)) {
    const ins = instruction(t, line);
    if (ins.op === "FROM") {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (m === null) throw new Error(`Dockerfile:${line}: cannot read FROM ${ins.args}`);
      stages.push({ from: m[1]!, ...(m[2] === undefined ? {} : { name: m[2] }), instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current === undefined) throw new Error(`Dockerfile:${line}: ${ins.op} before FROM`);
    current.instructions.push(ins);
  }
  if (stages.length === 0) throw new Error("Dockerfile: no FROM");
  return stages;
}
