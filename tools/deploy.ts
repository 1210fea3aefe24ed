/**
 * `npm run deploy -- --region <r> [--auto-approve] [--skip-image-push] [--dry-run] [--config <dir>]`: one command
 * from an empty account to a validated region, and the same command for every later deploy. In order:
 *
 *   1. `cdktf synth` (config problems and policy violations stop here, before anything touches AWS);
 *   2. preflight against AWS, read-only except for one fix: the account; every pinned EKS add-on version is one EKS
 *      offers for the region's Kubernetes version; and a node group whose desired size is below the minSize the
 *      config now asks for gets its desired size raised first (EKS refuses `minSize > desiredSize`, and Terraform
 *      sends the desired size it last saw, because Cluster Autoscaler owns it);
 *   3. `cdktf deploy` of the infra stack (VPC, EKS, node groups, buckets, the ECR repository);
 *   4. the validation image: nothing if the pinned tag is in the region's repository, else build it from
 *      kernels-image/ and push it there (`--skip-image-push` only checks, for images the kernels-image workflow pushes);
 *   5. `cdktf deploy` of the platform stack, which ends with the deploy gate.
 *
 * Every command is printed before it runs. Nothing is run with `--dry-run`. The runner is injected, so the order and
 * the decisions are tested without AWS (test/deploy-aws.test.ts).
 *
 * Exit codes (lib/errors.ts): 0 deployed, 3 bad usage, 4 config problems, 5 a command failed or AWS refused a check.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { partitionOf } from "../lib/catalog/regions";
import { configDirFromEnv } from "../lib/config/load";
import { EXIT, runMain, UserError } from "../lib/errors";
import { loadFleetModel, type RegionModel } from "../lib/model/region";
import { CONFIG_DIR_ENV } from "../lib/naming";
import { EKS_ADDONS, KUBERNETES_VERSIONS, VALIDATION_IMAGE_BUILD_ARGS } from "../lib/versions";
import { parseFlags, single, UsageError } from "./cli-args";

const USAGE = "npm run deploy -- --region <region> [--auto-approve] [--skip-image-push] [--dry-run] [--config <dir>]";

/** One command: its argv, what to print instead when it differs (a pipe, a secret on stdin), and its stdin. */
export interface Command {
  readonly argv: readonly string[];
  /** Printed instead of argv (e.g. `aws ecr get-login-password | docker login ...`). */
  readonly shown?: string;
  readonly input?: string;
  /** Capture stdout and stderr (checks) instead of passing them through to the terminal (deploys, builds). */
  readonly capture?: boolean;
  /** Printed after the command line, e.g. why it runs. */
  readonly note?: string;
}

export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type Runner = (command: Command) => CommandResult;

export interface DeployIo {
  readonly run: Runner;
  readonly print: (line: string) => void;
}

export interface DeployOptions {
  readonly autoApprove?: boolean;
  readonly skipImagePush?: boolean;
  /** Print the plan of commands and run none. */
  readonly dryRun?: boolean;
  /** The config directory, passed to cdktf (FASTGPU_CONFIG) when it is not the default. */
  readonly configDir?: string;
}

/** A deploy step that could not be done: a command failed or AWS said no. */
export class DeployError extends UserError {
  readonly exitCode = EXIT.unavailable;
}

/** How a command line is printed: argv quoted where the shell would need it. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(" ");
}

interface NodeGroupScaling {
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
}

/** The registry host of an account's ECR in a region (China regions end in amazonaws.com.cn). */
export function ecrRegistry(account: string, region: string): string {
  return `${account}.dkr.ecr.${region}.amazonaws.com${partitionOf(region) === "aws-cn" ? ".cn" : ""}`;
}

/** Runs the deploy of one region; returns the exit code. */
export function deployRegion(model: RegionModel, options: DeployOptions, io: DeployIo): number {
  const region = model.region;
  const names = model.names;
  const configEnv = options.configDir ? [`${CONFIG_DIR_ENV}=${options.configDir}`] : [];
  const cdktf = (...args: string[]): Command => ({
    // `env` so the config directory reaches the cdktf app; CHECKPOINT_DISABLE stops cdktf's version-check call.
    argv: ["env", "CHECKPOINT_DISABLE=1", ...configEnv, "npx", "cdktf", ...args],
  });
  const approve = options.autoApprove ? ["--auto-approve"] : [];
  const aws = (...args: string[]): Command => ({ argv: ["aws", ...args, "--region", region], capture: true });

  const show = (command: Command) => {
    io.print(`$ ${command.shown ?? shellLine(command.argv)}${command.note ? `    # ${command.note}` : ""}`);
  };
  const quiet = (command: Command, what: string): CommandResult => {
    const result = io.run(command);
    if (result.status !== 0) {
      const detail = (result.stderr || result.stdout).trim();
      throw new DeployError(`${what} failed (exit ${result.status}): ${command.shown ?? shellLine(command.argv)}${detail ? `\n${detail}` : ""}`);
    }
    return result;
  };
  const run = (command: Command, what: string): CommandResult => {
    show(command);
    return quiet(command, what);
  };

  const synth = cdktf("synth");
  const deployInfra = cdktf("deploy", names.infraStack, "--skip-synth", ...approve);
  const deployPlatform = cdktf("deploy", names.platformStack, "--skip-synth", "--ignore-missing-stack-dependencies", ...approve);
  const tag = model.fleet.validation.image.tag;
  const repository = names.validationRepository;

  if (options.dryRun) {
    io.print(`fastgpu deploy ${region} (dry run: nothing is run)`);
    for (const command of [
      synth,
      { ...aws("sts", "get-caller-identity", "--query", "Account", "--output", "text"), note: "the account" },
      ...addonChecks(model, aws).map((check) => check.command),
      ...nodeGroupNames(model).map(({ nodeGroup }) => ({
        ...describeNodeGroup(model, nodeGroup, aws),
        note: "raise desired size to the new minSize first, if it is below",
      })),
      deployInfra,
      { ...describeImage(repository, tag, aws), note: options.skipImagePush ? "must exist (--skip-image-push)" : "if missing: build and push" },
      ...(options.skipImagePush ? [] : pushCommands("<account>", region, repository, tag)),
      deployPlatform,
    ]) {
      show(command);
    }
    return EXIT.success;
  }

  io.print(`fastgpu deploy ${region}: synth, preflight, ${names.infraStack}, validation image ${repository}:${tag}, ${names.platformStack}`);
  run(synth, "synth");

  // --- Preflight ---------------------------------------------------------------------------------------------
  const account = run(aws("sts", "get-caller-identity", "--query", "Account", "--output", "text"), "reading the AWS account (credentials)").stdout.trim();

  const missingPins: string[] = [];
  for (const { addon, version, command } of addonChecks(model, aws)) {
    const offered = parseJson<string[]>(run(command, `listing ${addon} versions`).stdout) ?? [];
    if (!offered.includes(version)) {
      missingPins.push(`${addon} ${version} (offered: ${offered.slice(0, 5).join(", ") || "none"}${offered.length > 5 ? ", ..." : ""})`);
    }
  }
  if (missingPins.length > 0) {
    throw new DeployError(
      `EKS does not offer these pinned add-on versions for Kubernetes ${model.config.kubernetesVersion} in ${region}: ${missingPins.join("; ")}. ` +
        "Update KUBERNETES_VERSIONS in lib/versions.ts (and its source) before deploying; nothing was deployed.",
    );
  }

  for (const { nodeGroup, minSize } of nodeGroupNames(model)) {
    const describe = describeNodeGroup(model, nodeGroup, aws);
    show(describe);
    const result = io.run(describe);
    if (result.status !== 0) {
      if (result.stderr.includes("ResourceNotFoundException")) continue; // no cluster or node group yet: this deploy creates it
      throw new DeployError(`reading node group ${nodeGroup} failed (exit ${result.status}): ${result.stderr.trim()}`);
    }
    const scaling = parseJson<NodeGroupScaling>(result.stdout);
    if (!scaling || scaling.desiredSize >= minSize) continue;
    const maxSize = Math.max(scaling.maxSize, minSize);
    run(
      {
        ...aws(
          "eks", "update-nodegroup-config", "--cluster-name", names.cluster, "--nodegroup-name", nodeGroup,
          "--scaling-config", `minSize=${scaling.minSize},maxSize=${maxSize},desiredSize=${minSize}`,
        ),
        note: `desired ${scaling.desiredSize} < new minSize ${minSize}: EKS would refuse the minSize update`,
      },
      `raising the desired size of ${nodeGroup}`,
    );
    run(aws("eks", "wait", "nodegroup-active", "--cluster-name", names.cluster, "--nodegroup-name", nodeGroup), `waiting for ${nodeGroup}`);
  }

  // --- Infra ------------------------------------------------------------------------------------------------
  run(deployInfra, `deploying ${names.infraStack}`);

  // --- Validation image -------------------------------------------------------------------------------------
  const describe = describeImage(repository, tag, aws);
  show(describe);
  const image = io.run(describe);
  if (image.status !== 0 && !image.stderr.includes("ImageNotFoundException")) {
    throw new DeployError(`looking up ${repository}:${tag} failed (exit ${image.status}): ${image.stderr.trim()}`);
  }
  if (image.status === 0) {
    io.print(`${repository}:${tag} is in ${region}'s repository (tags are immutable): not pushing`);
  } else if (options.skipImagePush) {
    throw new DeployError(
      `the validation image ${repository}:${tag} is not in ${region}'s repository, and --skip-image-push was given: push it (the ` +
        `kernels-image workflow, or this command without --skip-image-push), then run npm run deploy -- --region ${region} again ` +
        `(${names.infraStack} is deployed; its second deploy changes nothing)`,
    );
  } else {
    const [build, login, push] = pushCommands(account, region, repository, tag);
    run(build, "building the validation image");
    // One printed line, two commands: the password goes from one to the other on stdin, never to the terminal.
    show(login);
    const password = quiet({ argv: ["aws", "ecr", "get-login-password", "--region", region], capture: true }, "getting an ECR login").stdout;
    quiet({ ...login, input: password }, "logging in to ECR");
    run(push, "pushing the validation image");
  }

  // --- Platform ---------------------------------------------------------------------------------------------
  run(deployPlatform, `deploying ${names.platformStack}`);
  io.print(`fastgpu deploy ${region}: done`);
  return EXIT.success;
}

function addonChecks(model: RegionModel, aws: (...args: string[]) => Command) {
  const pins = KUBERNETES_VERSIONS[model.config.kubernetesVersion].eksAddons;
  return EKS_ADDONS.map((addon) => ({
    addon,
    version: pins[addon],
    command: aws(
      "eks", "describe-addon-versions", "--kubernetes-version", model.config.kubernetesVersion, "--addon-name", addon,
      "--query", "addons[].addonVersions[].addonVersion", "--output", "json",
    ),
  }));
}

function nodeGroupNames(model: RegionModel): { nodeGroup: string; minSize: number }[] {
  return [
    { nodeGroup: model.names.systemNodeGroup, minSize: model.config.systemPool.minSize },
    ...model.pools.map(({ pool }) => ({ nodeGroup: model.names.nodeGroup(pool.name), minSize: pool.minSize })),
  ];
}

function describeNodeGroup(model: RegionModel, nodeGroup: string, aws: (...args: string[]) => Command): Command {
  return aws("eks", "describe-nodegroup", "--cluster-name", model.names.cluster, "--nodegroup-name", nodeGroup, "--query", "nodegroup.scalingConfig", "--output", "json");
}

function describeImage(repository: string, tag: string, aws: (...args: string[]) => Command): Command {
  return aws("ecr", "describe-images", "--repository-name", repository, "--image-ids", `imageTag=${tag}`);
}

/** Build, login and push, as the kernels-image workflow does (its build arguments from lib/versions.ts). */
function pushCommands(account: string, region: string, repository: string, tag: string): [Command, Command, Command] {
  const registry = ecrRegistry(account, region);
  const image = `${registry}/${repository}:${tag}`;
  const buildArgs = Object.entries({ ...VALIDATION_IMAGE_BUILD_ARGS, VERSION: tag }).flatMap(([name, value]) => ["--build-arg", `${name}=${value}`]);
  return [
    { argv: ["docker", "build", "kernels-image", ...buildArgs, "--tag", image] },
    {
      argv: ["docker", "login", "--username", "AWS", "--password-stdin", registry],
      shown: `aws ecr get-login-password --region ${region} | docker login --username AWS --password-stdin ${registry}`,
      capture: true,
    },
    { argv: ["docker", "push", image] },
  ];
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Runs commands for real, in the repository root: checks capture their output, deploys and builds print to the terminal. */
export function spawnRunner(root: string): Runner {
  return (command) => {
    const [program, ...args] = command.argv;
    const result = spawnSync(program, args, {
      cwd: root,
      input: command.input,
      encoding: "utf8",
      stdio: command.capture || command.input !== undefined ? "pipe" : "inherit",
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.error) return { status: 127, stdout: "", stderr: `${program}: ${result.error.message}` };
    return { status: result.status ?? 1, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
  };
}

export function runDeploy(argv: readonly string[], io?: DeployIo, env: NodeJS.ProcessEnv = process.env): number {
  const flags = parseFlags(
    argv,
    {
      region: { takesValue: true },
      "auto-approve": { takesValue: false },
      "skip-image-push": { takesValue: false },
      "dry-run": { takesValue: false },
      config: { takesValue: true },
    },
    USAGE,
  );
  const regionName = single(flags, "region");
  if (!regionName) throw new UsageError("--region is required", USAGE);
  const configFlag = single(flags, "config");
  // cdktf runs the app from the repository root: the config directory travels as an absolute path.
  const configDir = configFlag === undefined ? undefined : path.resolve(configFlag);
  const fleet = loadFleetModel(configDir ?? configDirFromEnv(env));
  const model = fleet.regions.find((candidate) => candidate.region === regionName);
  if (!model) {
    throw new UsageError(`region "${regionName}" is not in the config; active regions: ${fleet.regions.map((r) => r.region).join(", ")}`, USAGE);
  }
  const root = path.resolve(__dirname, "..");
  return deployRegion(
    model,
    { autoApprove: flags["auto-approve"] === true, skipImagePush: flags["skip-image-push"] === true, dryRun: flags["dry-run"] === true, configDir },
    io ?? { run: spawnRunner(root), print: (line) => process.stdout.write(`${line}\n`) },
  );
}

if (require.main === module) runMain(() => runDeploy(process.argv.slice(2)));
