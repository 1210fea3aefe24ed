/** Stops the twin the global setup started; one named by FASTGPU_TWIN_KUBECONFIG is left running. */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export default function globalTeardown(): void {
  if (process.env.FASTGPU_TWIN_KUBECONFIG || process.env.FASTGPU_TWIN_KEEP === "1") return;
  const root = path.resolve(__dirname, "..", "..");
  spawnSync(process.execPath, ["--import", "tsx", "tools/twin.ts", "down"], { cwd: root, stdio: "inherit" });
}
