import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "injector/**/*.test.ts"],
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // fast-check run count and seed from FC_RUNS_SCALE / FC_NUM_RUNS / FC_SEED / FC_PATH (docs/testing.md).
    setupFiles: ["./test/support/fast-check-env.ts"],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Kubernetes-tier tests share one API server and run in their own project-wide order.
    fileParallelism: true,
  },
});
