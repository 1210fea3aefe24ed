import { fleetVersionBumps } from "../lib/preview/versions";
import type { TerraformJson } from "../lib/preview/synth-output";

const stack = (aws: string, eks?: string): TerraformJson => ({
  terraform: { required_providers: { aws: { version: aws } } },
  resource: eks ? { aws_eks_cluster: { c: { version: eks } } } : {},
});

describe("fleet version bumps", () => {
  const stacks = [
    { name: "fastgpu-us-east-1-infra", region: "us-east-1" },
    { name: "fastgpu-us-west-2-infra", region: "us-west-2" },
  ];

  it("does not call a provider removed when one region leaves and others still use it", () => {
    const base = new Map([["fastgpu-us-east-1-infra", stack("6.25.0", "1.35")], ["fastgpu-us-west-2-infra", stack("6.25.0", "1.35")]]);
    const head = new Map([["fastgpu-us-east-1-infra", stack("6.25.0", "1.35")]]);
    expect(fleetVersionBumps(stacks, (name) => base.get(name), (name) => head.get(name))).toEqual([{ component: "us-west-2: EKS Kubernetes", before: "1.35", after: undefined }]);
  });

  it("lists each provider bump once, and every version in use while stacks differ", () => {
    const base = new Map([["fastgpu-us-east-1-infra", stack("6.25.0")], ["fastgpu-us-west-2-infra", stack("6.25.0")]]);
    const head = new Map([["fastgpu-us-east-1-infra", stack("6.26.0")], ["fastgpu-us-west-2-infra", stack("6.25.0")]]);
    expect(fleetVersionBumps(stacks, (name) => base.get(name), (name) => head.get(name))).toEqual([{ component: "provider aws", before: "6.25.0", after: "6.25.0, 6.26.0" }]);
  });
});
