// sidecar-drain: drain stops both listeners at once, lets a passthrough connection that finishes within
// the grace period finish, and closes one that is still open when the grace period ends.
import { connect } from "node:net";
import { expect, it } from "vitest";
import { startSidecar } from "../../pkg/proxy/sidecar/index.ts";
import { startEchoServer } from "./support/net-helpers.ts";
import { createRecordingEngine } from "./support/recording-engine.ts";

it("drain: refuses new connections, closes lingering passthrough connections after the grace period", async () => {
  const echo = await startEchoServer();
  const engine = createRecordingEngine();
  const sidecar = await startSidecar({
    engine,
    host: "127.0.0.1",
    outboundPort: 0,
    inboundPort: 0,
    lookup: () => undefined,
    log: () => {},
    originalDestination: () => ({ address: "127.0.0.1", port: echo.port }),
  });
  try {
    const lingering = connect({ host: "127.0.0.1", port: sidecar.outboundPort });
    lingering.on("error", () => {});
    await new Promise<void>((r) => {
      lingering.once("connect", () => {
        lingering.write("x");
      });
      lingering.once("data", () => r());
    });
    const closed = new Promise<void>((r) => lingering.once("close", () => r()));
    let lingeringClosedBeforeDrainEnded = false;
    void closed.then(() => {
      lingeringClosedBeforeDrainEnded = true;
    });
    const draining = sidecar.drain(1_000);
    const refused = await new Promise<string>((resolve) => {
      const s = connect({ host: "127.0.0.1", port: sidecar.outboundPort });
      s.on("connect", () => {
        s.destroy();
        resolve("connected");
      });
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
    expect(lingeringClosedBeforeDrainEnded).toBe(false);
    await draining;
    await closed;
    expect(lingering.destroyed).toBe(true);
  } finally {
    await sidecar.close();
    echo.server.close();
  }
});
