// build-from-dockerfile: builds the image a multi-stage Dockerfile describes, without a Docker engine,
// so the Dockerfile stays the one description of the image.
// Builder stages (FROM … AS name) run on this host in a directory that stands for their WORKDIR:
// COPY takes files from the context or an earlier stage, RUN runs with `sh -c` there (their `apt-get`
// lines are skipped: the host provides those tools). They are cached after each RUN that a COPY
// follows, keyed on everything before it, as Docker caches layers.
// The final stage starts from the base root filesystem (base-rootfs.ts stands for its FROM); its
// instructions before the first COPY form a cached system layer, the rest an app layer: each is the
// upper directory of an overlay mount over the layers below, RUN executes chrooted into it
// (as USER when set), COPY --from=<stage> takes the stage's files by their path under its WORKDIR.
// Takes the Dockerfile, the context dir, the images cache dir, the image's name and a function giving
// the base for a FROM; gives the ImageSpec (layers + config) for image-archive.ts.
// Deletions from a lower layer (overlay whiteouts) become OCI `.wh.` entries.
// Must not: leave a mount behind (every overlay is unmounted in finally), or accept a final stage it
// cannot reproduce exactly (unknown instructions fail the build).
import { createHash } from "node:crypto";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import { parseDockerfile, type Instruction, type Stage } from "./dockerfile.ts";
import { packLayer, run, type ImageConfig, type ImageSpec } from "./image-archive.ts";
import type { BaseRootfs } from "./base-rootfs.ts";
import { markUsed, pruneStage } from "./stage-cache.ts";

const RECIPE = "dockerfile-1";

export interface BuildOptions {
  readonly dockerfile: string;
  readonly context: string;
  readonly imagesDir: string;
  readonly ref: string;
  readonly base: (from: string) => BaseRootfs;
  readonly log: (line: string) => void;
}

function hashPath(h: ReturnType<typeof createHash>, path: string): void {
  const st = lstatSync(path);
  h.update(`${path.length}:${st.mode}:`);
  if (st.isDirectory()) {
    for (const e of readdirSync(path).sort()) {
      if (e === "node_modules" || e === "build" || e === "dist") continue;
      hashPath(h, join(path, e));
    }
  } else if (st.isFile()) {
    h.update(readFileSync(path));
  }
}

function contentKey(prev: string, ins: Instruction, context: string): string {
  const h = createHash("sha256").update(`${prev}\n${ins.op} ${ins.args}\n`);
  if (ins.op === "COPY" && ins.from === undefined) { for (const src of ins.paths!.slice(0, -1)) hashPath(h, join(context, src)); }
  return h.digest("hex").slice(0, 16);
}

/** Copies `srcs` to `dst` with COPY's rules: a directory's contents go into dst; files into dst/ when it names a dir. */
function copyInto(srcs: readonly string[], dst: string, dstIsDir: boolean): void {
  for (const src of srcs) {
    if (statSync(src).isDirectory()) {
      mkdirSync(dst, { recursive: true });
      cpSync(src, dst, { recursive: true, verbatimSymlinks: true, force: true });
    } else {
      const target = dstIsDir ? join(dst, basename(src)) : dst;
      mkdirSync(dstIsDir ? dst : join(target, ".."), { recursive: true });
      cpSync(src, target, { force: true });
    }
  }
}

/** A COPY's sources on this host: in the context, or (--from) in the stage's dir under its WORKDIR. */
function copySources(ins: Instruction, o: BuildOptions, stages: ReadonlyMap<string, BuiltStage>): string[] {
  const from = ins.from === undefined ? undefined : stages.get(ins.from);
  if (ins.from !== undefined && from === undefined) throw new Error(`Dockerfile:${ins.line}: unknown stage ${ins.from}`);
  return ins.paths!.slice(0, -1).map((s) => (from === undefined ? join(o.context, s) : join(from.dir, posix.relative(from.workdir, s))));
}

function workdirOf(stage: Stage, upTo: number): string {
  let wd = "/";
  for (const ins of stage.instructions.slice(0, upTo)) if (ins.op === "WORKDIR") wd = posix.resolve(wd, ins.args);
  return wd;
}

interface BuiltStage {
  readonly dir: string;
  readonly workdir: string;
  readonly key: string;
}

function buildStage(stage: Stage, o: BuildOptions, done: ReadonlyMap<string, BuiltStage>, work: string): BuiltStage {
  const name = stage.name!;
  const dir = join(work, `stage-${name}`);
  const keys: string[] = [];
  let key = createHash("sha256").update(`${RECIPE} ${stage.from}`).digest("hex").slice(0, 16);
  stage.instructions.forEach((ins) => {
    key = contentKey(key + (ins.from === undefined ? "" : done.get(ins.from)?.key ?? ""), ins, o.context);
    keys.push(key);
  });
  const cacheOf = (k: string): string => join(o.imagesDir, "stages", `${name}-${k}`);
  let start = 0;
  for (let i = keys.length; i > 0; i--) {
    if (existsSync(join(cacheOf(keys[i - 1]!), ".done"))) {
      cpSync(cacheOf(keys[i - 1]!), dir, { recursive: true, verbatimSymlinks: true });
      markUsed(cacheOf(keys[i - 1]!));
      start = i;
      break;
    }
  }
  mkdirSync(dir, { recursive: true });
  const root = workdirOf(stage, stage.instructions.length);
  const local = (p: string): string => {
    const abs = posix.resolve(root, p);
    if (abs !== root && !abs.startsWith(`${root}/`)) throw new Error(`stage ${name}: ${p} is outside its WORKDIR ${root}`);
    return join(dir, posix.relative(root, abs));
  };
  for (let i = start; i < stage.instructions.length; i++) {
    const ins = stage.instructions[i]!;
    const wd = workdirOf(stage, i);
    if (ins.op === "WORKDIR") continue;
    if (ins.op === "COPY") {
      const dst = local(posix.resolve(wd, ins.paths!.at(-1)!));
      const srcs = copySources(ins, o, done);
      copyInto(srcs, dst, ins.paths!.at(-1)!.endsWith("/") || srcs.length > 1);
    } else if (ins.op === "RUN") {
      if (/^apt-get\b/.test(ins.args)) {
        o.log(`stage ${name}: skipped on the build host (provides these tools itself): RUN ${ins.args.slice(0, 80)}`);
        continue;
      }
      o.log(`stage ${name}: RUN ${ins.args}`);
      run("sh", ["-c", ins.args], { cwd: local(wd) });
      const next = stage.instructions[i + 1];
      if (next === undefined || next.op === "COPY") {
        const cache = cacheOf(keys[i]!);
        rmSync(cache, { recursive: true, force: true });
        cpSync(dir, cache, { recursive: true, verbatimSymlinks: true });
        writeFileSync(join(cache, ".done"), "");
        for (const n of pruneStage(join(o.imagesDir, "stages"), name)) o.log(`stage ${name}: removed the old snapshot ${n}`);
      }
    } else {
      throw new Error(`Dockerfile:${ins.line}: ${ins.op} in a builder stage is not supported by the image builder`);
    }
  }
  return { dir, workdir: root, key: keys.at(-1) ?? key };
}

/** Overlay whiteouts (0:0 character devices) in `dir`, as paths relative to it. */
function whiteouts(dir: string, rel = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = join(rel, e.name);
    if (e.isCharacterDevice() && lstatSync(join(dir, p)).rdev === 0) out.push(p);
    else if (e.isDirectory()) out.push(...whiteouts(dir, p));
  }
  return out;
}

/** Packs an overlay upper dir as an OCI layer: its whiteouts become empty `.wh.<name>` files. */
function packUpper(upper: string, out: string): void {
  const deleted = whiteouts(upper);
  packLayer(upper, out, { exclude: deleted.map((p) => `./${p}`) });
  if (deleted.length === 0) return;
  const marks = mkdtempSync(join(upper, "..", ".wh-"));
  try {
    for (const p of deleted) {
      mkdirSync(join(marks, p, ".."), { recursive: true });
      writeFileSync(join(marks, dirname(p), `.wh.${basename(p)}`), "");
    }
    run("tar", ["--append", "--file", out, "--format=gnu", "--sort=name", "--mtime=@0", "--numeric-owner", "--owner=0", "--group=0", "-C", marks, "."]);
  } finally {
    rmSync(marks, { recursive: true, force: true });
  }
}

interface FinalState {
  config: { -readonly [K in keyof ImageConfig]: ImageConfig[K] };
  workdir: string;
  user?: string;
}

/** One final-stage instruction, applied to the mounted root `merged`. */
function applyFinal(i: Instruction, merged: string, state: FinalState, o: BuildOptions, stages: ReadonlyMap<string, BuiltStage>): void {
  const inRoot = (p: string): string => join(merged, posix.resolve(state.workdir, p));
  switch (i.op) {
    case "WORKDIR":
      state.workdir = posix.resolve(state.workdir, i.args);
      mkdirSync(join(merged, state.workdir), { recursive: true });
      state.config.WorkingDir = state.workdir;
      break;
    case "COPY": {
      const srcs = copySources(i, o, stages);
      copyInto(srcs, inRoot(i.paths!.at(-1)!), i.paths!.at(-1)!.endsWith("/") || srcs.length > 1);
      break;
    }
    case "RUN": {
      o.log(`final stage: RUN ${i.args}`);
      const resolv = join(merged, "etc/resolv.conf");
      const hadResolv = existsSync(resolv);
      if (!hadResolv) cpSync("/etc/resolv.conf", resolv, { dereference: true });
      try {
        run("chroot", [...(state.user === undefined ? [] : [`--userspec=${state.user}`]), merged, "/bin/sh", "-c", `cd ${state.workdir} && ${i.args}`], {
          env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", LANG: "C.UTF-8" },
        });
      } finally {
        if (!hadResolv) rmSync(resolv, { force: true });
      }
      break;
    }
    case "USER":
      state.user = i.args;
      state.config.User = i.args;
      break;
    case "ENTRYPOINT":
      state.config.Entrypoint = i.json!;
      break;
    case "CMD":
      state.config.Cmd = i.json!;
      break;
    case "ENV": {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)[= ](.*)$/.exec(i.args);
      if (m === null) throw new Error(`Dockerfile:${i.line}: ENV must be NAME=value`);
      state.config.Env = [...(state.config.Env ?? []).filter((e) => !e.startsWith(`${m[1]}=`)), `${m[1]}=${m[2]}`];
      break;
    }
    default:
      throw new Error(`Dockerfile:${i.line}: ${i.op} is not supported in the final stage`);
  }
}

/** Applies instructions on an overlay (lowers top first) and gives the upper dir as a layer tar. */
function applyOnOverlay(ins: readonly Instruction[], lowers: readonly string[], out: string, state: FinalState, o: BuildOptions, stages: ReadonlyMap<string, BuiltStage>): void {
  const tmp = mkdtempSync(join(o.imagesDir, ".overlay-"));
  const [upper, workdir, merged] = [join(tmp, "upper"), join(tmp, "work"), join(tmp, "merged")];
  for (const d of [upper, workdir, merged]) mkdirSync(d);
  try {
    run("mount", ["-t", "overlay", "overlay", "-o", `lowerdir=${lowers.join(":")},upperdir=${upper},workdir=${workdir}`, merged]);
    try {
      for (const i of ins) applyFinal(i, merged, state, o, stages);
    } finally {
      run("umount", [merged]);
    }
    rmSync(`${out}.upper`, { recursive: true, force: true });
    mkdirSync(join(out, ".."), { recursive: true });
    run("mv", [upper, `${out}.upper`]);
    packUpper(`${out}.upper`, `${out}.tmp`);
    run("mv", [`${out}.tmp`, out]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function buildFromDockerfile(o: BuildOptions): ImageSpec {
  const stages = parseDockerfile(readFileSync(o.dockerfile, "utf8"));
  const final = stages.at(-1)!;
  const base = o.base(final.from);
  const work = mkdtempSync(join(o.imagesDir, ".work-"));
  try {
    const built = new Map<string, BuiltStage>();
    for (const s of stages.slice(0, -1)) {
      if (s.name === undefined) throw new Error(`Dockerfile: a builder stage FROM ${s.from} needs a name (AS …)`);
      if (s.from !== final.from) throw new Error(`Dockerfile: builder stage ${s.name} is FROM ${s.from}, the image FROM ${final.from}: the host can stand in for one base only`);
      built.set(s.name, buildStage(s, o, built, work));
    }
    const split = final.instructions.findIndex((i) => i.op === "COPY");
    const system = final.instructions.slice(0, split < 0 ? final.instructions.length : split);
    const app = final.instructions.slice(system.length);
    const state: FinalState = { config: {}, workdir: "/" };
    const sysKey = createHash("sha256").update(`${RECIPE} ${base.key}\n${system.map((i) => `${i.op} ${i.args}`).join("\n")}`).digest("hex").slice(0, 16);
    const sysLayer = join(o.imagesDir, "layers", `system-${sysKey}.tar`);
    if (!existsSync(sysLayer)) {
      o.log("final stage: building the system layer");
      applyOnOverlay(system, [base.rootfs], sysLayer, state, o, built);
    } else {
      for (const i of system) if (i.op === "RUN") o.log(`final stage: cached RUN ${i.args.slice(0, 80)}`);
      applyConfigOnly(system, state);
    }
    const finalLayer = join(o.imagesDir, "layers", `app-${o.ref.replace(/[^a-z0-9.-]+/gi, "_")}.tar`);
    applyOnOverlay(app, [`${sysLayer}.upper`, base.rootfs], finalLayer, state, o, built);
    return { ref: o.ref, layers: [base.layer, sysLayer, finalLayer], config: state.config };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function applyConfigOnly(ins: readonly Instruction[], state: FinalState): void {
  for (const i of ins) {
    if (i.op === "WORKDIR") state.workdir = state.config.WorkingDir = posix.resolve(state.workdir, i.args);
    if (i.op === "USER") state.user = state.config.User = i.args;
    if (i.op === "ENTRYPOINT") state.config.Entrypoint = i.json!;
    if (i.op === "CMD") state.config.Cmd = i.json!;
    if (i.op === "ENV") throw new Error(`Dockerfile:${i.line}: ENV before the first COPY is not supported by the image builder`);
  }
}
