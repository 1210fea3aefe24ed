import { stringify } from "yaml";

/** Helm values as YAML with sorted keys: the same values always render the same text, so plans stay quiet. */
export function renderValues(values: object): string {
  return stringify(values, { sortMapEntries: true, lineWidth: 0 });
}
