/** Small formatting helpers shared by the CLIs' Markdown output. */

export function usd(value: number | null): string {
  if (value === null) return "n/a";
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function usdRate(value: number | null): string {
  if (value === null) return "n/a";
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;
}

/** A GitHub-flavoured Markdown table; pipes in cells are escaped. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (value: string) => value.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}

export function resourceList(counts: Readonly<Record<string, number>>): string {
  const entries = Object.entries(counts);
  if (entries.length === 0) return "none";
  return entries.map(([name, value]) => `${value} ${name.replace(/^nvidia\.com\//, "")}`).join(", ");
}
