// cluster-runner: the program that holds a real-node cluster for its parent (the vitest global setup,
// or scripts/test-cluster.sh). Started inside the node's network namespace with
//   nsenter --net=/run/netns/<name> -- node test/support/node/cluster-runner.ts '<RunnerArgs JSON>'
// it starts the node (real-node.ts), writes one line `{"ready": RealNodeInfo}` (or `{"error": "…"}`)
// to stdout, and stops everything when its stdin closes (the parent exited or asked) or on SIGTERM,
// then cleans up after the node's programs (node-cleanup.ts, the namespace included) and puts the
// host back to the snapshot it was given (host-snapshot.ts), so a parent killed outright leaves
// nothing either, and writes `{"stopped": [what it removed]}`.
// Must not: outlive its parent (stdin EOF stops it) or exit before its node's processes are gone.
import { restoreHost, type HostSnapshot } from "./host-snapshot.ts";
import { cleanupNode } from "./node-cleanup.ts";
import { nodeLayout } from "./node-layout.ts";
import { startRealNode, type RealNode } from "./real-node.ts";

export interface RunnerArgs {
  readonly id: string;
  readonly dir: string;
  /** A docker-archive with every image the node runs, and the names it must hold. */
  readonly archive: string;
  readonly refs: readonly string[];
  readonly corednsImage: string;
  /** The host as it was before the node: restored when the runner stops. */
  readonly snapshot: HostSnapshot;
}

const args = JSON.parse(process.argv[2] ?? "{}") as RunnerArgs;
const layout = nodeLayout(args.id, args.dir);
const say = (o: unknown): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

let node: RealNode | undefined;
let stopping: Promise<void> | undefined;
const stop = (): Promise<void> => (stopping ??= (async () => {
  await node?.stop().catch(() => undefined);
  const removed = await cleanupNode(layout, { keepDir: process.env["WEFT_KEEP_CLUSTER"] !== undefined });
  removed.push(...restoreHost(args.snapshot));
  say({ stopped: removed });
  process.exit(0);
})());

process.stdin.on("end", () => void stop());
process.stdin.on("close", () => void stop());
process.stdin.resume();
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());

try {
  node = await startRealNode(layout, { archive: args.archive, refs: args.refs }, args.corednsImage);
  say({ ready: node.info });
} catch (e) {
  say({ error: e instanceof Error ? e.message : String(e) });
  await stop();
}
