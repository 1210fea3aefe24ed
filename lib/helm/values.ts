import { stringify } from "yaml";

/**
 * Helm values as YAML with sorted keys and no anchors: the same values always render the same text, so plans
 * stay quiet, and a reviewer never has to resolve an alias.
 */
export function renderValues(values: object): string {
  return stringify(values, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });
}
