// The vitest config StrykerJS runs (`npm run test:mutation`, stryker.config.mjs): the project's config
// narrowed to the tests of the mutated modules — router, translate, and the proxy's retry,
// balancing and identity code — with no Kubernetes, network-namespace or end-to-end tier.
import { defineConfig } from "vitest/config";
import base from "../../vitest.config.ts";

// The suite's projects (unit, cluster) each carry their own include: kept, they would run every test
// file (and start the cluster tier) instead of the list below.
const { projects: _projects, ...suite } = base.test ?? {};

const scope = [
  "test/router/**/*.test.ts",
  "test/translate/**/*.test.ts",
  "test/translate-props/**/*.test.ts",
  "test/golden/golden.test.ts",
  "test/weftctl/explain-agrees-with-router.test.ts",
  "test/proxy/units.test.ts",
  "test/proxy/balancing.test.ts",
  "test/proxy/resilience.test.ts",
  "test/proxy/retry-policy.test.ts",
  "test/proxy/retry-loop.test.ts",
  "test/proxy/stack/dispatch-layers.test.ts",
  "test/proxy/mesh-upstream.test.ts",
  "test/sidecar/inbound-h2-engine.test.ts",
  "test/sidecar/sidecar-loopback.test.ts",
  "test/sidecar/mesh-alpn.test.ts",
  "test/sidecar/mesh-tls-termination.test.ts",
  "test/ca/mesh-ca.test.ts",
  "test/ca/peer-verify.test.ts",
  "test/telemetry/hops-mtls-metrics.test.ts",
];

// A run of one part (docs/mutation.md, "Per part"): MUTATION_TESTS, comma-separated globs out of the list
// above, runs only those (the dry run and each mutant then start fewer files).
const only = process.env.MUTATION_TESTS?.split(",").filter((g) => g !== "");

export default defineConfig({
  ...base,
  test: {
    ...suite,
    include: only !== undefined && only.length > 0 ? only : scope,
    // Stryker reports through its own reporters; the summary line and its CI rules are the suite's.
    reporters: ["dot"],
  },
});
