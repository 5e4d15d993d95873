// tiers: the one gate for tests that need something outside node_modules (a test tier: "kube-cluster",
// "helm", "netns", ...). `requireTier(tier, missing)` takes the tier's name and why it is unavailable
// (undefined when it is there) and gives `{ describe, it }` to declare the tier's tests with:
// - tier present: plain vitest describe/it;
// - tier missing, CI set (test/support/ci-env.ts): one failing test per block that names the tier and
//   why, so a CI run cannot go green without it;
// - tier missing, not CI: the block is skipped, its title says which tier and why, and the summary
//   reporter lists the tier as skipped.
// Every skip carries the tier in the test's meta (`meta.tier`); the summary reporter reads it.
// Must not: decide a tier's absence from the code under test (only from the machine: binaries,
// root, system tools), or skip anything when CI is set.
import { describe as vDescribe, it as vIt, type TestOptions } from "vitest";
import { isCi } from "./ci-env.ts";

declare module "vitest" {
  interface TaskMeta {
    /** Set on tests gated by requireTier when their tier is missing: `name: why`. */
    tierMissing?: string;
  }
}

type Body = () => void | Promise<void>;
/** vitest's forms: (name, body), (name, body, timeout), (name, options, body). */
type Declare = (name: string, optionsOrBody: TestOptions | Body, bodyOrTimeout?: Body | number) => void;

export interface TierGate {
  /** True when the tier's prerequisites are there. */
  readonly present: boolean;
  readonly describe: Declare;
  readonly it: Declare;
}

function split(optionsOrBody: TestOptions | Body, bodyOrTimeout?: Body | number): { options: TestOptions; body: Body } {
  if (typeof optionsOrBody === "function") return { options: typeof bodyOrTimeout === "number" ? { timeout: bodyOrTimeout } : {}, body: optionsOrBody };
  return { options: optionsOrBody, body: typeof bodyOrTimeout === "function" ? bodyOrTimeout : () => {} };
}

export function requireTier(tier: string, missing: string | undefined, env: NodeJS.ProcessEnv = process.env): TierGate {
  if (missing === undefined) {
    return {
      present: true,
      describe: (name, o, b) => {
        const { options, body } = split(o, b);
        vDescribe(name, options, body);
      },
      it: (name, o, b) => {
        const { options, body } = split(o, b);
        vIt(name, options, body);
      },
    };
  }
  const note = `${tier}: ${missing}`;
  if (isCi(env)) {
    const fail = (): never => {
      throw new Error(`test tier "${tier}" is missing in CI: ${missing}. Run scripts/setup-test-deps.sh (see docs/testing.md)`);
    };
    const failing = (name: string): void => vIt(`${name} [needs tier ${tier}]`, { meta: { tierMissing: note } }, fail);
    return {
      present: false,
      describe: (name) => vDescribe(name, () => failing("tier present")),
      it: (name) => failing(name),
    };
  }
  const title = (name: string): string => `${name} [tier ${tier} missing: ${missing}]`;
  return {
    present: false,
    describe: (name, o, b) => {
      const { options, body } = split(o, b);
      vDescribe.skip(title(name), { ...options, meta: { tierMissing: note } }, body);
    },
    it: (name, o, b) => {
      const { options, body } = split(o, b);
      vIt.skip(title(name), { ...options, meta: { tierMissing: note } }, body);
    },
  };
}
