import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { loadFleetModel } from "../lib/model/region";
import { synthFleet } from "../stacks/fleet";
import { renderManifests } from "../tools/manifests";
import { UsageError } from "../tools/cli-args";
import { DEFAULT_CONFIG_DIR, tempDir, withPlainStackTraces } from "./helpers";

const documents = (text: string) => parseAllDocuments(text).map((document) => document.toJS());

describe("npm run manifests", () => {
  it("prints the region's objects as multi-document YAML with a source comment each", () => {
    const text = renderManifests(["--region", "us-east-1", "--config", DEFAULT_CONFIG_DIR]);
    const objects = documents(text);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) expect(object).toEqual(expect.objectContaining({ apiVersion: expect.any(String), kind: expect.any(String), metadata: expect.objectContaining({ name: expect.any(String) }) }));
    expect(text).toMatch(/^---\n# Source: gpu-operator \(gpu-operator@v26\.7\.0, namespace gpu-operator\)\n/m);
    const pluginConfig = objects.find((object) => object.kind === "ConfigMap" && object.metadata.name.startsWith("fastgpu-device-plugin-"));
    expect(Object.keys(pluginConfig.data)).toEqual(["exclusive", "time-slicing-x4"]);
    // The deploy gate's Jobs are shown too, marked as created by the deploy rather than by Helm.
    expect(text).toMatch(/^# Source: deploy gate \(created by `cdktf deploy` on every gate run, not by Helm\)\napiVersion: batch\/v1\nkind: Job\nmetadata:\n {2}name: gpu-validation-infer-l4-[0-9a-f]{8}\n/m);
  });

  it("prints with --values exactly the values each helm_release of the synth carries", () => {
    const outdir = path.join(tempDir(), "out");
    withPlainStackTraces(() => synthFleet(loadFleetModel(DEFAULT_CONFIG_DIR), outdir));
    const platform = JSON.parse(fs.readFileSync(path.join(outdir, "stacks/fastgpu-us-west-2-platform/cdk.tf.json"), "utf8"));
    // The deploy reads the ECR repository from the infra stack's state; manifests show it with ACCOUNT_ID.
    const repository = /\$\{nonsensitive\(data\.terraform_remote_state\.[^}]*repository_url\)\}/g;
    const deployed = Object.fromEntries(
      Object.values(platform.resource.helm_release as Record<string, { name: string; values: string[] }>).map((release) => [
        release.name,
        release.values[0].replace(repository, "ACCOUNT_ID.dkr.ecr.us-west-2.amazonaws.com/fastgpu/gpu-validate"),
      ]),
    );
    const text = renderManifests(["--region", "us-west-2", "--values", "--config", DEFAULT_CONFIG_DIR]);
    const printed = Object.fromEntries(
      text
        .split(/^---\n/m)
        .filter(Boolean)
        .map((chunk) => {
          const [header, ...rest] = chunk.split("\n");
          return [/^# Values of release (\S+) /.exec(header)![1], rest.join("\n")];
        }),
    );
    expect(printed).toEqual(deployed);
  });

  it("rejects a missing or unknown region and unknown flags as usage errors", () => {
    expect(() => renderManifests([])).toThrow(UsageError);
    expect(() => renderManifests(["--region", "eu-west-9", "--config", DEFAULT_CONFIG_DIR])).toThrow(/region "eu-west-9" is not in the config; active regions: us-east-1, us-west-2/);
    expect(() => renderManifests(["--region", "us-east-1", "--valuez"])).toThrow(/unknown flag --valuez/);
  });
});
