import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "./helpers";

/** Every carried upstream data file: what it was derived from, and when. */
function dataFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".json")) files.push(full);
    }
  };
  walk(path.join(REPO_ROOT, "schemas"));
  files.push(path.join(REPO_ROOT, "kernels-image/data/skus.json"));
  return files;
}

describe("carried data files", () => {
  it.each(dataFiles().map((file) => [path.relative(REPO_ROOT, file), file]))("%s names its source and date", (_name, file) => {
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    const source = data.source ?? data.sources;
    expect(source).toBeTruthy();
    const date = data.generatedAt ?? data.updated;
    expect(String(date)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
