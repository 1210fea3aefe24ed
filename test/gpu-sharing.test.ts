import { parse } from "yaml";
import { GPUS } from "../lib/catalog/gpus";
import type { SharingConfig } from "../lib/config/schema";
import { gpuOperatorValues } from "../lib/helm/gpu-operator";
import { DEVICE_PLUGIN_CONFIG_LABEL } from "../lib/naming";
import { devicePluginConfigData, devicePluginConfigMapName } from "../lib/model/sharing/device-plugin";
import { migCreateTuples, migLayoutScript, migLayoutUnit, migUserData } from "../lib/model/sharing/mig-user-data";
import { poolNodeLabels } from "../lib/model/node-template";
import { GPU_TAINT, VALIDATION_TAINT } from "../lib/naming";
import { poolModel } from "./helpers";

const pool = (sharing: SharingConfig, instanceType = "p5.48xlarge") =>
  poolModel({ name: "p", instanceType, capacityType: "on-demand", minSize: 0, maxSize: 1, rootVolumeGiB: 500, labels: {}, sharing });
/** The sharing mode of a pool of `instanceType` (H100s by default). */
const mode = (sharing: SharingConfig, instanceType?: string) => pool(sharing, instanceType).sharing;
const exclusive = mode({ mode: "exclusive" });
const sliced4 = mode({ mode: "time-slicing", replicas: 4 });
const sliced8 = mode({ mode: "time-slicing", replicas: 8 });

describe("device plugin configs", () => {
  it("exclusive and MIG pools share the plain config; time-slicing gets replicas of nvidia.com/gpu", () => {
    expect(exclusive.devicePluginConfigKey).toBe("exclusive");
    expect(mode({ mode: "mig", layout: { "1g.10gb": 7 } }).devicePluginConfigKey).toBe("exclusive");
    expect(sliced4.devicePluginConfigKey).toBe("time-slicing-x4");
    expect(exclusive.devicePluginConfig).toEqual({ version: "v1", flags: { migStrategy: "mixed" } });
    expect(sliced4.devicePluginConfig).toEqual({
      version: "v1",
      flags: { migStrategy: "mixed" },
      sharing: {
        timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: [{ name: "nvidia.com/gpu", replicas: 4 }] },
      },
    });
  });

  it("holds one key per distinct setting plus the exclusive default, each a valid device plugin file", () => {
    const data = devicePluginConfigData([sliced4, exclusive, sliced4, sliced8]);
    expect(Object.keys(data)).toEqual(["exclusive", "time-slicing-x4", "time-slicing-x8"]);
    expect(parse(data["time-slicing-x8"])).toEqual(sliced8.devicePluginConfig);
  });

  it("names the ConfigMap after its content, so a change reaches the nodes", () => {
    const name = devicePluginConfigMapName(devicePluginConfigData([sliced4]));
    expect(name).toMatch(/^fastgpu-device-plugin-[0-9a-f]{10}$/);
    expect(devicePluginConfigMapName(devicePluginConfigData([sliced4]))).toBe(name);
    expect(devicePluginConfigMapName(devicePluginConfigData([sliced8]))).not.toBe(name);
  });

  it("labels each pool's nodes with the key of its own config", () => {
    const facts = pool(sliced8.config, "g6.xlarge");
    const label = poolNodeLabels(facts)[DEVICE_PLUGIN_CONFIG_LABEL];
    expect(Object.keys(devicePluginConfigData([sliced8]))).toContain(label);
  });
});

describe("MIG layouts applied before kubelet", () => {
  const migGpus = GPUS.filter((gpu) => gpu.mig);

  it.each(migGpus.map((gpu) => [gpu.name, gpu] as const))("%s: every profile alone at its max count, and a mixed layout", (_name, gpu) => {
    for (const profile of gpu.mig!.profiles) {
      const tuples = migCreateTuples(gpu, { [profile.name]: profile.maxCount });
      expect(tuples).toHaveLength(profile.maxCount);
      for (const tuple of tuples) {
        const [name, start] = tuple.split(":");
        expect(name).toBe(profile.name);
        expect(profile.placements).toContain(Number(start));
      }
    }
    const [oneG, , , twoG, threeG] = gpu.mig!.profiles;
    const tuples = migCreateTuples(gpu, { [threeG.name]: 1, [twoG.name]: 1, [oneG.name]: 2 });
    // 3g must go to the upper half: at 0 it would leave a 1g no start slot (1g cannot start at 7).
    expect(tuples).toEqual([`${twoG.name}:0`, `${oneG.name}:2`, `${oneG.name}:3`, `${threeG.name}:4`]);
  });

  it("refuses to build a script for a layout that does not fit", () => {
    const h100 = migGpus.find((gpu) => gpu.id === "h100-80gb")!;
    expect(() => migCreateTuples(h100, { "4g.40gb": 2 })).toThrow(/does not fit NVIDIA H100 80GB HBM3/);
  });

  it("writes a script that creates the instances at those placements and checks their count", () => {
    const a100 = migGpus.find((gpu) => gpu.id === "a100-40gb")!;
    const script = migLayoutScript(a100, { "3g.20gb": 1, "2g.10gb": 1, "1g.5gb": 2 });
    expect(script).toMatch(/^#!\/bin\/bash\n/);
    expect(script).toContain('LAYOUT="2g.10gb:0,1g.5gb:2,1g.5gb:3,3g.20gb:4"');
    expect(script).toContain("EXPECTED_PER_GPU=4");
    expect(script).toContain('nvidia-smi mig -i "$gpu" -cgi "$LAYOUT" -C');
    expect(script).toContain("set -euo pipefail");
  });

  it("installs a unit ordered before nodeadm-run and required by kubelet, in MIME user data", () => {
    const unit = migLayoutUnit();
    expect(unit).toContain("Before=nodeadm-run.service kubelet.service");
    expect(unit).toContain("RequiredBy=kubelet.service");
    expect(unit).toContain("Type=oneshot");
    // A node that fails MIG setup never joins; the EC2 console output says why.
    expect(unit).toContain("StandardOutput=journal+console");
    const h100 = migGpus.find((gpu) => gpu.id === "h100-80gb")!;
    const userData = migUserData(h100, { "7g.80gb": 1 });
    const [headers, ...parts] = userData.split("--FASTGPU-MIG-LAYOUT");
    expect(headers).toContain('Content-Type: multipart/mixed; boundary="FASTGPU-MIG-LAYOUT"');
    expect(parts[0]).toContain('Content-Type: text/x-shellscript; charset="us-ascii"');
    expect(parts[0]).toContain("systemctl enable fastgpu-mig-layout.service");
    expect(parts[0]).toContain("systemctl start fastgpu-mig-layout.service");
    expect(parts[1]).toBe("--\n");
  });

  it("gives only MIG pools user data", () => {
    expect(exclusive.userData).toBeUndefined();
    expect(sliced4.userData).toBeUndefined();
    const encoded = mode({ mode: "mig", layout: { "3g.40gb": 2 } }).userData!;
    expect(Buffer.from(encoded, "base64").toString("utf8")).toContain('LAYOUT="3g.40gb:0,3g.40gb:4"');
  });
});

describe("GPU operator values", () => {
  const values = gpuOperatorValues([exclusive, sliced4, mode({ mode: "mig", layout: { "1g.10gb": 7 } })], [GPU_TAINT, VALIDATION_TAINT]);

  it("fit the EKS AL2023 NVIDIA AMI: driver and toolkit off, plugin, GFD and DCGM exporter on", () => {
    expect(values).toMatchObject({
      driver: { enabled: false },
      toolkit: { enabled: false },
      devicePlugin: { enabled: true, config: { create: true, default: "exclusive" } },
      gfd: { enabled: true },
      dcgmExporter: { enabled: true },
      mig: { strategy: "mixed" },
      migManager: { enabled: false },
    });
    expect(Object.keys(values.devicePlugin.config.data)).toEqual(["exclusive", "time-slicing-x4"]);
    expect(values.devicePlugin.config.name).toBe(devicePluginConfigMapName(values.devicePlugin.config.data));
    expect(values.daemonsets.tolerations).toContainEqual({ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" });
    expect(values["node-feature-discovery"].worker.tolerations).toContainEqual({ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" });
  });

  it("tolerate every GPU-node taint for every operand", () => {
    expect(values.daemonsets.tolerations).toContainEqual({ key: VALIDATION_TAINT.key, operator: "Exists", effect: "NoSchedule" });
    const withGate = gpuOperatorValues([exclusive], [GPU_TAINT, { key: "example.com/gate", value: "x", effect: "NoSchedule" }]);
    expect(withGate.daemonsets.tolerations).toContainEqual({ key: "example.com/gate", operator: "Exists", effect: "NoSchedule" });
  });
});
