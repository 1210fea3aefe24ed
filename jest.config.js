/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The cluster scenarios need the twin: `npm run test:cluster` (jest.cluster.config.js).
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/cluster/"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }],
    // The CEL evaluator the admission-policy tests use ships only as ES modules.
    "^.+/@marcbachmann/cel-js/.+\\.js$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!@marcbachmann/cel-js/)"],
  setupFilesAfterEnv: ["<rootDir>/test/setup.ts"],
  // Synth tests load the provider bindings; two workers fit this 2-core machine.
  maxWorkers: 2,
  // Jest's 5 s default fails tests that spawn CLIs whenever the machine is busy; a limit only stops a hang.
  testTimeout: 120_000,
};
