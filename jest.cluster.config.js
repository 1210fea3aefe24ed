/**
 * `npm run test:cluster`: the scenarios that run against the cluster twin (tools/twin.ts). The global setup
 * starts the twin (or reuses the one FASTGPU_TWIN_KUBECONFIG names); scenarios share it, so they run in band.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/cluster"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  globalSetup: "<rootDir>/test/cluster/global-setup.ts",
  globalTeardown: "<rootDir>/test/cluster/global-teardown.ts",
  // Waits inside the scenarios are bounded by what they wait for; this only stops a scenario that hangs.
  testTimeout: 15 * 60 * 1000,
  maxWorkers: 1,
  verbose: true,
};
