// free-port: a TCP port on 127.0.0.1 that was free a moment ago (the OS picked it for a listener we
// closed at once), for a process a test starts and must tell its port. Takes nothing; gives the port.
// Must not: be used where a test can listen on port 0 itself and read the port back (that cannot race).
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => (a !== null && typeof a === "object" ? resolve(a.port) : reject(new Error("no port"))));
    });
  });
}
