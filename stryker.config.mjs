// StrykerJS mutation testing (`npm run test:mutation`; not part of `npm test` or .ci/run). Scope: the
// routing engine (pkg/router), translate (pkg/translate) and the proxy's retry (retry budget and the
// retry layer of its stack), balancing (P2C/EWMA, round robin, endpoint stats, weighted backend
// choice) and identity (mesh mTLS termination, SPIFFE peer verification) code; not message text.
// Incremental: a re-run
// only tests mutants whose code or tests changed (reports/mutation/stryker-incremental.json).
// Scores and the fate of each surviving mutant: docs/mutation.md.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "test/mutation/vitest.config.ts" },
  coverageAnalysis: "perTest",
  mutate: [
    "pkg/router/**/*.ts",
    "pkg/translate/**/*.ts",
    "pkg/proxy/stack/retry-budget.ts",
    // The retry layer: tries left, the stale-connection replay, endpoint avoidance, backoff, retry on
    // status or failure, and the budget check.
    "pkg/proxy/stack/retry-layer.ts",
    "pkg/proxy/balance/p2c-ewma.ts",
    "pkg/proxy/balance/round-robin.ts",
    "pkg/proxy/balance/endpoint-stats.ts",
    "pkg/proxy/balance/endpoint-chooser.ts",
    "pkg/proxy/sidecar/mesh-tls.ts",
    "pkg/ca/peer-verify.ts",
  ],
  // Message text (StringLiteral) is not mutated: condition and error messages are pinned as a whole by
  // the golden corpus, and a mutant per message would double the run on this 2-core machine.
  mutator: { excludedMutations: ["StringLiteral"] },
  ignoreStatic: true,
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  concurrency: 2,
  timeoutMS: 20000,
  reporters: ["clear-text", "progress", "json", "html"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  thresholds: { high: 85, low: 70, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
