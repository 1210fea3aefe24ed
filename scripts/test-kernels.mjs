#!/usr/bin/env node
// Runs the CUDA validation suite's host-side tests (kernels-image/) through cmake + ctest when this machine
// has cmake and nvcc; otherwise says clearly that they were skipped. Part of `npm test`.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const script = "kernels-image/scripts/host-tests.sh";
if (!existsSync(script)) {
  console.log(`kernels-image: SKIPPED: ${script} not found`);
  process.exit(0);
}
const result = spawnSync("bash", [script, process.env.KERNELS_BUILD_DIR ?? "build/kernels-test"], { stdio: "inherit" });
process.exit(result.status ?? 1);
