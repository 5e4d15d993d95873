// init: `weft init` — the pod's init step. Reads the capture config from flags or the WEFT_* env the
// injector sets (injector/init-options.ts), then installs the nat rules that send the app's traffic
// through the sidecar (injector/capture-apply.ts). `--dry-run` only prints; `--cleanup` removes the capture.
// Exits 0 on success, 1 with the failing command and its stderr, 2 on a bad flag or config.
// Must not: touch chains other than WEFT_* and the two jumps into them.
import { applyCapture } from "../../injector/capture-apply.ts";
import { INIT_FLAGS, INIT_USAGE, initOptionsFrom } from "../../injector/init-options.ts";
import { readOptions, type Subcommand } from "../../pkg/cli/index.ts";

async function run(argv: readonly string[]): Promise<number> {
  const opts = readOptions("weft init", INIT_USAGE, argv, INIT_FLAGS, (line) => initOptionsFrom(line.flags), { env: process.env });
  return typeof opts === "number" ? opts : applyCapture(opts);
}

const command: Subcommand = { summary: "install the pod's traffic capture rules (iptables/nftables) for the sidecar", run };
export default command;
