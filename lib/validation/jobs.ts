/**
 * Validation Jobs seen from outside the cluster: the Jobs `npm run smoke` creates (one per node, pinned to
 * it), the deploy gate's Jobs as it receives them, when a Job is done, what state its pods are in, and the
 * node result each pod's log holds.
 */
import { createHash } from "node:crypto";
import type { ValidationConfig } from "../config/schema";
import { type KubeObject } from "../k8s/object";
import { noResult, parseReport, ReportError, reportFromLog, resultFromReport, type NodeResult } from "./results";
import { DeployGateInputError } from "./gate-command";
import { VALIDATION_PRIORITY_CLASS } from "./objects";
import { reportingArgs, validationPodSpec, validationTarget } from "./workload";
import { COMPONENT_LABEL, MANAGED_BY_LABELS, NAMESPACES, POOL_LABEL, SMOKE_RUN_LABEL } from "../naming";
import { type PoolModel } from "../model/pool";

export const SMOKE_COMPONENT = "smoke";

interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

export interface PodLike {
  readonly metadata: { readonly name: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: { readonly nodeName?: string };
  readonly status?: {
    readonly phase?: string;
    /** Set when the kubelet refuses the pod, e.g. `OutOfnvidia.com/gpu` for a pinned pod on a busy node. */
    readonly reason?: string;
    readonly message?: string;
    readonly conditions?: readonly Condition[];
    readonly containerStatuses?: readonly {
      readonly state?: {
        readonly waiting?: { readonly reason?: string; readonly message?: string };
        readonly terminated?: { readonly exitCode?: number; readonly reason?: string; readonly message?: string };
      };
    }[];
  };
}

export interface JobLike {
  readonly metadata: { readonly name: string; readonly uid?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: { readonly completions?: number };
  readonly status?: { readonly succeeded?: number; readonly failed?: number; readonly conditions?: readonly Condition[] };
}

/** A Job is done when Kubernetes says Complete or Failed, or every index has finished one way or the other. */
export function jobFinished(job: JobLike): boolean {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((condition) => (condition.type === "Complete" || condition.type === "Failed") && condition.status === "True")) return true;
  const done = (job.status?.succeeded ?? 0) + (job.status?.failed ?? 0);
  return done >= (job.spec?.completions ?? 1);
}

export type PodPhase = "pending" | "running" | "succeeded" | "failed";

export interface PodState {
  readonly phase: PodPhase;
  /** Why it is pending or how it ended, in words. */
  readonly detail: string;
}

export function podState(pod: PodLike): PodState {
  const status = pod.status;
  const container = status?.containerStatuses?.[0]?.state;
  switch (status?.phase) {
    case "Succeeded":
      return { phase: "succeeded", detail: "exit 0" };
    case "Failed": {
      const terminated = container?.terminated;
      if (terminated) return { phase: "failed", detail: `exit ${terminated.exitCode ?? "?"}${terminated.reason ? ` (${terminated.reason})` : ""}` };
      if (status.reason) return { phase: "failed", detail: `${status.reason}${status.message ? `: ${status.message}` : ""}` };
      return { phase: "failed", detail: "failed" };
    }
    case "Running":
      return { phase: "running", detail: "running" };
    default: {
      const unschedulable = status?.conditions?.find((condition) => condition.type === "PodScheduled" && condition.status === "False");
      if (unschedulable) return { phase: "pending", detail: `not scheduled: ${unschedulable.message ?? unschedulable.reason ?? "unschedulable"}` };
      const waiting = container?.waiting;
      if (waiting) return { phase: "pending", detail: `${waiting.reason ?? "waiting"}${waiting.message ? `: ${waiting.message}` : ""}` };
      return { phase: "pending", detail: "pending" };
    }
  }
}

/**
 * The node result one validation pod holds: its report from the log when there is one, otherwise why there
 * is none (still pending, image not pulled, termination message).
 */
export function resultFromPod(pod: PodLike, log: string | undefined, pool: string): NodeResult {
  const node = pod.spec?.nodeName ?? `(unscheduled pod ${pod.metadata.name})`;
  const state = podState(pod);
  const text = log === undefined ? undefined : reportFromLog(log);
  if (text) {
    try {
      return resultFromReport(parseReport(text, `pod ${pod.metadata.name}`), pool, pod.spec?.nodeName);
    } catch (error) {
      if (!(error instanceof ReportError)) throw error;
      return noResult(node, pool, error.message);
    }
  }
  const termination = pod.status?.containerStatuses?.[0]?.state?.terminated?.message?.trim();
  return noResult(node, pool, `no report in the pod log (${state.detail})${termination ? `: ${termination.split("\n")[0]}` : ""}`);
}

/** A Kubernetes-safe suffix for one node's smoke Job. */
function nodeToken(node: string): string {
  return createHash("sha256").update(node).digest("hex").slice(0, 10);
}

/** One smoke Job for one node, pinned to it by nodeName, holding the pool's validation resources. */
export function smokeJob(input: {
  readonly node: string;
  readonly facts: PoolModel;
  readonly image: string;
  readonly profile: ValidationConfig["profile"];
  readonly runId: string;
  readonly timeoutSeconds: number;
}): KubeObject {
  const target = validationTarget(input.facts, input.profile);
  const labels = { ...MANAGED_BY_LABELS, [COMPONENT_LABEL]: SMOKE_COMPONENT, [SMOKE_RUN_LABEL]: input.runId, [POOL_LABEL]: input.facts.pool.name };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `gpu-smoke-${input.runId}-${nodeToken(input.node)}`, namespace: NAMESPACES.platform, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: input.timeoutSeconds,
      ttlSecondsAfterFinished: 24 * 3600,
      template: {
        metadata: { labels },
        spec: {
          ...validationPodSpec({ image: input.image, target, args: reportingArgs(target), restartPolicy: "Never" }),
          priorityClassName: VALIDATION_PRIORITY_CLASS,
          // Pinned: the scheduler is bypassed, the kubelet still admits the pod only with the GPUs free.
          nodeName: input.node,
        },
      },
    },
  };
}

/** A deploy-gate Job as the gate needs it: which pool, how many nodes, and the object to create. */
export interface GateJob {
  readonly pool: string;
  readonly nodes: number;
  readonly job: KubeObject;
}

/**
 * Reads the Jobs the deploy gate is handed (a JSON array, see lib/validation/gate-command.ts) and checks they
 * are what it may create: Jobs in the validation namespace, labelled with their pool, with a node count.
 */
export function parseGateJobs(text: string | undefined, origin: string): GateJob[] {
  if (text === undefined || text.trim() === "") throw new DeployGateInputError(`${origin} is not set; the deploy gate is run by \`cdktf deploy\`, which sets it`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DeployGateInputError(`${origin}: not valid JSON (${(error as Error).message}); synthesize again`);
  }
  if (!Array.isArray(value) || value.length === 0) throw new DeployGateInputError(`${origin}: expected a non-empty JSON array of Jobs`);
  return value.map((entry: unknown, index): GateJob => {
    const job = entry as Partial<KubeObject> & { spec?: { completions?: unknown } };
    const where = `${origin}[${index}]`;
    if (job?.apiVersion !== "batch/v1" || job.kind !== "Job") throw new DeployGateInputError(`${where}: not a batch/v1 Job`);
    if (job.metadata?.namespace !== NAMESPACES.platform) throw new DeployGateInputError(`${where}: the gate creates Jobs only in ${NAMESPACES.platform}`);
    const pool = job.metadata.labels?.[POOL_LABEL];
    if (!pool) throw new DeployGateInputError(`${where}: no ${POOL_LABEL} label`);
    const nodes = job.spec?.completions;
    if (typeof nodes !== "number" || !Number.isInteger(nodes) || nodes < 1) throw new DeployGateInputError(`${where}: spec.completions must be the pool's node count`);
    return { pool, nodes, job: job as KubeObject };
  });
}
