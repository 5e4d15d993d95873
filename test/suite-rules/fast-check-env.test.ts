// fast-check-env: property run counts and seeds come from one place (test/support/fast-check-env.ts),
// so CI can run more and a failure can be replayed: the environment is read as documented, the
// global defaults are set, and no test file writes its own `numRuns:`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fcParamsFrom, readFcEnv } from "../support/fast-check-env.ts";
import { testSourcesMatching } from "./test-sources.ts";

describe("FC_* environment", () => {
  it("scales, overrides, seeds and replays", () => {
    expect(fcParamsFrom(readFcEnv({}), 150)).toEqual({ numRuns: 150 });
    expect(fcParamsFrom(readFcEnv({}), 150, 7)).toEqual({ numRuns: 150, seed: 7 });
    expect(fcParamsFrom(readFcEnv({ FC_RUNS_SCALE: "4" }), 150)).toEqual({ numRuns: 600 });
    expect(fcParamsFrom(readFcEnv({ FC_RUNS_SCALE: "0.001" }), 150)).toEqual({ numRuns: 1 });
    expect(fcParamsFrom(readFcEnv({ FC_RUNS_SCALE: "4", FC_NUM_RUNS: "20" }), 150)).toEqual({ numRuns: 20 });
    expect(fcParamsFrom(readFcEnv({ FC_SEED: "-123", FC_PATH: "3:1:0" }), 150, 7)).toEqual({ numRuns: 150, seed: -123, path: "3:1:0" });
    expect(() => readFcEnv({ FC_NUM_RUNS: "many" })).toThrow(/FC_NUM_RUNS="many" must be a positive number/);
    expect(() => readFcEnv({ FC_SEED: "1.5" })).toThrow(/FC_SEED/);
  });

  it("sets fast-check's global defaults for properties that give no parameters", () => {
    const env = readFcEnv();
    expect(fc.readConfigureGlobal()).toMatchObject(fcParamsFrom(env, 100));
  });

  it("a failing property's seed and path, given back through FC_SEED/FC_PATH, replay the same counterexample", () => {
    const prop = fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => n < 500_000);
    const first = fc.check(prop, { numRuns: 200, seed: 99 });
    expect(first.failed).toBe(true);
    const again = fc.check(prop, fcParamsFrom(readFcEnv({ FC_SEED: String(first.seed), FC_PATH: first.counterexamplePath ?? "" }), 200));
    expect(again.counterexample).toEqual(first.counterexample);
  });
});

it("no test file sets numRuns itself (it goes through fcParams)", () => {
  expect(testSourcesMatching(/numRuns\s*:/, (f) => f.endsWith("support/fast-check-env.ts") || f.endsWith("suite-rules/fast-check-env.test.ts"))).toEqual([]);
});
