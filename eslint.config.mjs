// eslint.config.mjs: the linter's rules for every TypeScript file tsconfig.json covers, run by
// `npm run lint` (and by .ci/run before the tests). typescript-eslint with type information
// (recommendedTypeChecked: floating and misused promises, unsafe any, needless assertions, …) plus
// the habits of design.md §4, and restricted imports that keep three libraries to the modules of the
// design's table that own what they do:
//   @kubernetes/client-node → pkg/k8s (the Kubernetes-facing module; others may import its types)
//   node-forge              → pkg/ca (keys, CSRs, signing)
//   @grpc/grpc-js, @grpc/proto-loader → pkg/distribution and pkg/telemetry (OTLP), and the proxy's
//                             gRPC health probe of the app it fronts (pkg/proxy/admin/grpc-health-check.ts)
// Formatting is dprint's (dprint.json), not the linter's.
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

const LIBRARIES = {
  k8s: { name: "@kubernetes/client-node", message: "only pkg/k8s talks to the Kubernetes API (design §3); use its KubeClient, loadKubeConfig or a type import" },
  forge: { name: "node-forge", message: "only pkg/ca handles keys, CSRs and signing (design §3)" },
  grpc: { name: "@grpc/grpc-js", message: "only pkg/distribution (and pkg/telemetry) speak gRPC (design §3); use their API" },
  protoLoader: { name: "@grpc/proto-loader", message: "only pkg/distribution (and pkg/telemetry) load .proto files (design §3)" },
};

/** The no-restricted-imports rule forbidding every library but `allowed` (type-only imports pass). */
function restrict(...allowed) {
  const paths = Object.entries(LIBRARIES).filter(([key]) => !allowed.includes(key)).map(([, p]) => p);
  return { "@typescript-eslint/no-restricted-imports": ["error", { paths: paths.map((p) => ({ ...p, allowTypeImports: true })) }] };
}

export default tseslint.config(
  { ignores: ["node_modules/**", "dist/**", ".stryker-tmp/**", "reports/**", ".cache/**", "coverage/**", "tmp/**", "**/*.js", "**/*.mjs", "**/*.cjs"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `_name` marks a value dropped on purpose (rest destructuring, a callback's unused parameter).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", ignoreRestSiblings: true }],
      // Subcommands, handlers and interface methods are async by contract even when one needs no await.
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports", disallowTypeAnnotations: false }],
      "@typescript-eslint/no-import-type-side-effects": "error",
      "@typescript-eslint/prefer-promise-reject-errors": "error",
      "@typescript-eslint/only-throw-error": "error",
      "no-console": "error",
      eqeqeq: ["error", "always"],
      // A variable a closure reads before its one assignment (a timer, a handle) stays `let`.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  // Application code: the library keeps to the design's table of who uses which library.
  { files: ["pkg/**/*.ts", "cmd/**/*.ts", "injector/**/*.ts"], rules: restrict() },
  { files: ["pkg/k8s/**/*.ts"], rules: restrict("k8s") },
  { files: ["pkg/ca/**/*.ts"], rules: restrict("forge") },
  { files: ["pkg/distribution/**/*.ts", "pkg/telemetry/**/*.ts", "pkg/proxy/admin/grpc-health-check.ts"], rules: restrict("grpc", "protoLoader") },
  // Tests, benchmarks and tools read JSON and YAML answers without a schema: asserting their shape is
  // what the expectation that follows does, so `any` from JSON.parse/YAML is allowed there.
  {
    files: ["test/**/*.ts", "benchmarks/**/*.ts", "tools/**/*.ts", "examples/**/*.ts", "vitest.config.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
      "no-console": "off",
    },
  },
);
