import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { EXIT } from "../lib/errors";
import { copyDefaultConfig, editYaml, REPO_ROOT, tempDir } from "./helpers";

/** Runs the cdktf app exactly as `cdktf synth` does (same loader, env-selected config and outdir). */
function runApp(configDir: string, outdir: string) {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "main.ts")], {
    cwd: REPO_ROOT,
    env: { ...process.env, FASTGPU_CONFIG: configDir, CDKTF_OUTDIR: outdir },
    encoding: "utf8",
  });
}

describe("the cdktf app (main.ts)", () => {
  it("writes every stack for a valid config", () => {
    const outdir = path.join(tempDir(), "cdktf.out");
    const result = runApp(copyDefaultConfig(), outdir);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(fs.existsSync(path.join(outdir, "stacks/fastgpu-us-west-2-platform/cdk.tf.json"))).toBe(true);
  });

  it("prints every problem as <file>: <path>: <message>, exits 4 (bad input) and writes nothing", () => {
    const dir = copyDefaultConfig();
    editYaml(path.join(dir, "regions/us-east-1.yaml"), (doc) => {
      doc.setIn(["gpuPools", 0, "minSize"], 7);
      doc.setIn(["gpuPools", 1, "sharing", "replicas"], 1);
    });
    const outdir = path.join(tempDir(), "cdktf.out");
    const result = runApp(dir, outdir);
    expect(result.status).toBe(EXIT.badInput);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^${dir}/regions/us-east-1\\.yaml: gpuPools\\[1\\]\\.sharing\\.replicas: time-slicing needs replicas >= 2`)),
      expect.stringMatching(new RegExp(`^${dir}/regions/us-east-1\\.yaml: gpuPools\\[0\\]\\.minSize: minSize 7 is above maxSize 4`)),
      "",
      "2 config problem(s); nothing was synthesized.",
    ]);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
