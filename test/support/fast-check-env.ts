// fast-check-env: the one place property tests take their run count and seed from the environment.
// Loaded by vitest before every test file (vitest.config.ts setupFiles): sets fast-check's global
// defaults, and `fcParams(defaultRuns, pinnedSeed?)` gives a property's own parameters.
//   FC_RUNS_SCALE=x  every property runs round(default × x) times (at least 1): CI can run more
//   FC_NUM_RUNS=n    every property runs exactly n times (wins over FC_RUNS_SCALE)
//   FC_SEED=s        seed for every property (wins over a test's pinned seed); with FC_PATH=p it
//                    replays the counterexample fast-check printed ("seed: s, path: p")
// Must not: be bypassed (no `numRuns:` literal elsewhere in test/: test/suite-rules checks it).
import fc from "fast-check";

function num(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${JSON.stringify(v)} must be a positive number`);
  return n;
}

export interface FcEnv {
  readonly numRuns?: number;
  readonly scale: number;
  readonly seed?: number;
  readonly path?: string;
}

export function readFcEnv(env: NodeJS.ProcessEnv = process.env): FcEnv {
  const numRuns = num("FC_NUM_RUNS", env);
  const seed = env["FC_SEED"] === undefined || env["FC_SEED"] === "" ? undefined : Number(env["FC_SEED"]);
  if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`FC_SEED=${JSON.stringify(env["FC_SEED"])} must be an integer`);
  const path = env["FC_PATH"] === "" ? undefined : env["FC_PATH"];
  return { ...(numRuns === undefined ? {} : { numRuns: Math.round(numRuns) }), scale: num("FC_RUNS_SCALE", env) ?? 1, ...(seed === undefined ? {} : { seed }),
    ...(path === undefined ? {} : { path }) };
}

export function fcParamsFrom(e: FcEnv, defaultRuns: number, pinnedSeed?: number): { numRuns: number; seed?: number; path?: string } {
  const seed = e.seed ?? pinnedSeed;
  return {
    numRuns: e.numRuns ?? Math.max(1, Math.round(defaultRuns * e.scale)),
    ...(seed === undefined ? {} : { seed }),
    ...(e.path === undefined ? {} : { path: e.path }),
  };
}

const current = readFcEnv();

/** A property's parameters: its default run count (and pinned seed) adjusted by the environment. */
export function fcParams(defaultRuns: number, pinnedSeed?: number): { numRuns: number; seed?: number; path?: string } {
  return fcParamsFrom(current, defaultRuns, pinnedSeed);
}

fc.configureGlobal(fcParams(100));
