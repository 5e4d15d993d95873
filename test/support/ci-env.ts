// ci-env: one answer to "is this a CI run?" for the test suite's rules (tiers, skips, golden rewrites).
// Takes the environment; gives true when CI is set to anything but "", "0" or "false".
// Must not: read anything else than the CI variable.
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env["CI"];
  return v !== undefined && v !== "" && v !== "0" && v.toLowerCase() !== "false";
}
