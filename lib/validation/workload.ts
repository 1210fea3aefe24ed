/**
 * How gpu-validate runs on a pool's nodes: which GPUs a validation pod holds (every GPU of the node, whatever the
 * sharing mode: all of an exclusive node's GPUs, every replica of a time-sliced node so the pod holds each physical
 * GPU alone, every slice of a MIG node's layout), what it is told to expect, and the pod spec the deploy gate, the
 * join gate and `npm run smoke` share.
 */
import type { ValidationConfig } from "../config/schema";
import type { PoolModel } from "../model/pool";
import type { ValidationTarget } from "../model/sharing";
import { GPU_TAINT, POOL_LABEL, VALIDATION_TAINT } from "../naming";

export const VALIDATION_CONTAINER = "gpu-validate";
/** The image's second entrypoint (kernels-image/scripts/join-gate.sh). */
export const JOIN_GATE_COMMAND = "fastgpu-join-gate";
export const JOIN_GATE_SERVICE_ACCOUNT = "gpu-join-gate";
/** Numeric non-root user of the image. */
const IMAGE_UID = 65532;

export type { ValidationTarget };

/**
 * What a validation pod holds on a node of the pool (the sharing mode decides: always the whole node, so every floor
 * binds), and what it checks there: the profile, the SKU's PCI device id, then the mode's arguments.
 */
export function validationTarget(model: PoolModel, profile: ValidationConfig["profile"]): ValidationTarget {
  const target = model.sharing.validationTarget;
  return { resources: target.resources, args: ["--profile", profile, "--expect-sku", model.gpu.pciDeviceId, ...target.args] };
}

export interface PodSpecOptions {
  readonly image: string;
  readonly target: ValidationTarget;
  /** Node selector for the pool (gates) or none (smoke pins nodeName). */
  readonly poolSelector?: string;
  readonly command?: readonly string[];
  readonly args: readonly string[];
  readonly serviceAccountName?: string;
  readonly restartPolicy: "Never" | "Always";
}

/** Tolerates the GPU taint and the validation taint: validation must run on nodes not yet proven. */
export function validationTolerations(): Record<string, string>[] {
  return [GPU_TAINT, VALIDATION_TAINT].map((taint) => ({ key: taint.key, operator: "Exists", effect: taint.effect }));
}

export function validationPodSpec(options: PodSpecOptions): Record<string, unknown> {
  const quantities = Object.fromEntries(Object.entries(options.target.resources).map(([name, value]) => [name, String(value)]));
  return {
    restartPolicy: options.restartPolicy,
    ...(options.serviceAccountName ? { serviceAccountName: options.serviceAccountName } : { automountServiceAccountToken: false }),
    ...(options.poolSelector ? { nodeSelector: { [POOL_LABEL]: options.poolSelector } } : {}),
    tolerations: validationTolerations(),
    securityContext: { runAsNonRoot: true, runAsUser: IMAGE_UID, runAsGroup: IMAGE_UID, seccompProfile: { type: "RuntimeDefault" } },
    containers: [
      {
        name: VALIDATION_CONTAINER,
        image: options.image,
        ...(options.command ? { command: [...options.command] } : {}),
        args: [...options.args],
        env: [
          { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
          { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        ],
        resources: { requests: { cpu: "2", memory: "4Gi", ...quantities }, limits: { memory: "8Gi", ...quantities } },
        // gpu-validate writes a one-screen summary (node, failed checks) there; `kubectl describe` shows it.
        terminationMessagePath: "/dev/termination-log",
        terminationMessagePolicy: "File",
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ["ALL"] } },
      },
    ],
  };
}

/** gpu-validate's arguments for a one-shot run that prints its JSON report (Jobs read it from the pod log). */
export function reportingArgs(target: ValidationTarget): string[] {
  return [...target.args, "--json", "-", "--termination-log", "/dev/termination-log"];
}
