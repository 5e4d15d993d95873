// signals: the process lifecycle every long-running `weft` subcommand shares.
// Gives a promise that resolves on the first SIGTERM or SIGINT.
// Must not: exit the process (the subcommand stops its parts and returns its exit code).
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
}
