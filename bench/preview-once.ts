/** One `npm run preview` in a fresh process; prints {"bytes": n, "maxRssMiB": m} for the benchmark driver. */
import { buildPreview } from "../tools/preview";

const [base, head] = process.argv.slice(2);
const { markdown } = buildPreview(["--base", base, "--head", head]);
process.stdout.write(JSON.stringify({ bytes: markdown.length, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
