/**
 * The one module that talks to a Kubernetes API server: connection from the current kubeconfig (`npm run
 * smoke`) or from the deploy's environment (the deploy gate), bearer tokens from exec plugins such as
 * `aws eks get-token`, and a few JSON requests. Everything it fetches is interpreted by lib/validation.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { EXIT, UserError } from "../lib/errors";
import { DEPLOY_GATE_ENV } from "../lib/naming";

/** No kubeconfig, no credentials, or the API server refused or did not answer: the cluster is unavailable. */
export class KubeError extends UserError {
  readonly exitCode = EXIT.unavailable;

  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

interface ExecConfig {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value: string }[];
}

export interface KubeConnection {
  readonly server: string;
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly insecure?: boolean;
  readonly token?: string;
  readonly exec?: ExecConfig;
  /** What the connection points at, for messages. */
  readonly description: string;
}

/** The deploy gate's connection: the cluster endpoint and CA from Terraform, a token from `aws eks get-token`. */
export function connectionFromEnvironment(env: NodeJS.ProcessEnv, cluster: string, region: string): KubeConnection {
  const server = env[DEPLOY_GATE_ENV.server];
  const caData = env[DEPLOY_GATE_ENV.caData];
  if (!server || !caData) throw new KubeError(`${DEPLOY_GATE_ENV.server} and ${DEPLOY_GATE_ENV.caData} must be set (the deploy gate passes them)`);
  return {
    server,
    ca: Buffer.from(caData, "base64"),
    exec: { command: "aws", args: ["eks", "get-token", "--cluster-name", cluster, "--region", region, "--output", "json"] },
    description: `EKS cluster ${cluster} (${region})`,
  };
}

type YamlRecord = Record<string, unknown>;

function isYamlRecord(value: unknown): value is YamlRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A kubeconfig file, read and parsed: a `KubeError` naming the file for one that is missing, a directory,
 * unreadable, empty, not YAML or not a mapping.
 */
function readKubeconfig(file: string): YamlRecord {
  let text: string;
  try {
    if (fs.statSync(file).isDirectory()) throw new KubeError(`${file}: is a directory, not a kubeconfig; set KUBECONFIG to the file`);
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof KubeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new KubeError(`no kubeconfig at ${file}; run the kubeconfig_command output of the region's infra stack`);
    throw new KubeError(`${file}: the kubeconfig cannot be read (${code ?? (error as Error).message})`);
  }
  if (text.trim() === "") throw new KubeError(`${file}: the kubeconfig is empty; run the kubeconfig_command output of the region's infra stack`);
  const document = parseDocument(text, { prettyErrors: true });
  const [first] = document.errors;
  if (first) {
    const line = first.linePos?.[0];
    throw new KubeError(`${file}: the kubeconfig is not valid YAML${line ? ` (line ${line.line}, column ${line.col})` : ""}: ${first.message.split("\n")[0]}`);
  }
  let config: unknown;
  try {
    config = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new KubeError(`${file}: the kubeconfig cannot be read as YAML: ${(error as Error).message}`);
  }
  if (!isYamlRecord(config)) {
    throw new KubeError(`${file}: not a kubeconfig (expected a YAML mapping with contexts, clusters and users; found ${config === null ? "nothing" : Array.isArray(config) ? "a list" : typeof config})`);
  }
  return config;
}

/** `config[key]`: a list of `{name, <item>: {...}}` entries; a `KubeError` naming the file and the path when not. */
function namedEntries(config: YamlRecord, key: string, item: string, file: string): { name: string; body: YamlRecord }[] {
  const list = config[key];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new KubeError(`${file}: ${key}: expected a list of {name, ${item}} entries`);
  return list.map((entry, index) => {
    if (!isYamlRecord(entry) || typeof entry.name !== "string" || !isYamlRecord(entry[item])) {
      throw new KubeError(`${file}: ${key}[${index}]: expected {name: <string>, ${item}: <mapping>}`);
    }
    return { name: entry.name, body: entry[item] as YamlRecord };
  });
}

/** The current (or named) context of $KUBECONFIG or ~/.kube/config. */
export function connectionFromKubeconfig(env: NodeJS.ProcessEnv, contextName?: string): KubeConnection {
  const file = (env.KUBECONFIG ?? path.join(os.homedir(), ".kube", "config")).split(path.delimiter)[0];
  const config = readKubeconfig(file);
  const current = config["current-context"];
  const name = contextName ?? (typeof current === "string" && current !== "" ? current : undefined);
  const context = namedEntries(config, "contexts", "context", file).find((entry) => entry.name === name);
  if (!context) throw new KubeError(`${file}: no context "${name ?? "(none selected)"}"; pick one with --context or kubectl config use-context`);
  const clusterName = context.body.cluster;
  const userName = context.body.user;
  const cluster = namedEntries(config, "clusters", "cluster", file).find((entry) => entry.name === clusterName)?.body;
  const user = namedEntries(config, "users", "user", file).find((entry) => entry.name === userName)?.body ?? {};
  if (!cluster || typeof cluster.server !== "string") throw new KubeError(`${file}: context "${name}" has no cluster server`);
  const fromFileOrData = (dataKey: string, fileKey: string, from: YamlRecord, owner: string) => {
    if (typeof from[dataKey] === "string") return Buffer.from(from[dataKey] as string, "base64");
    if (typeof from[fileKey] !== "string") return undefined;
    const referenced = path.resolve(path.dirname(file), from[fileKey] as string);
    try {
      if (fs.statSync(referenced).isDirectory()) throw new KubeError(`${file}: ${owner} ${fileKey} ${referenced} is a directory, not a PEM file`);
      return fs.readFileSync(referenced);
    } catch (error) {
      if (error instanceof KubeError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new KubeError(`${file}: ${owner} ${fileKey} ${referenced} ${code === "ENOENT" ? "not found" : `cannot be read (${code ?? (error as Error).message})`}`);
    }
  };
  const exec = user.exec;
  if (exec !== undefined && (!isYamlRecord(exec) || typeof exec.command !== "string")) throw new KubeError(`${file}: user "${userName}" exec: expected {command: <string>, args: [...]}`);
  return {
    server: cluster.server,
    ca: fromFileOrData("certificate-authority-data", "certificate-authority", cluster, `cluster "${clusterName}"`),
    insecure: cluster["insecure-skip-tls-verify"] === true,
    cert: fromFileOrData("client-certificate-data", "client-certificate", user, `user "${userName}"`),
    key: fromFileOrData("client-key-data", "client-key", user, `user "${userName}"`),
    token: typeof user.token === "string" ? user.token : undefined,
    exec: exec as ExecConfig | undefined,
    description: `context ${name} (${cluster.server})`,
  };
}

export class KubeClient {
  private token: { value: string; expires: number } | undefined;

  constructor(readonly connection: KubeConnection) {}

  private bearer(): string | undefined {
    if (this.connection.token) return this.connection.token;
    const exec = this.connection.exec;
    if (!exec) return undefined;
    if (this.token && this.token.expires > Date.now() + 60_000) return this.token.value;
    let output: string;
    try {
      output = execFileSync(exec.command, [...(exec.args ?? [])], {
        encoding: "utf8",
        env: { ...process.env, ...Object.fromEntries((exec.env ?? []).map((entry) => [entry.name, entry.value])) },
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      throw new KubeError(`credential command "${exec.command} ${(exec.args ?? []).join(" ")}" failed: ${(error as Error).message.split("\n")[0]}`);
    }
    const credential = JSON.parse(output) as { status?: { token?: string; expirationTimestamp?: string } };
    const value = credential.status?.token;
    if (!value) throw new KubeError(`credential command "${exec.command}" returned no token`);
    const expires = credential.status?.expirationTimestamp ? Date.parse(credential.status.expirationTimestamp) : Date.now() + 10 * 60_000;
    this.token = { value, expires };
    return value;
  }

  private request(method: string, apiPath: string, body?: unknown): Promise<{ status: number; text: string }> {
    const url = new URL(apiPath, this.connection.server);
    const token = this.bearer();
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const request = https.request(
        url,
        {
          method,
          ca: this.connection.ca,
          cert: this.connection.cert,
          key: this.connection.key,
          rejectUnauthorized: !this.connection.insecure,
          headers: {
            Accept: "application/json",
            ...(token ? { Authorization: `Bearer ${token}` } : {}),
            ...(payload ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) } : {}),
          },
          timeout: 30_000,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        },
      );
      request.on("timeout", () => request.destroy(new Error("timed out after 30 s")));
      request.on("error", (error) => reject(new KubeError(`${method} ${url.pathname} on ${this.connection.description}: ${error.message}`)));
      if (payload) request.write(payload);
      request.end();
    });
  }

  private async json<T>(method: string, apiPath: string, body?: unknown): Promise<T> {
    const { status, text } = await this.request(method, apiPath, body);
    if (status < 200 || status >= 300) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: keep the raw text
      }
      throw new KubeError(`${method} ${apiPath}: HTTP ${status}: ${message}`, status);
    }
    return JSON.parse(text) as T;
  }

  get<T>(apiPath: string): Promise<T> {
    return this.json<T>("GET", apiPath);
  }

  /** The object, or undefined when the API server says it does not exist (404). */
  async find<T>(apiPath: string): Promise<T | undefined> {
    try {
      return await this.get<T>(apiPath);
    } catch (error) {
      if (error instanceof KubeError && error.status === 404) return undefined;
      throw error;
    }
  }

  create<T>(apiPath: string, body: unknown): Promise<T> {
    return this.json<T>("POST", apiPath, body);
  }

  async remove(apiPath: string): Promise<void> {
    await this.json("DELETE", `${apiPath}?propagationPolicy=Background`);
  }

  /** A container's log; undefined when there is none yet (pod not started). */
  async log(namespace: string, pod: string): Promise<string | undefined> {
    const { status, text } = await this.request("GET", `/api/v1/namespaces/${namespace}/pods/${pod}/log`);
    return status >= 200 && status < 300 ? text : undefined;
  }
}
