/**
 * A small fake Kubernetes API server over HTTPS (self-signed certificate from openssl) for the smoke and
 * deploy-gate tests: nodes, Jobs, pods and pod logs, with each validation pod "running" a gpu-validate
 * report from kernels-image/tests/fixtures/reports. A created Job gets its pods at once: on its pinned node
 * (smoke), or one per node of the pool in its node selector (deploy gate); a Job with more completions than
 * the pool has nodes fails as its deadline would. Deleting a Job leaves its pods behind for a while, as
 * background deletion does.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { REPO_ROOT, tempDir } from "./helpers";

export const FIXTURE_REPORTS = path.join(REPO_ROOT, "kernels-image/tests/fixtures/reports");
export const TOKEN = "fake-token";

export interface FakeNode {
  readonly name: string;
  readonly pool: string;
  readonly region: string;
  /** Fixture report this node's validation pod prints. */
  readonly report: string;
}

/** A Job left by an earlier run, with pods (of another controller uid) still around. */
export interface FakeExistingJob {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly pods: readonly { readonly node: string; readonly report: string }[];
}

type Json = Record<string, unknown>;

export interface FakeKube {
  readonly url: string;
  readonly caPem: string;
  readonly created: Json[];
  readonly deleted: string[];
  /** Requests without the bearer token. */
  readonly unauthorized: number;
  close(): Promise<void>;
}

function certificate(): { cert: string; key: string } {
  const dir = tempDir("fastgpu-cert-");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  return { cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"), key: fs.readFileSync(path.join(dir, "key.pem"), "utf8") };
}

function verdictOf(report: string): { exitCode: number; verdict: string; reason: string } {
  return JSON.parse(fs.readFileSync(path.join(FIXTURE_REPORTS, report), "utf8"));
}

/** A finished validation pod of `job` on `node`, as the kubelet would report it. */
function pod(name: string, labels: Json, node: string, report: string): Json {
  const { exitCode, verdict, reason } = verdictOf(report);
  return {
    metadata: { name, labels },
    spec: { nodeName: node },
    status: {
      phase: exitCode === 0 ? "Succeeded" : "Failed",
      containerStatuses: [{ state: { terminated: { exitCode, reason: exitCode === 0 ? "Completed" : "Error", message: `gpu-validate ${verdict} on ${node} (exit ${exitCode})\n${reason}` } } }],
    },
  };
}

function matches(labels: Json | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const [key, value] = term.split("=");
    return labels !== undefined && key in labels && (value === undefined || labels[key] === value);
  });
}

export async function startFakeKube(options: { nodes: readonly FakeNode[]; image?: string; existingJobs?: readonly FakeExistingJob[] }): Promise<FakeKube> {
  const { cert, key } = certificate();
  const jobs = new Map<string, Json>();
  const pods = new Map<string, { pod: Json; report: string }>();
  const created: Json[] = [];
  const deleted: string[] = [];
  let unauthorized = 0;
  let uids = 0;

  /** Runs `job` on `nodes` at once: its pods finished with each node's report, its status accordingly. */
  const run = (job: Json & { metadata: { name: string; labels?: Json } }, template: Json, nodes: readonly { name: string; report: string }[], completions: number) => {
    const uid = `uid-${++uids}`;
    const labels = { ...(template.labels as Json), "batch.kubernetes.io/job-name": job.metadata.name, "batch.kubernetes.io/controller-uid": uid };
    nodes.forEach((node, index) => {
      const name = `${job.metadata.name}-${uid}-${index}`;
      pods.set(name, { pod: pod(name, labels, node.name, node.report), report: node.report });
    });
    const failed = nodes.filter((node) => verdictOf(node.report).exitCode !== 0).length;
    const short = nodes.length < completions;
    const condition = short ? { type: "Failed", status: "True", reason: "DeadlineExceeded" } : { type: failed > 0 ? "Failed" : "Complete", status: "True" };
    const stored = { ...job, metadata: { ...job.metadata, uid }, status: { succeeded: nodes.length - failed, failed, conditions: [condition] } };
    jobs.set(job.metadata.name, stored);
    return stored;
  };

  for (const existing of options.existingJobs ?? []) {
    run({ metadata: { name: existing.name, labels: { ...existing.labels } } }, { labels: { ...existing.labels } }, existing.pods.map((entry) => ({ name: entry.node, report: entry.report })), existing.pods.length);
  }

  const server = https.createServer({ cert, key }, (request, response) => {
    const send = (status: number, body: unknown, type = "application/json") => {
      response.writeHead(status, { "Content-Type": type });
      response.end(typeof body === "string" ? body : JSON.stringify(body));
    };
    if (request.headers.authorization !== `Bearer ${TOKEN}`) {
      unauthorized++;
      return send(401, { message: "Unauthorized" });
    }
    const url = new URL(request.url ?? "/", "https://127.0.0.1");
    const selector = url.searchParams.get("labelSelector");
    const jobsPath = "/apis/batch/v1/namespaces/fastgpu-system/jobs";
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      if (request.method === "GET" && url.pathname === "/api/v1/nodes") {
        const items = options.nodes
          .map((node) => ({ metadata: { name: node.name, labels: { "fastgpu.io/pool": node.pool, "topology.kubernetes.io/region": node.region } } }))
          .filter((node) => matches(node.metadata.labels, selector));
        return send(200, { items });
      }
      if (request.method === "POST" && url.pathname === jobsPath) {
        type PostedJob = Json & {
          metadata: { name: string; labels: Json };
          spec: { completions?: number; template: { metadata: { labels: Json }; spec: { nodeName?: string; nodeSelector?: Record<string, string> } } };
        };
        const job = JSON.parse(body) as PostedJob;
        created.push(job);
        if (jobs.has(job.metadata.name)) return send(409, { message: `jobs.batch "${job.metadata.name}" already exists` });
        const { nodeName, nodeSelector } = job.spec.template.spec;
        const targets = nodeName
          ? options.nodes.filter((candidate) => candidate.name === nodeName)
          : options.nodes.filter((candidate) => candidate.pool === nodeSelector?.["fastgpu.io/pool"]).slice(0, job.spec.completions ?? 1);
        if (nodeName && targets.length === 0) return send(422, { message: `no node ${nodeName}` });
        const stored = run(job, job.spec.template.metadata, targets.map((node) => ({ name: node.name, report: node.report })), job.spec.completions ?? 1);
        return send(201, stored);
      }
      if (request.method === "GET" && url.pathname === jobsPath) {
        return send(200, { items: [...jobs.values()].filter((job) => matches((job.metadata as Json).labels as Json, selector)) });
      }
      if (url.pathname.startsWith(`${jobsPath}/`)) {
        const name = url.pathname.slice(jobsPath.length + 1);
        if (request.method === "DELETE") {
          deleted.push(name);
          if (!jobs.delete(name)) return send(404, { message: `jobs.batch "${name}" not found` });
          return send(200, {});
        }
        const job = jobs.get(name);
        return job ? send(200, job) : send(404, { message: `jobs.batch "${name}" not found` });
      }
      if (request.method === "GET" && url.pathname === "/api/v1/namespaces/fastgpu-system/pods") {
        return send(200, { items: [...pods.values()].map((entry) => entry.pod).filter((candidate) => matches((candidate.metadata as Json).labels as Json, selector)) });
      }
      const logMatch = /^\/api\/v1\/namespaces\/fastgpu-system\/pods\/([^/]+)\/log$/.exec(url.pathname);
      if (request.method === "GET" && logMatch) {
        const entry = pods.get(logMatch[1]);
        if (!entry) return send(404, { message: "no pod" });
        // gpu-validate's JSON on stdout and its table on stderr share the log.
        const report = fs.readFileSync(path.join(FIXTURE_REPORTS, entry.report), "utf8");
        return send(200, `gpu-validate 0.1.0 | node ...\n${report.trimEnd()}\nVERDICT: ...\n`, "text/plain");
      }
      const daemonSet = /^\/apis\/apps\/v1\/namespaces\/fastgpu-system\/daemonsets\/gpu-join-gate-(.+)$/.exec(url.pathname);
      if (request.method === "GET" && daemonSet && options.image) {
        return send(200, { spec: { template: { spec: { containers: [{ name: "gpu-validate", image: options.image }] } } } });
      }
      return send(404, { message: `not found: ${request.method} ${url.pathname}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caPem: cert,
    created,
    deleted,
    get unauthorized() {
      return unauthorized;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
