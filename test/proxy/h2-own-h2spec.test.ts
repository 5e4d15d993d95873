// h2spec (github.com/summerwind/h2spec, built by scripts/build-test-cluster.sh h2spec; "h2spec" tier) against
// an h2c server on Weft's own HTTP/2 framing (pkg/proxy/h2, test/support/h2-own-server.ts). Own framing may
// replace node:http2 only if it passes h2spec completely (issue #18): every case must pass, none skipped.
// Bounded: h2spec waits at most 10 s for each frame it expects, the process has a deadline. Loopback only.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { startOwnH2Server, type OwnH2Server } from "../support/h2-own-server.ts";
import { h2specTier as tier, runH2spec } from "../support/h2spec.ts";

let dir: string;
let server: OwnH2Server;

beforeAll(async () => {
  if (!tier.present) return;
  dir = mkdtempSync(join(tmpdir(), "weft-h2own-h2spec-"));
  server = await startOwnH2Server();
});

afterAll(async () => {
  if (!tier.present) return;
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

tier.describe("h2spec against Weft's own HTTP/2 framing", () => {
  tier.it("passes every case (145), none failed or skipped", { timeout: 300_000 }, async () => {
    const r = await runH2spec(server.port, join(dir, "own.xml"));
    expect(r.failed).toEqual([]);
    expect(r.skipped).toBe(0);
    expect(r.passed).toBe(145);
    // It was answered, not just closed on: the server served requests.
    expect(server.answered).toBeGreaterThan(50);
  });
});
