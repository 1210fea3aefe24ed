import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CUDA_TOOLKIT } from "../lib/versions";
import { toolCacheDir } from "../tools/toolchain/cache";
import {
  MARKER,
  TOOLKIT_LAYOUT,
  cudaCacheVersion,
  isAssembled,
  layoutProblems,
  nvccProfileProblem,
  pipDownloadArgs,
  staleStagingDirs,
  unversionedLinks,
} from "../tools/toolchain/cuda";

const WHEELS = ["nvidia-cuda-nvcc", "nvidia-cuda-crt", "nvidia-cuda-cccl", "nvidia-cuda-runtime", "nvidia-nvvm", "nvidia-cublas"];

describe("CUDA_TOOLKIT pins", () => {
  it("pins every wheel the toolkit needs to one exact file", () => {
    expect(Object.keys(CUDA_TOOLKIT.wheels).sort()).toEqual([...WHEELS].sort());
    for (const [name, pin] of Object.entries(CUDA_TOOLKIT.wheels)) {
      expect({ name, version: /^\d+(\.\d+){2,3}$/.test(pin.version) }).toEqual({ name, version: true });
      expect({ name, sha256: /^[0-9a-f]{64}$/.test(pin.sha256) }).toEqual({ name, sha256: true });
      expect({ name, platform: /^manylinux_\d+_\d+_x86_64$/.test(pin.platform) }).toEqual({ name, platform: true });
    }
  });

  it("keeps the compiler, headers and runtime on the CUDA release; cuBLAS on major 13", () => {
    expect(CUDA_TOOLKIT.cuda).toBe("13.0");
    expect(CUDA_TOOLKIT.release.startsWith(`${CUDA_TOOLKIT.cuda}.`)).toBe(true);
    for (const name of ["nvidia-cuda-nvcc", "nvidia-cuda-crt", "nvidia-cuda-cccl", "nvidia-cuda-runtime", "nvidia-nvvm"] as const) {
      expect(`${name} ${CUDA_TOOLKIT.wheels[name].version}`).toMatch(new RegExp(`^${name} 13\\.0\\.\\d+$`));
    }
    // The nvcc driver, its C runtime headers and NVVM ship as one compiler release.
    expect(CUDA_TOOLKIT.wheels["nvidia-cuda-crt"].version).toBe(CUDA_TOOLKIT.wheels["nvidia-cuda-nvcc"].version);
    expect(CUDA_TOOLKIT.wheels["nvidia-nvvm"].version).toBe(CUDA_TOOLKIT.wheels["nvidia-cuda-nvcc"].version);
    expect(CUDA_TOOLKIT.wheels["nvidia-cublas"].version).toMatch(/^13\.[01]\.\d+\.\d+$/);
  });

  it("is the CUDA release the gpu-validate image builds with", () => {
    const dockerfile = fs.readFileSync(path.join(__dirname, "..", "kernels-image", "Dockerfile"), "utf8");
    expect(/^ARG CUDA_VERSION=(\S+)$/m.exec(dockerfile)?.[1]).toBe(CUDA_TOOLKIT.release);
  });
});

describe("pip download arguments", () => {
  it("downloads exactly the pinned wheel for its platform, without dependencies or sdists", () => {
    const pin = { version: "13.0.88", platform: "manylinux_2_17_x86_64", sha256: "0".repeat(64) };
    expect(pipDownloadArgs("nvidia-cuda-nvcc", pin, "/tmp/d")).toEqual([
      "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--platform", "manylinux_2_17_x86_64", "--dest", "/tmp/d", "nvidia-cuda-nvcc==13.0.88",
    ]);
  });

  it("uses each wheel's own platform tag (pip does not fall back to older manylinux tags)", () => {
    const args = pipDownloadArgs("nvidia-nvvm", CUDA_TOOLKIT.wheels["nvidia-nvvm"], "/d");
    expect(args[args.indexOf("--platform") + 1]).toBe(CUDA_TOOLKIT.wheels["nvidia-nvvm"].platform);
    expect(args[args.length - 1]).toBe(`nvidia-nvvm==${CUDA_TOOLKIT.wheels["nvidia-nvvm"].version}`);
  });
});

describe("cache folder version", () => {
  it("names the release and every pin, and is a valid cache folder name", () => {
    const version = cudaCacheVersion();
    expect(version.startsWith(`${CUDA_TOOLKIT.release}_`)).toBe(true);
    for (const pin of Object.values(CUDA_TOOLKIT.wheels)) expect(version).toContain(pin.version);
    expect(() => toolCacheDir("cuda", version)).not.toThrow();
  });

  it("changes when any one pin changes", () => {
    const bumped = { ...CUDA_TOOLKIT, wheels: { ...CUDA_TOOLKIT.wheels, "nvidia-cublas": { ...CUDA_TOOLKIT.wheels["nvidia-cublas"], version: "13.1.0.4" } } };
    expect(cudaCacheVersion(bumped)).not.toBe(cudaCacheVersion());
  });
});

describe("unversioned library links", () => {
  it("links lib*.so to the versioned file where only that ships", () => {
    const files = ["libcudart.so.13", "libcudart_static.a", "libcublas.so.13", "libcublasLt.so.13", "libnvvm.so.4", "libfoo.so", "libfoo.so.1", "cmake"];
    expect(unversionedLinks(files)).toEqual([
      { link: "libcublas.so", target: "libcublas.so.13" },
      { link: "libcublasLt.so", target: "libcublasLt.so.13" },
      { link: "libcudart.so", target: "libcudart.so.13" },
      { link: "libnvvm.so", target: "libnvvm.so.4" },
    ]);
  });
});

describe("toolkit layout check", () => {
  const root = "/toolkit";
  const statOf = (modes: Record<string, number>) => (file: string) => {
    const mode = modes[path.relative(root, file)];
    return mode === undefined ? undefined : ({ mode } as fs.Stats);
  };
  const complete = Object.fromEntries(TOOLKIT_LAYOUT.map((entry) => [entry.path, entry.executable ? 0o100755 : 0o100644]));

  it("needs nvcc's tools, cicc and libdevice, the crt/cccl/runtime/cuBLAS headers and the cudart/cuBLAS libraries", () => {
    const paths = TOOLKIT_LAYOUT.map((entry) => entry.path);
    for (const needed of ["bin/nvcc", "bin/ptxas", "bin/fatbinary", "bin/nvlink", "bin/cudafe++", "bin/nvcc.profile", "nvvm/bin/cicc", "nvvm/libdevice/libdevice.10.bc", "include/crt/host_config.h", "include/cuda_runtime.h", "lib64/libcudart_static.a", "lib64/libcudart.so", "lib64/libcublas.so"]) {
      expect(paths).toContain(needed);
    }
    expect(layoutProblems(root, statOf(complete))).toEqual([]);
  });

  it("names the wheel a missing or non-executable file comes from", () => {
    const { ["bin/ptxas"]: _ptxas, ...withoutPtxas } = complete;
    expect(layoutProblems(root, statOf({ ...withoutPtxas, "nvvm/bin/cicc": 0o100644 }))).toEqual([
      { path: "bin/ptxas", wheel: "nvidia-cuda-nvcc", problem: "missing" },
      { path: "nvvm/bin/cicc", wheel: "nvidia-nvvm", problem: "not executable" },
    ]);
  });

  it("accepts an nvcc.profile that finds its tree relative to nvcc, rejects absolute paths", () => {
    const relative = ["", "TOP              = $(_HERE_)/..", "", "CICC_PATH        = $(TOP)/nvvm/bin", 'INCLUDES        +=  "-I$(TOP)/$(_TARGET_DIR_)/include" $(_SPACE_)', ""].join("\n");
    expect(nvccProfileProblem(relative)).toBeUndefined();
    expect(nvccProfileProblem(relative.replace("$(_HERE_)/..", "/usr/local/cuda"))).toBe("does not set TOP = $(_HERE_)/..");
    expect(nvccProfileProblem(`${relative}LIBRARIES =+ "-L/usr/local/cuda/lib64"\n`)).toBe("names the absolute path /usr/local/cuda/lib64");
  });
});

describe("stale staging folders", () => {
  it("are those of this toolkit whose process is gone", () => {
    const base = "cuda-13.0.2_x";
    const entries = [base, `${base}.staging-100`, `${base}.staging-200`, `${base}.staging-abc`, "cuda-13.0.1_y.staging-100", "opentofu-1.12.6"];
    expect(staleStagingDirs(entries, base, (pid) => pid === 200)).toEqual([`${base}.staging-100`]);
  });
});

describe("isAssembled", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "fastgpu-cuda-layout-"));
    for (const entry of TOOLKIT_LAYOUT) {
      fs.mkdirSync(path.dirname(path.join(dir, entry.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, entry.path), "", { mode: entry.executable ? 0o755 : 0o644 });
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const marker = (pins: object) => `${JSON.stringify(pins, null, 2)}\n`;

  it("is true only with the marker of exactly these pins", () => {
    expect(isAssembled(dir)).toBe(false);
    fs.writeFileSync(path.join(dir, MARKER), marker({ ...CUDA_TOOLKIT, release: "13.0.1" }));
    expect(isAssembled(dir)).toBe(false);
    fs.writeFileSync(path.join(dir, MARKER), marker({ cuda: CUDA_TOOLKIT.cuda, release: CUDA_TOOLKIT.release, wheels: CUDA_TOOLKIT.wheels }));
    expect(isAssembled(dir)).toBe(true);
  });

  it("is false when a file of the layout went missing", () => {
    fs.writeFileSync(path.join(dir, MARKER), marker({ cuda: CUDA_TOOLKIT.cuda, release: CUDA_TOOLKIT.release, wheels: CUDA_TOOLKIT.wheels }));
    fs.rmSync(path.join(dir, "lib64", "libcudart_static.a"));
    expect(isAssembled(dir)).toBe(false);
  });
});
