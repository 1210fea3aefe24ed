/**
 * `npm run toolchain:cuda`: assembles the pinned CUDA toolkit (lib/versions.ts `CUDA_TOOLKIT`) from NVIDIA's
 * PyPI wheels into `toolCacheDir("cuda", ...)`, so kernels-image/ builds and runs its host tests on a machine
 * without a CUDA install (no GPU needed). Each wheel is fetched with `pip download` for its pinned platform
 * tag and checked against its pinned sha256; all of them unpack into the same `nvidia/cu13/` prefix, which
 * becomes the toolkit root with the layout CMake and nvcc expect (`lib64/`, unversioned `.so` links).
 *
 * The tree is assembled next to the cache folder and renamed into place after the assembled nvcc has compiled
 * and linked a test program, with a marker written last: an interrupted run leaves nothing half-made and a
 * rerun prints "cached". `--check` only reports whether the toolkit is there (exit 0) or not (exit 5, `EXIT.unavailable`). The last line printed is `CUDA_HOME=<path>`. Other exits as in lib/errors.ts: a step that
 * cannot finish (pip, the download, the test compile) is `EXIT.unavailable`.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXIT, runMain } from "../../lib/errors";
import { CUDA_TOOLKIT, type CudaWheelPin } from "../../lib/versions";
import { parseFlags } from "../cli-args";
import { toolCacheDir, ToolchainError } from "./cache";


export type CudaToolkitPins = { readonly cuda: string; readonly release: string; readonly wheels: Readonly<Record<string, CudaWheelPin>> };
type WheelName = keyof typeof CUDA_TOOLKIT.wheels;

/** Every wheel unpacks under this prefix; it becomes the toolkit root. */
export const WHEEL_PREFIX = "nvidia/cu13";
export const MARKER = ".fastgpu-toolkit.json";
/** The test compile targets the oldest architecture CUDA 13 supports, as the host tests do. */
const TEST_ARCH = "sm_75";

/** The cache folder's version: the release plus every pin, so any bump assembles a new tree. */
export function cudaCacheVersion(pins: CudaToolkitPins = CUDA_TOOLKIT): string {
  const parts = Object.entries(pins.wheels).map(([name, pin]) => `${name.replace(/^nvidia-(cuda-)?/, "")}${pin.version}`);
  return [pins.release, ...parts].join("_");
}

export function cudaToolkitDir(pins: CudaToolkitPins = CUDA_TOOLKIT): string {
  return toolCacheDir("cuda", cudaCacheVersion(pins));
}

export function pipRequirement(name: string, pin: CudaWheelPin): string {
  return `${name}==${pin.version}`;
}

/** Arguments to `python3` that download exactly one pinned wheel into `dest`. */
export function pipDownloadArgs(name: string, pin: CudaWheelPin, dest: string): string[] {
  return ["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--platform", pin.platform, "--dest", dest, pipRequirement(name, pin)];
}

/** What must exist in an assembled tree, with the wheel each path comes from (the first thing to blame). */
export const TOOLKIT_LAYOUT: ReadonlyArray<{ readonly path: string; readonly wheel: WheelName; readonly executable?: true }> = [
  { path: "bin/nvcc", wheel: "nvidia-cuda-nvcc", executable: true },
  { path: "bin/ptxas", wheel: "nvidia-cuda-nvcc", executable: true },
  { path: "bin/fatbinary", wheel: "nvidia-cuda-nvcc", executable: true },
  { path: "bin/nvlink", wheel: "nvidia-cuda-nvcc", executable: true },
  { path: "bin/cudafe++", wheel: "nvidia-cuda-nvcc", executable: true },
  { path: "bin/nvcc.profile", wheel: "nvidia-cuda-nvcc" },
  { path: "bin/crt/link.stub", wheel: "nvidia-cuda-nvcc" },
  { path: "nvvm/bin/cicc", wheel: "nvidia-nvvm", executable: true },
  { path: "nvvm/libdevice/libdevice.10.bc", wheel: "nvidia-nvvm" },
  { path: "include/crt/host_config.h", wheel: "nvidia-cuda-crt" },
  { path: "include/cccl/cuda/std/version", wheel: "nvidia-cuda-cccl" },
  { path: "include/cccl/cub/cub.cuh", wheel: "nvidia-cuda-cccl" },
  { path: "include/cccl/thrust/version.h", wheel: "nvidia-cuda-cccl" },
  { path: "include/cuda_runtime.h", wheel: "nvidia-cuda-runtime" },
  { path: "lib64/libcudart_static.a", wheel: "nvidia-cuda-runtime" },
  { path: "lib64/libcudadevrt.a", wheel: "nvidia-cuda-runtime" },
  { path: "lib64/libcudart.so", wheel: "nvidia-cuda-runtime" },
  { path: "include/cublas_v2.h", wheel: "nvidia-cublas" },
  { path: "lib64/libcublas.so", wheel: "nvidia-cublas" },
  { path: "lib64/libcublasLt.so", wheel: "nvidia-cublas" },
];

export interface LayoutProblem {
  readonly path: string;
  readonly wheel: WheelName;
  readonly problem: "missing" | "not executable";
}

/** The layout entries `root` lacks; `stat` is injectable so the check is testable without a toolkit. */
export function layoutProblems(root: string, stat: (file: string) => fs.Stats | undefined = (file) => fs.statSync(file, { throwIfNoEntry: false })): LayoutProblem[] {
  const problems: LayoutProblem[] = [];
  for (const entry of TOOLKIT_LAYOUT) {
    const info = stat(path.join(root, entry.path));
    if (!info) problems.push({ path: entry.path, wheel: entry.wheel, problem: "missing" });
    else if (entry.executable && (info.mode & 0o111) === 0) problems.push({ path: entry.path, wheel: entry.wheel, problem: "not executable" });
  }
  return problems;
}

/**
 * The links a linker needs where the wheels ship only versioned names: `libcublas.so -> libcublas.so.13` for
 * every `lib*.so.N` without its `lib*.so`.
 */
export function unversionedLinks(fileNames: readonly string[]): Array<{ link: string; target: string }> {
  const present = new Set(fileNames);
  const links = new Map<string, string>();
  for (const name of [...fileNames].sort()) {
    const match = /^(lib[^/]+\.so)\.\d+(?:\.\d+)*$/.exec(name);
    if (match && !present.has(match[1]) && !links.has(match[1])) links.set(match[1], name);
  }
  return [...links].map(([link, target]) => ({ link, target }));
}

/** nvcc finds cicc, headers and libraries through nvcc.profile: it must locate them relative to itself. */
export function nvccProfileProblem(profile: string): string | undefined {
  if (!/^\s*TOP\s*=\s*\$\(_HERE_\)\/\.\.\s*$/m.test(profile)) return "does not set TOP = $(_HERE_)/..";
  const absolute = /(?<!\))(\/(?:usr|opt)\/[^\s"]*)/.exec(profile);
  return absolute ? `names the absolute path ${absolute[1]}` : undefined;
}

function markerText(pins: CudaToolkitPins): string {
  return `${JSON.stringify({ cuda: pins.cuda, release: pins.release, wheels: pins.wheels }, null, 2)}\n`;
}

/** True when `root` holds a finished assembly of exactly these pins. */
export function isAssembled(root: string, pins: CudaToolkitPins = CUDA_TOOLKIT): boolean {
  try {
    return fs.readFileSync(path.join(root, MARKER), "utf8") === markerText(pins) && layoutProblems(root).length === 0;
  } catch {
    return false;
  }
}

function lastLine(text: string | null | undefined): string {
  const lines = (text ?? "").split("\n").map((line) => line.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? "(no output)";
}

function run(command: string, args: readonly string[], log: string, cwd?: string): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  fs.appendFileSync(log, `$ ${command} ${args.join(" ")}\n${result.stdout ?? ""}${result.stderr ?? ""}\n`);
  return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "", error: result.error };
}

// Python's zipfile drops permission bits; restore them so nvcc, ptxas and cicc stay executable.
const UNZIP_PY = [
  "import os, sys, zipfile",
  "with zipfile.ZipFile(sys.argv[1]) as z:",
  "    for info in z.infolist():",
  "        out = z.extract(info, sys.argv[2])",
  "        mode = (info.external_attr >> 16) & 0o777",
  "        if mode and not info.is_dir(): os.chmod(out, mode)",
].join("\n");

function sha256Of(file: string): string {
  const hash = createHash("sha256");
  const fd = fs.openSync(file, "r");
  try {
    const buffer = Buffer.alloc(4 * 1024 * 1024);
    let read = 0;
    while ((read = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0) hash.update(buffer.subarray(0, read));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

function fetchWheel(name: string, pin: CudaWheelPin, downloads: string, log: string): string {
  const requirement = pipRequirement(name, pin);
  const dest = path.join(downloads, name);
  fs.mkdirSync(dest, { recursive: true });
  const pip = run("python3", pipDownloadArgs(name, pin, dest), log);
  if (pip.error) {
    const missing = (pip.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new ToolchainError(missing ? "`python3` is not on PATH: the CUDA wheels are fetched with pip; install Python 3 with pip" : `python3: ${pip.error.message}`);
  }
  if (pip.status !== 0) {
    throw new ToolchainError(`${requirement}: pip download failed (exit ${pip.status}): ${lastLine(pip.stderr || pip.stdout)}; check access to PyPI (PIP_INDEX_URL) and that the pin in lib/versions.ts CUDA_TOOLKIT has a ${pin.platform} wheel; full output in ${log}`);
  }
  const wheels = fs.readdirSync(dest).filter((file) => file.endsWith(".whl"));
  if (wheels.length !== 1) throw new ToolchainError(`${requirement}: pip download left ${wheels.length} wheel files in ${dest}, expected one; full output in ${log}`);
  const file = path.join(dest, wheels[0]);
  const actual = sha256Of(file);
  if (actual !== pin.sha256) {
    throw new ToolchainError(`${requirement}: ${wheels[0]} has sha256 ${actual}, lib/versions.ts pins ${pin.sha256}; the index served another file: check PIP_INDEX_URL / PIP_FIND_LINKS, or re-read the pin from PyPI`);
  }
  return file;
}

const TEST_PROGRAM = `// Written by tools/toolchain/cuda.ts to check the assembled toolkit.
#include <cstdio>
#include <cublas_v2.h>
#include <cuda/std/cstdint>
#include <cuda_runtime.h>

__device__ cuda::std::int32_t scale = 3;
__global__ void fill(int* out) { out[threadIdx.x] = static_cast<int>(threadIdx.x) * scale; }

int main(int argc, char**) {
  int devices = 0;
  cudaError_t status = cudaGetDeviceCount(&devices);
  std::printf("cudart %d: %s\\n", CUDART_VERSION, cudaGetErrorString(status));
  if (argc > 1) {  // never taken: the point is that cuBLAS links
    cublasHandle_t handle;
    cublasCreate(&handle);
    fill<<<1, 32>>>(nullptr);
  }
  return 0;
}
`;

/** Compiles and links a test program with the assembled nvcc (static and shared cudart, cuBLAS). */
function verifyCompile(root: string, work: string, log: string): void {
  const dir = path.join(work, "verify");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "check.cu"), TEST_PROGRAM);
  const nvcc = path.join(root, "bin", "nvcc");
  // -rdc=true makes nvcc run nvlink and link libcudadevrt too.
  const steps: Array<{ what: string; args: string[] }> = [
    { what: "compile", args: [`-arch=${TEST_ARCH}`, "-rdc=true", "-c", "check.cu", "-o", "check.o"] },
    { what: "link (static cudart)", args: [`-arch=${TEST_ARCH}`, "-rdc=true", "check.o", "-o", "check-static", "-lcublas"] },
    { what: "link (shared cudart)", args: [`-arch=${TEST_ARCH}`, "-rdc=true", "-cudart", "shared", "check.o", "-o", "check-shared", "-lcublas"] },
  ];
  for (const step of steps) {
    const result = run(nvcc, step.args, log, dir);
    if (result.error || result.status !== 0) {
      const why = result.error ? result.error.message : lastLine(result.stderr || result.stdout);
      throw new ToolchainError(`the assembled nvcc failed to ${step.what} a test program: ${why}; it needs a host g++ on PATH that CUDA ${CUDA_TOOLKIT.cuda} supports; full output in ${log}`);
    }
  }
}

/** Turns the unpacked wheels' `nvidia/cu13/` into a toolkit tree in place. */
function shapeTree(root: string): void {
  const lib = path.join(root, "lib");
  const lib64 = path.join(root, "lib64");
  if (!fs.existsSync(lib)) throw new ToolchainError(`no ${WHEEL_PREFIX}/lib in the unpacked wheels: nvidia-cuda-runtime or nvidia-cublas changed its layout; re-check the pins in lib/versions.ts`);
  // CMake's FindCUDAToolkit and nvcc.profile (-L$(TOP)/lib64) look in lib64; keep lib for nvcc.profile's LD_LIBRARY_PATH.
  fs.renameSync(lib, lib64);
  fs.symlinkSync("lib64", lib);
  for (const { link, target } of unversionedLinks(fs.readdirSync(lib64))) fs.symlinkSync(target, path.join(lib64, link));
  for (const dir of ["bin", "nvvm/bin"]) {
    const full = path.join(root, dir);
    if (!fs.existsSync(full)) continue;
    for (const file of fs.readdirSync(full)) {
      const target = path.join(full, file);
      const info = fs.statSync(target);
      // The wheels ship 0744; make the tools usable by everyone who shares the cache.
      if (info.isFile() && info.mode & 0o100) fs.chmodSync(target, 0o755);
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Staging folders of `base` left by runs that were killed (their process is gone): safe to delete. */
export function staleStagingDirs(entries: readonly string[], base: string, alive: (pid: number) => boolean = pidAlive): string[] {
  return entries.filter((entry) => {
    if (!entry.startsWith(`${base}.staging-`)) return false;
    const pid = Number(entry.slice(base.length + ".staging-".length));
    return Number.isInteger(pid) && pid > 0 && !alive(pid);
  });
}

export interface CudaResult {
  readonly root: string;
  readonly cached: boolean;
  readonly seconds?: { readonly total: number; readonly download: number; readonly verify: number };
}

export function ensureCudaToolkit(log: (line: string) => void = () => {}, pins: CudaToolkitPins = CUDA_TOOLKIT): CudaResult {
  const root = cudaToolkitDir(pins);
  if (isAssembled(root, pins)) return { root, cached: true };

  const parent = path.dirname(root);
  fs.mkdirSync(parent, { recursive: true });
  const work = path.join(parent, `${path.basename(root)}.staging-${process.pid}`);
  for (const stale of staleStagingDirs(fs.readdirSync(parent), path.basename(root))) fs.rmSync(path.join(parent, stale), { recursive: true, force: true });
  // Downloads live in the staging folder too, so a killed run's leftovers go with it.
  const downloads = path.join(work, "downloads");
  const logFile = path.join(os.tmpdir(), `fastgpu-cuda-${pins.release}-${process.pid}.log`);
  fs.writeFileSync(logFile, "");
  const clock = () => Number(process.hrtime.bigint()) / 1e9;
  const started = clock();
  let download = 0;
  let verify = 0;
  log(`assembling CUDA ${pins.release} from ${Object.keys(pins.wheels).length} PyPI wheels into ${root} (a cold run downloads about 530 MB)`);
  try {
    fs.rmSync(work, { recursive: true, force: true });
    fs.mkdirSync(downloads, { recursive: true });
    const unpacked = path.join(work, "unpacked");
    fs.mkdirSync(unpacked, { recursive: true });
    for (const [name, pin] of Object.entries(pins.wheels)) {
      const t0 = clock();
      const wheel = fetchWheel(name, pin, downloads, logFile);
      download += clock() - t0;
      log(`  ${pipRequirement(name, pin)}: ${path.basename(wheel)}`);
      const unzip = run("python3", ["-c", UNZIP_PY, wheel, unpacked], logFile);
      if (unzip.status !== 0) throw new ToolchainError(`${pipRequirement(name, pin)}: unpacking ${path.basename(wheel)} failed: ${lastLine(unzip.stderr)}; check free space in ${parent} (the toolkit takes about 850 MB, twice that while assembling) and rerun`);
      fs.rmSync(wheel, { force: true });
    }
    const tree = path.join(unpacked, ...WHEEL_PREFIX.split("/"));
    if (!fs.existsSync(tree)) throw new ToolchainError(`the wheels did not unpack into ${WHEEL_PREFIX}/: the wheel layout changed; re-check the pins in lib/versions.ts`);
    shapeTree(tree);
    // Keep each wheel's METADATA, RECORD and licence with the tree.
    const distInfo = path.join(tree, "dist-info");
    fs.mkdirSync(distInfo);
    for (const entry of fs.readdirSync(unpacked)) if (entry.endsWith(".dist-info")) fs.renameSync(path.join(unpacked, entry), path.join(distInfo, entry));

    const profileProblem = nvccProfileProblem(fs.readFileSync(path.join(tree, "bin", "nvcc.profile"), "utf8"));
    if (profileProblem) throw new ToolchainError(`nvidia-cuda-nvcc==${pins.wheels["nvidia-cuda-nvcc"]?.version}: its bin/nvcc.profile ${profileProblem}, so nvcc would not find its own tree; re-check the pin`);
    const problems = layoutProblems(tree);
    if (problems.length > 0) {
      const first = problems[0];
      const pin = pins.wheels[first.wheel];
      const more = problems.length > 1 ? ` (and ${problems.length - 1} more: ${problems.slice(1).map((p) => p.path).join(", ")})` : "";
      throw new ToolchainError(`${first.wheel}==${pin?.version}: the assembled tree has ${first.path} ${first.problem}${more}; the wheel's layout changed: re-check the pin in lib/versions.ts`);
    }

    const t1 = clock();
    verifyCompile(tree, work, logFile);
    verify = clock() - t1;

    fs.writeFileSync(path.join(tree, MARKER), markerText(pins));
    // A concurrent run that finished first made an equally good tree; anything else at `root` is a broken
    // earlier assembly: move it aside, then rename ours into place.
    if (!isAssembled(root, pins)) {
      if (fs.existsSync(root)) fs.renameSync(root, path.join(work, "stale"));
      try {
        fs.renameSync(tree, root);
      } catch (error) {
        if (!isAssembled(root, pins)) throw error;
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  fs.rmSync(logFile, { force: true });
  return { root, cached: false, seconds: { total: clock() - started, download, verify } };
}

/** `--check`'s answer "not assembled": the toolkit is unavailable until `npm run toolchain:cuda` runs. */
const NOT_ASSEMBLED = EXIT.unavailable;

function main(argv: readonly string[]): number {
  const flags = parseFlags(argv, { check: { takesValue: false } }, "node --import tsx tools/toolchain/cuda.ts [--check]");
  if (flags.check) {
    const root = cudaToolkitDir();
    if (!isAssembled(root)) {
      console.log(`CUDA ${CUDA_TOOLKIT.release}: not assembled in ${root}; run \`npm run toolchain:cuda\``);
      return NOT_ASSEMBLED;
    }
    console.log(`CUDA_HOME=${root}`);
    return EXIT.success;
  }
  const result = ensureCudaToolkit((line) => console.log(line));
  if (result.cached) console.log(`CUDA ${CUDA_TOOLKIT.release}: cached`);
  else {
    const s = result.seconds!;
    console.log(`CUDA ${CUDA_TOOLKIT.release}: assembled in ${s.total.toFixed(0)} s (download ${s.download.toFixed(0)} s, test compile ${s.verify.toFixed(0)} s)`);
  }
  console.log(`CUDA_HOME=${result.root}`);
  return EXIT.success;
}

if (require.main === module) runMain(() => main(process.argv.slice(2)), { prefix: "toolchain:cuda: " });
