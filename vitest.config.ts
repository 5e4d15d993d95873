import { defineConfig } from "vitest/config";
import { netnsPool } from "./test/support/node/netns-pool.ts";

// Test files named *.cluster.test.ts run against one real-node Kubernetes cluster shared by the run
// (docs/test-cluster.md): their project starts it in a global setup (only when such a file is in the
// run) and runs their workers inside its network namespace.
const clusterFiles = ["test/**/*.cluster.test.ts"];

export default defineConfig({
  test: {
    reporters: ["default", "./test/support/summary-reporter.ts"],
    // fast-check run count and seed from FC_RUNS_SCALE / FC_NUM_RUNS / FC_SEED / FC_PATH (docs/testing.md).
    setupFiles: ["./test/support/fast-check-env.ts"],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Kubernetes-tier tests share one API server and run in their own project-wide order.
    fileParallelism: true,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts", "injector/**/*.test.ts"], exclude: clusterFiles } },
      {
        extends: true,
        test: {
          name: "cluster",
          include: clusterFiles,
          pool: netnsPool,
          globalSetup: ["./test/support/node/global-setup.ts"],
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
