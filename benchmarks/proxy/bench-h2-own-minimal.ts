// bench-h2-own-minimal: a benchmark PROTOTYPE, not production framing — the same bare h2c pass-through as
// bench-h2-minimal.ts (h2c in, one h2c session per origin out, streams multiplexed, headers passed
// through, bodies and trailers relayed) on node:net sockets with own HTTP/2 framing (h2-own/: frames,
// HPACK with Huffman decoding) instead of node:http2. The benchmark runs it beside h2-minimal and nginx
// (scenario "h2own") to measure what own framing could save before anyone commits to it (issue #18 goal
// 3). What it omits — everything h2spec, hostile input and fuzzing would demand — is listed in h2-own/*.ts.
// Args: <h2OriginPort> <grpcOriginPort>. Prints {"port":…, "pid":…}; exits on SIGTERM. Loopback only.
import { startOwnPassThrough } from "./h2-own/pass-through.ts";

const { port } = await startOwnPassThrough(Number(process.argv[2]), Number(process.argv[3]));
process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
