#!/usr/bin/env node
// Runs the CUDA validation suite's host-side tests (kernels-image/) through cmake + ctest. Part of `npm test`.
// The CUDA toolkit, in this order: CUDA_HOME / CUDACXX if set, nvcc on PATH, else the toolkit that
// `npm run toolchain:cuda` assembles from pinned PyPI wheels (assembled here under CI, used when already there).
// Under CI=true a missing or broken toolkit fails; elsewhere its absence is reported as SKIPPED.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";

const HINT = "install one with `npm run toolchain:cuda` (CUDA 13.0 from pinned PyPI wheels), or set CUDA_HOME";
const ci = /^(1|true|yes)$/i.test(process.env.CI ?? "");
const script = "kernels-image/scripts/host-tests.sh";

function fail(message) {
  console.error(`kernels-image: FAILED: ${message}`);
  process.exit(1);
}

function skip(message, hint = HINT) {
  if (ci) fail(`${message} (CI=true needs the host tests); ${hint}`);
  console.log(`kernels-image: SKIPPED: ${message}; ${hint}`);
  process.exit(0);
}

function onPath(command) {
  return spawnSync("bash", ["-c", `command -v ${command}`], { encoding: "utf8" }).status === 0;
}

/** CUDA_HOME of the assembled wheel toolkit, or undefined when it is not there (`cuda.ts --check`). */
function wheelToolkit() {
  const check = spawnSync(process.execPath, ["--import", "tsx", "tools/toolchain/cuda.ts", "--check"], { encoding: "utf8" });
  // 5 is EXIT.unavailable (lib/errors.ts): not assembled yet.
  if (check.status !== 0 && check.status !== 5) fail(`tools/toolchain/cuda.ts --check failed (exit ${check.status}): ${check.stderr.trim()}`);
  const last = check.stdout.trim().split("\n").pop() ?? "";
  return check.status === 0 && last.startsWith("CUDA_HOME=") ? last.slice("CUDA_HOME=".length) : undefined;
}

/** The environment host-tests.sh gets: CUDA_HOME and CUDACXX when a toolkit was chosen here. */
function toolkitEnv() {
  const { CUDA_HOME: home, CUDACXX: cxx } = process.env;
  if (home || cxx) {
    const compiler = cxx || path.join(home, "bin", "nvcc");
    if (!existsSync(compiler)) fail(`${cxx ? "CUDACXX" : "CUDA_HOME"} is set but ${compiler} does not exist: point it at a CUDA 13 toolkit or unset it (\`npm run toolchain:cuda\` assembles one)`);
    console.log(`kernels-image: CUDA from ${cxx ? `CUDACXX=${cxx}` : `CUDA_HOME=${home}`}`);
    return {};
  }
  if (onPath("nvcc")) {
    console.log("kernels-image: CUDA from nvcc on PATH");
    return {};
  }
  let wheelHome = wheelToolkit();
  if (!wheelHome) {
    if (!ci) skip("no nvcc (CUDA_HOME unset, nvcc not on PATH, no assembled wheel toolkit)");
    // Under CI assemble it: minutes when cold, progress shown as it goes.
    const build = spawnSync(process.execPath, ["--import", "tsx", "tools/toolchain/cuda.ts"], { stdio: "inherit" });
    wheelHome = build.status === 0 ? wheelToolkit() : undefined;
    if (!wheelHome) fail("assembling the CUDA toolkit from PyPI wheels failed (see above); fix that, then rerun `npm run toolchain:cuda`");
  }
  console.log(`kernels-image: CUDA from the wheel toolkit, CUDA_HOME=${wheelHome}`);
  return { CUDA_HOME: wheelHome, CUDACXX: path.join(wheelHome, "bin", "nvcc") };
}

if (!existsSync(script)) {
  if (ci) fail(`${script} not found`);
  console.log(`kernels-image: SKIPPED: ${script} not found`);
  process.exit(0);
}
/**
 * How host-tests.sh's cmake and ctest run, set through the environment variables they read; any the caller set
 * wins. CMAKE_GENERATOR and CMAKE_BUILD_TYPE apply when a build dir is first configured: an existing one keeps
 * what it was configured with (delete it to switch). Cold on this project's 2-core machine the host tests built
 * in 80 s with Ninja and Debug, 108 s with make and Debug, and over 4 minutes with make and Release, as before:
 * Release spends 40% more CPU time optimising code the tests run for milliseconds, and make, building target by
 * target, leaves a core idle for a quarter of the build. The image build (kernels-image/Dockerfile) runs the same
 * tests in Release. ctest runs the tests side by side: they mostly start processes (cli.binary,
 * scripts.join_gate), and one after the other they took 12 s instead of 6.
 */
function buildEnv() {
  const env = {};
  if (!process.env.CMAKE_GENERATOR && onPath("ninja")) env.CMAKE_GENERATOR = "Ninja";
  if (!process.env.CMAKE_BUILD_TYPE) env.CMAKE_BUILD_TYPE = "Debug";
  if (!process.env.CTEST_PARALLEL_LEVEL) env.CTEST_PARALLEL_LEVEL = String(2 * availableParallelism());
  return env;
}

if (!onPath("cmake")) skip("cmake not found", "install cmake >= 3.24 (apt-get install cmake, or python3 -m pip install cmake)");
const env = { ...process.env, ...toolkitEnv(), ...buildEnv() };
const result = spawnSync("bash", [script, process.env.KERNELS_BUILD_DIR ?? "build/kernels-test"], { stdio: "inherit", env });
if (result.status !== 0) fail(`${script} exited ${result.status ?? result.signal}`);
