/** `npm run twin` as a user runs it, against the twin the suite started. */
import { spawnSync } from "node:child_process";
import { EXIT } from "../../lib/errors";
import { LEFT_OUT } from "../../tools/twin/cluster";
import { defaultConfig, REPO_ROOT } from "./twin-client";

const { config, region } = defaultConfig();

function twin(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "tools/twin.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
}

// With FASTGPU_TWIN_KUBECONFIG the suite runs against someone else's twin, which these must not touch.
const ownTwin = process.env.FASTGPU_TWIN_KUBECONFIG ? it.skip : it;

describe("npm run twin", () => {
  ownTwin("status says what runs, ends with the kubeconfig, and lists what the twin leaves out", () => {
    const status = twin("status");
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(`twin of ${region.region}`);
    for (const name of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "kueue"]) {
      expect(status.stdout).toMatch(new RegExp(`${name}\\s+pid \\d+\\s+running`));
    }
    for (const item of LEFT_OUT) expect(status.stdout).toContain(item.part);
    expect(status.stdout.trim().split("\n").pop()).toMatch(/^KUBECONFIG=\/.+\/kubeconfig$/);
  });

  ownTwin("refuses a second region while one runs, and leaves the running twin alone", () => {
    const other = config.regions.find((candidate) => candidate.region !== region.region);
    if (!other) return;
    const result = twin("up", "--region", other.region);
    expect(result.status).toBe(EXIT.unavailable);
    expect(result.stderr).toContain(`a twin of ${region.region} is running`);
    expect(twin("status").status).toBe(0);
  });

  it("refuses bad flags with a usage error naming the fix", () => {
    const badNodes = twin("up", "--nodes", "no-such-pool=1");
    expect(badNodes.status).not.toBe(0);
    expect(badNodes.stderr).toMatch(/no pool "no-such-pool"|--nodes/);
    const badCount = twin("up", "--nodes", "train-h100");
    expect(badCount.status).toBe(3);
    expect(badCount.stderr).toContain("expected <pool>=<count>");
    const unknown = twin("launch");
    expect(unknown.status).toBe(3);
    expect(unknown.stderr).toContain("usage: npm run twin --");
  });
});
