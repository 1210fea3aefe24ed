/**
 * Versions a synth output pins: providers, the EKS version, Helm charts and the images set in chart values.
 * A preview lists the ones that differ between base and head.
 */
import { parse } from "yaml";
import type { TerraformJson } from "./synth-output";

/** component -> version, e.g. `chart gpu-operator` -> `gpu-operator@<version>` (the pins of lib/versions.ts, as synthesized). */
export type VersionMap = ReadonlyMap<string, string>;

function collectImages(value: unknown, path: string[], into: Map<string, string>): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return;
  const record = value as Record<string, unknown>;
  if (path[path.length - 1] === "image" && typeof record.tag === "string") {
    const where = path.slice(0, -1).join(".") || "image";
    into.set(where, `${typeof record.repository === "string" ? `${record.repository}:` : ""}${record.tag}`);
  }
  for (const [key, child] of Object.entries(record)) collectImages(child, [...path, key], into);
}

export function stackVersions(json: TerraformJson | undefined): Map<string, string> {
  const versions = new Map<string, string>();
  for (const [name, provider] of Object.entries(json?.terraform?.required_providers ?? {})) {
    if (provider.version) versions.set(`provider ${name}`, provider.version);
  }
  for (const cluster of Object.values(json?.resource?.aws_eks_cluster ?? {})) {
    if (typeof cluster.version === "string") versions.set("EKS Kubernetes", cluster.version);
  }
  for (const release of Object.values(json?.resource?.helm_release ?? {})) {
    const name = String(release.name);
    const chart = String(release.chart);
    // A local chart is copied into the synth under a content hash: a changed hash is a changed chart.
    versions.set(`chart ${name}`, release.repository ? `${chart}@${String(release.version)}` : `local, content ${chart.split("/").pop()?.slice(0, 12)}`);
    for (const values of (release.values as string[] | undefined) ?? []) {
      const images = new Map<string, string>();
      try {
        collectImages(parse(values), [], images);
      } catch {
        continue; // values with Terraform expressions are not YAML we can read; the chart version still shows
      }
      for (const [where, image] of images) versions.set(`image ${name}${where === "image" ? "" : ` ${where}`}`, image);
    }
  }
  return versions;
}

export interface VersionBump {
  readonly component: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

export function versionBumps(before: VersionMap, after: VersionMap): VersionBump[] {
  const components = [...new Set([...before.keys(), ...after.keys()])].sort();
  return components
    .filter((component) => before.get(component) !== after.get(component))
    .map((component) => ({ component, before: before.get(component), after: after.get(component) }));
}

/**
 * The version bumps of a whole fleet, stack by stack: each provider once (its versions across every stack, so a
 * region that is added or removed does not read as the provider being added or removed while other stacks still
 * use it), everything else prefixed with its region (or stack name).
 */
export function fleetVersionBumps(
  stacks: readonly { readonly name: string; readonly region: string }[],
  base: (stack: string) => TerraformJson | undefined,
  head: (stack: string) => TerraformJson | undefined,
): VersionBump[] {
  const providers = (side: (stack: string) => TerraformJson | undefined) => {
    const versions = new Map<string, Set<string>>();
    for (const stack of stacks) {
      for (const [component, version] of stackVersions(side(stack.name))) {
        if (!component.startsWith("provider ")) continue;
        versions.set(component, (versions.get(component) ?? new Set()).add(version));
      }
    }
    return new Map([...versions].map(([component, set]) => [component, [...set].sort().join(", ")]));
  };
  const bumps = new Map<string, VersionBump>();
  for (const bump of versionBumps(providers(base), providers(head))) bumps.set(bump.component, bump);
  for (const stack of stacks) {
    for (const bump of versionBumps(stackVersions(base(stack.name)), stackVersions(head(stack.name)))) {
      if (bump.component.startsWith("provider ")) continue;
      const component = `${stack.region || stack.name}: ${bump.component}`;
      bumps.set(component, { ...bump, component });
    }
  }
  return [...bumps.values()];
}
