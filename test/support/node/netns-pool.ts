// netns-pool: a vitest pool whose forked workers run inside the real node's network namespace, so
// test files reach the API server, pods, ClusterIPs and Gateway addresses directly and can serve
// webhooks the API server calls on the namespace's loopback. Workers are vitest's own forks, started
// through `nsenter --net=<path>` (the IPC channel passes through exec unchanged); the global setup
// sets WEFT_TEST_NETNS in this process before any worker starts. Without it (the node could not
// start) workers are plain forks and the tier's tests report why they cannot run.
// Takes vitest's PoolOptions; gives the pool for vitest.config.ts. Must not: change anything for
// workers of other projects.
import { ForksPoolWorker, type PoolOptions, type PoolRunnerInitializer } from "vitest/node";

const NSENTER = "/usr/bin/nsenter";

class NetnsForksWorker extends ForksPoolWorker {
  override name = "netns-forks";
  private readonly netns: string | undefined;

  constructor(options: PoolOptions) {
    const netns = process.env["WEFT_TEST_NETNS"];
    super(netns === undefined ? options : { ...options, execArgv: [`--net=${netns}`, "--", process.execPath, ...options.execArgv] });
    this.netns = netns;
  }

  override start(): Promise<void> {
    if (this.netns === undefined) return super.start();
    // ForksPoolWorker forks with process.execPath, synchronously at the start of start().
    const saved = process.execPath;
    process.execPath = NSENTER;
    try {
      return super.start();
    } finally {
      process.execPath = saved;
    }
  }
}

export const netnsPool: PoolRunnerInitializer = { name: "netns-forks", createPoolWorker: (o) => new NetnsForksWorker(o) };
