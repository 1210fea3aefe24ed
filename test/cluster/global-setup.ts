/**
 * Starts the cluster twin for the scenarios, the way a user would (`npm run twin -- up`), unless
 * FASTGPU_TWIN_KUBECONFIG points at one already running. Its output goes to the console so a slow or failed
 * start explains itself.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export default function globalSetup(): void {
  if (process.env.FASTGPU_TWIN_KUBECONFIG) return;
  const root = path.resolve(__dirname, "..", "..");
  const args = ["--import", "tsx", "tools/twin.ts", "up"];
  if (process.env.FASTGPU_TWIN_REGION) args.push("--region", process.env.FASTGPU_TWIN_REGION);
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  process.stdout.write(result.stdout ?? "");
  if (result.status !== 0) throw new Error(`npm run twin -- up failed (exit ${result.status}); see its output above`);
}
