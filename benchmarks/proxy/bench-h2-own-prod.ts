// bench-h2-own-prod: the own-framing pass-through of bench-h2-own-minimal.ts with Weft's production server
// framing (pkg/proxy/h2) as its downstream face (h2-own/pass-through-prod.ts; scenario "h2ownprod"), to
// measure what the production checks and limits cost against the prototype's framing.
// Args: <h2OriginPort> <grpcOriginPort>. Prints {"port":…, "pid":…}; exits on SIGTERM. Loopback only.
import { startProdPassThrough } from "./h2-own/pass-through-prod.ts";

const { port } = await startProdPassThrough(Number(process.argv[2]), Number(process.argv[3]));
process.stdout.write(`${JSON.stringify({ port, pid: process.pid })}\n`);
process.on("SIGTERM", () => process.exit(0));
