/** Examples the docs show, read from the docs themselves so a test of them tests what a reader copies. */
import * as fs from "node:fs";
import * as path from "node:path";

/** The Job in docs/tenancy.md after the `sample-job` marker, as text. */
export function sampleJobText(): string {
  const text = fs.readFileSync(path.resolve(__dirname, "..", "docs", "tenancy.md"), "utf8");
  const match = /<!-- sample-job[^>]*-->\n```yaml\n([\s\S]*?)```/.exec(text);
  if (!match) throw new Error("docs/tenancy.md has no sample-job block");
  return match[1];
}
