#!/usr/bin/env node
// Carries the OpenAPI schemas of a CRD version into the project, for validating the custom resources our
// charts install. Descriptions are dropped; objects that list their properties and do not preserve unknown
// fields get `additionalProperties: false`, which is what the API server's pruning means in practice: an
// unknown field is silently lost, so we reject it instead. CEL rules (x-kubernetes-validations) are kept
// for reference but not evaluated.
//   node scripts/crd-schemas.mjs <version> "<source>" <crd.yaml>... > schemas/<name>.json
// The output names its source and the day it was generated (FASTGPU_GENERATED_AT, default today).
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const [version, source, ...files] = process.argv.slice(2);
if (!version || !source || files.length === 0) {
  console.error('usage: crd-schemas.mjs <version> "<source>" <crd.yaml>...');
  process.exit(3);
}

function prune(schema) {
  if (Array.isArray(schema)) return schema.map(prune);
  if (!schema || typeof schema !== "object") return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "description") continue;
    out[key] = key === "properties" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, prune(v)])) : prune(value);
  }
  if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) {
    out.additionalProperties = false;
  }
  return out;
}

const kinds = {};
for (const file of files) {
  const crd = parse(readFileSync(file, "utf8"));
  const served = crd.spec.versions.find((entry) => entry.name === version);
  if (!served) throw new Error(`${file}: no version ${version}`);
  const schema = prune(served.schema.openAPIV3Schema);
  // apiVersion/kind/metadata are checked by the API server itself; require the identity here.
  schema.required = [...new Set(["apiVersion", "kind", ...(schema.required ?? [])])];
  schema.properties.apiVersion = { type: "string", enum: [`${crd.spec.group}/${version}`] };
  schema.properties.kind = { type: "string", enum: [crd.spec.names.kind] };
  schema.properties.metadata = { type: "object" };
  kinds[crd.spec.names.kind] = schema;
}
const generatedAt = process.env.FASTGPU_GENERATED_AT ?? new Date().toISOString().slice(0, 10);
process.stdout.write(JSON.stringify({ source, generatedAt, version, kinds }, null, 1) + "\n");
