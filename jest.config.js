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
  // cdktf's Testing matchers (test/setup.ts) are imported by the test files that use them (synth.test.ts), not
  // set up for every file: loading cdktf costs each file about 0.3 s, and most never touch it.
  // One worker per core of a 2-core machine: the suite is CPU-bound, and the Node processes that several files
  // spawn (tsx entry points, the schema validator) need cores of their own.
  maxWorkers: 2,
  // Jest's 5 s default fails tests that spawn CLIs whenever the machine is busy; a limit only stops a hang.
  testTimeout: 120_000,
};
